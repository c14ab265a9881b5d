use marine_rs_sdk::marine;

#[marine]
pub struct R;

fn main() {}
