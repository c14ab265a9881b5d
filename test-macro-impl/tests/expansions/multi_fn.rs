#[marine_test(
    service_a(config_path = "../fixtures/svc_a/Config.toml", modules_dir = "../fixtures/svc_a/artifacts"),
    service_b(config_path = "../fixtures/svc_b/Config.toml"),
)]
fn pipeline() {
    let a = service_a::ServiceInterface::new();
    let b = service_b::ServiceInterface::new();
    b.consume(a.modules.producer.make_data("x".into()), true);
}
