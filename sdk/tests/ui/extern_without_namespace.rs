use marine_rs_sdk::marine;

#[marine]
extern "C" {
    pub fn f(x: i32);
}

fn main() {}
