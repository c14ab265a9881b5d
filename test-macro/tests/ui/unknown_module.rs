use marine_test_macro::marine_test;

#[marine_test(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml")]
fn t(greeting: marine_test_env::greeting::ModuleInterface, nope: marine_test_env::nope::ModuleInterface) {}

fn main() {}
