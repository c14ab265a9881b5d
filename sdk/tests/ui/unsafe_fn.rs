use marine_rs_sdk::marine;

#[marine]
pub unsafe fn f() -> i32 {
    1
}

fn main() {}
