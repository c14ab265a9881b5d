use marine_rs_sdk::marine;

#[marine]
pub fn f(x: Vec<&String>) {}

fn main() {}
