use marine_rs_sdk::marine;

#[marine]
pub async fn f() -> i32 {
    1
}

fn main() {}
