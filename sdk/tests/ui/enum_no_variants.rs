use marine_rs_sdk::marine;

#[marine]
pub enum Never {}

fn main() {}
