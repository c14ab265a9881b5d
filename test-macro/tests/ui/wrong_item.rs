use marine_test_macro::marine_test;

#[marine_test(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml")]
mod single_on_mod {}

#[marine_test(svc(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml"))]
struct NotAFunction;

#[marine_test(config_path = "../../../test-macro-impl/tests/fixtures/single/Config.toml")]
async fn is_async() {}

fn main() {}
