use marine_rs_sdk::marine;

#[marine]
pub fn f() -> i128 {
    0
}

fn main() {}
