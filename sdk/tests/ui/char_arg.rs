use marine_rs_sdk::marine;

#[marine]
pub fn f(c: char) {}

fn main() {}
