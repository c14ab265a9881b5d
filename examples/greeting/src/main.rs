//! The seed's hello world: `greeting(name) -> "Hi, <name>"`.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
pub fn greeting(name: String) -> String {
    format!("Hi, {}", name)
}
