//! A module whose functions trap: a Rust panic and a raw `unreachable`.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
pub fn ok() -> String {
    String::from("still fine")
}

#[marine]
pub fn panics(message: String) -> String {
    panic!("guest panicked: {}", message)
}

#[marine]
pub fn divide(a: i32, b: i32) -> i32 {
    // Division by zero panics in Rust (it is checked), so this traps for b == 0.
    a / b
}
