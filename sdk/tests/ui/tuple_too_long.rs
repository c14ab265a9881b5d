use marine_rs_sdk::marine;

#[marine]
pub fn f(x: (u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8)) {}

fn main() {}
