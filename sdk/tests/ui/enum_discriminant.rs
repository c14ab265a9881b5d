use marine_rs_sdk::marine;

#[marine]
pub enum E {
    A = 1,
    B,
}

fn main() {}
