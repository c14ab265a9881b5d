use marine_rs_sdk::marine;

#[marine]
#[module_import("m")]
extern "C" {
    pub fn f(x: &String) -> &String;
}

fn main() {}
