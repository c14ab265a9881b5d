use marine_rs_sdk::marine;

#[marine]
pub fn f(x: usize) -> u32 {
    x as u32
}

fn main() {}
