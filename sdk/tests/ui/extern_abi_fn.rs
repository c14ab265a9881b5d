use marine_rs_sdk::marine;

#[marine]
pub extern "C" fn f() -> i32 {
    1
}

fn main() {}
