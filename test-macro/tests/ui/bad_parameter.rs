use marine_test_macro::marine_test;

#[marine_test(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml")]
fn wrong_type(greeting: String) {}

#[marine_test(
    svc(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml")
)]
fn multi_with_parameter(greeting: marine_test_env::greeting::ModuleInterface) {}

fn main() {}
