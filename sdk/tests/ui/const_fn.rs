use marine_rs_sdk::marine;

#[marine]
pub const fn f() -> i32 {
    1
}

fn main() {}
