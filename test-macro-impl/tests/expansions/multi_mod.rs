#[marine_test(service_b(config_path = "../fixtures/svc_b/Config.toml"))]
mod tests {
    use super::*;

    #[test]
    fn consumes() {
        let _ = marine_test_env::service_b::ServiceInterface::new();
    }
}
