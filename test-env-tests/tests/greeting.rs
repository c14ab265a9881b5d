//! The seed's single-service form on the real greeting module.

use marine_rs_sdk_test::marine_test;

#[marine_test(
    config_path = "../services/greeting/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn empty_string(greeting: marine_test_env::greeting::ModuleInterface) {
    let actual = greeting.greeting(String::new());
    assert_eq!(actual, "Hi, ");
}

#[marine_test(
    config_path = "../services/greeting/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn every_variant_calls_the_module(greeting: marine_test_env::greeting::ModuleInterface) {
    assert_eq!(greeting.greeting("Fluence".into()), "Hi, Fluence");
    assert_eq!(
        greeting.greeting_cp("cp".into(), marine_rs_sdk_test::CallParameters::default()),
        "Hi, cp"
    );
    assert_eq!(greeting.try_greeting("try".into()).unwrap(), "Hi, try");
    assert_eq!(
        greeting
            .try_greeting_cp("both".into(), Default::default())
            .unwrap(),
        "Hi, both"
    );
}

// The body may return a Result, and other attributes stay on the test.
#[marine_test(
    config_path = "../services/greeting/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn returns_result(greeting: marine_test_env::greeting::ModuleInterface) -> Result<(), String> {
    let out = greeting
        .try_greeting("x".into())
        .map_err(|e| e.to_string())?;
    if out == "Hi, x" {
        Ok(())
    } else {
        Err(out)
    }
}

#[marine_test(
    config_path = "../services/greeting/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
#[should_panic(expected = "Hi, boom")]
fn attributes_are_kept(greeting: marine_test_env::greeting::ModuleInterface) {
    panic!("{}", greeting.greeting("boom".into()));
}
