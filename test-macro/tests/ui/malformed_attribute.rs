use marine_test_macro::marine_test;

#[marine_test]
fn empty() {}

#[marine_test(config = "Config.toml")]
fn unknown_key() {}

#[marine_test(config_path = 42)]
fn not_a_string() {}

#[marine_test(config_path = "a", config_path = "b")]
fn twice() {}

#[marine_test(modules_dir = "artifacts")]
fn no_config_path() {}

#[marine_test(svc(config_path = "a"), modules_dir = "b")]
fn mixed() {}

fn main() {}
