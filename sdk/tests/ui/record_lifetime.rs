use marine_rs_sdk::marine;

#[marine]
pub struct R<'a> {
    pub x: &'a str,
}

fn main() {}
