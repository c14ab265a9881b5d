use marine_rs_sdk::marine;

#[marine]
pub struct R<T> {
    pub x: T,
}

fn main() {}
