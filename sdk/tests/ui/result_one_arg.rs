use marine_rs_sdk::marine;

type Result<T> = std::result::Result<T, String>;

#[marine]
pub fn f() -> Result<String> {
    Ok(String::new())
}

fn main() {}
