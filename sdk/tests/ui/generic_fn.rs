use marine_rs_sdk::marine;

#[marine]
pub fn f<T>(x: T) {}

fn main() {}
