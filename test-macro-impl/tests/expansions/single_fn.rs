#[marine_test(config_path = "../fixtures/single/Config.toml")]
#[should_panic]
fn greets(greeting: marine_test_env::greeting::ModuleInterface, mut counter: marine_test_env::counter_module::ModuleInterface) -> Result<(), String> {
    assert_eq!(greeting.greeting("x".into()), "Hi, x");
    counter.reset();
    Ok(())
}
