//! Records: a multi-module service (the pure module calls the effector), and two services
//! where one's record output is the other's input.

use marine_rs_sdk_test::marine_test;

#[marine_test(
    config_path = "../services/records/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn multi_module_service_with_records(
    effector: marine_test_env::records_passing_effector::ModuleInterface,
    pure: marine_test_env::records_passing_pure::ModuleInterface,
) {
    // The record is declared by both modules with the same shape: one Rust type.
    let record = marine_test_env::records_passing_effector::TestRecord1 {
        field_0: 1,
        field_1: "abc".into(),
        field_2: vec![1, 2],
        test_record_0: marine_test_env::records_passing_pure::TestRecord0 { field_0: 10 },
    };
    let direct = effector.test_record_ref(record.clone());
    let through_pure = pure.invoke_ref(record.clone());
    assert_eq!(direct.field_0, 1 + 10 + 3 + 2);
    assert_eq!(through_pure, direct);

    let reversed = pure.invoke_array(vec![record.clone(), record]);
    assert_eq!(reversed.len(), 2);
    assert_eq!(reversed[0].field_1, "ABC");
    assert_eq!(reversed[0].field_2, vec![2, 1]);
    assert_eq!(reversed[0].test_record_0.field_0, 11);
}

#[marine_test(
    service_1(
        config_path = "../services/records/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    ),
    service_2(
        config_path = "../services/records-effector/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    )
)]
fn one_services_output_feeds_another() {
    let service_1 = service_1::ServiceInterface::new();
    let service_2 = service_2::ServiceInterface::new();

    let service_1_res = service_1.invoke_twice(3);
    let nested: Vec<i32> = service_1_res
        .iter()
        .map(|r| r.test_record_0.field_0)
        .collect();
    assert_eq!(nested, [2, 12, 22]);
    assert_eq!(service_1_res[1].field_1, "RECORD 1");

    let service_2_res = service_2.test_record_array(service_1_res);
    let order: Vec<i32> = service_2_res.iter().map(|r| r.field_0).collect();
    assert_eq!(order, [2, 1, 0]);
    assert_eq!(service_2_res[0].test_record_0.field_0, 23);

    // Every module stays reachable under `.modules`.
    let summary = service_1
        .modules
        .records_passing_effector
        .test_record_ref(service_2_res[0].clone());
    assert_eq!(summary.field_0, 2 + 23 + "RECORD 2".len() as i32 + 2);
}

#[marine_test(
    producer(
        config_path = "../services/records/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    ),
    consumer(
        config_path = "../services/records-effector/Config.toml",
        modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
    )
)]
mod on_a_mod {
    #[test]
    fn services_on_a_mod() {
        let producer = producer::ServiceInterface::new();
        let consumer = marine_test_env::consumer::ServiceInterface::new();
        let records: Vec<marine_test_env::consumer::TestRecord1> = producer.invoke_twice(1);
        assert_eq!(consumer.test_record_array(records).len(), 1);
    }

    #[test]
    fn each_service_is_fresh() {
        let a = producer::ServiceInterface::new();
        let b = producer::ServiceInterface::new();
        assert_eq!(a.invoke_twice(2), b.invoke_twice(2));
    }
}
