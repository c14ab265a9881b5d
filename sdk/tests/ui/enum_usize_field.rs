use marine_rs_sdk::marine;

#[marine]
pub enum E {
    A { n: usize },
}

fn main() {}
