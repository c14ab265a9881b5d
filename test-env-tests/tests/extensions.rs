//! `#[marine_test]` wrappers with the ABI extensions (docs/abi-extensions.md): real Rust
//! `Option`, `Result`, tuples and generated enums in the wrappers' signatures (`()` inside a
//! type is `marine_rs_sdk_test::internal::Unit`).

use marine_rs_sdk_test::marine_test;

#[marine_test(
    config_path = "../services/rich-types/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn rich_types_through_the_wrappers(rich_types: marine_test_env::rich_types::ModuleInterface) {
    use marine_test_env::rich_types::{Everything, Item, Shape};

    assert_eq!(rich_types.echo_option(None), None);
    assert_eq!(
        rich_types.echo_option(Some("k".to_string())),
        Some("k".to_string())
    );
    // `None` inside `Some` survives (JSON could not carry it).
    assert_eq!(rich_types.echo_nested(Some(None)), Some(None));
    assert_eq!(rich_types.parse("7".into()), Ok(Some(7)));
    assert_eq!(rich_types.parse(String::new()), Ok(None));
    assert!(rich_types.parse("x".into()).is_err());
    assert_eq!(
        rich_types.echo_tuple((-1, "t".into(), vec![1, 2])),
        (-1, "t".to_string(), vec![1, 2])
    );
    let item = Item {
        name: "i".into(),
        tags: Some(vec!["a".into()]),
    };
    let boxed = Shape::Boxed {
        item: item.clone(),
        weight: None,
    };
    assert_eq!(rich_types.echo_shape(boxed.clone()), boxed);
    assert_eq!(
        rich_types.describe(Shape::Pair(2, "p".into())),
        "pair 2 p".to_string()
    );
    assert_eq!(
        rich_types.echo_result(Err("e".into())),
        Err("e".to_string())
    );
    let everything = Everything {
        maybe: Some(u64::MAX),
        nested: Some(None),
        outcome: Ok(vec![0, 255]),
        pair: (true, None),
        unit: None,
        shapes: vec![Shape::Empty, Shape::Pair(1, String::new()), boxed],
        options: vec![None, Some(item)],
    };
    assert_eq!(rich_types.echo_everything(everything.clone()), everything);
    assert_eq!(
        rich_types.unit_results(2),
        vec![Ok(marine_rs_sdk_test::internal::Unit), Err(1)]
    );
}

#[marine_test(
    config_path = "../services/storage-errors/Config.toml",
    modules_dir = "../../target/wasm-examples/wasm32-wasip1/release"
)]
fn the_facade_gets_the_storage_error_as_a_value(
    storage: marine_test_env::storage::ModuleInterface,
    facade: marine_test_env::facade::ModuleInterface,
) {
    use marine_test_env::facade::StorageError;

    assert_eq!(
        storage.put("k".into(), b"v".to_vec()),
        Ok(marine_rs_sdk_test::internal::Unit)
    );
    assert_eq!(facade.get_raw("k".into()), Ok(b"v".to_vec()));
    assert_eq!(
        facade.get_raw("nope".into()),
        Err(StorageError::NotFound {
            name: "nope".into()
        })
    );
    assert_eq!(
        facade.load_or("nope".into(), "d".into()),
        Ok("d".to_string())
    );
    assert_eq!(
        facade.save("a/b".into(), String::new()),
        "`a/b` is not a valid name"
    );
}
