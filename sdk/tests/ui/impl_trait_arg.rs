use marine_rs_sdk::marine;

#[marine]
pub fn f(x: impl Into<String>) {}

fn main() {}
