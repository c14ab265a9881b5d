use marine_rs_sdk::marine;

#[marine]
pub fn f(x: (i32, i32)) {}

fn main() {}
