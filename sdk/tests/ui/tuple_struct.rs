use marine_rs_sdk::marine;

#[marine]
pub struct R(i32, String);

fn main() {}
