use marine_rs_sdk::marine;

#[marine]
#[module_import("m")]
extern "system" {
    pub fn f(x: i32);
}

fn main() {}
