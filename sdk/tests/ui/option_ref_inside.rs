use marine_rs_sdk::marine;

#[marine]
pub fn f(x: Option<&str>) {}

fn main() {}
