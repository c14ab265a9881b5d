use marine_rs_sdk::marine;

#[marine]
pub fn f(x: std::collections::HashMap<String, String>) {}

fn main() {}
