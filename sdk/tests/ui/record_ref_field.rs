use marine_rs_sdk::marine;

#[marine]
pub struct R {
    pub x: &'static str,
}

fn main() {}
