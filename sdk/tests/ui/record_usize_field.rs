use marine_rs_sdk::marine;

#[marine]
pub struct R {
    pub x: usize,
}

fn main() {}
