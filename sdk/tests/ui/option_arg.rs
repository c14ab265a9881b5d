use marine_rs_sdk::marine;

#[marine]
pub fn f(x: Option<String>) {}

fn main() {}
