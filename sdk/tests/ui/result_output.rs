use marine_rs_sdk::marine;

#[marine]
pub fn f() -> Result<String, String> {
    Ok(String::new())
}

fn main() {}
