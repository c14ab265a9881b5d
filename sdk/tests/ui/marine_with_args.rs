use marine_rs_sdk::marine;

#[marine(export)]
pub fn f() {}

fn main() {}
