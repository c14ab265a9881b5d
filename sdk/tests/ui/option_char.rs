use marine_rs_sdk::marine;

#[marine]
pub fn f() -> Option<Vec<char>> {
    None
}

fn main() {}
