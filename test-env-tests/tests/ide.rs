//! The build-script form: `build.rs` wrote the environment with `generate_marine_test_env`,
//! the test includes it (IDEs see ordinary code) and creates the service itself.

marine_rs_sdk_test::include_test_env!("/marine_test_env.rs");

#[test]
fn generated_environment_calls_the_module() {
    let service = marine_test_env::greeting_service::ServiceInterface::new();
    assert_eq!(service.greeting("IDE".into()), "Hi, IDE");
    assert_eq!(
        service
            .modules
            .greeting
            .try_greeting("again".into())
            .unwrap(),
        "Hi, again"
    );
    let second = marine_test_env::greeting_service::ServiceInterface::try_new().unwrap();
    assert_eq!(second.greeting(String::new()), "Hi, ");
}
