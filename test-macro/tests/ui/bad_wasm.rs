use marine_test_macro::marine_test;

#[marine_test(config_path = "garbage/Config.toml")]
fn t() {}

fn main() {}
