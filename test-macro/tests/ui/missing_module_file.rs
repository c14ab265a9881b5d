use marine_test_macro::marine_test;

#[marine_test(config_path = "ghost/Config.toml")]
fn from_config() {}

#[marine_test(config_path = "ghost/Config.toml", modules_dir = "ghost/artifacts")]
fn from_attribute() {}

fn main() {}
