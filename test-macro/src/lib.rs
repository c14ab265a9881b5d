//! The `#[marine_test]` attribute. A thin shell: parsing and code generation live in
//! `marine-test-macro-impl`. Use it through `marine-rs-sdk-test`, which re-exports it with
//! everything the generated code needs.

use std::path::PathBuf;

use proc_macro::TokenStream;

/// The folder of the source file holding the attribute. `Span::local_file` (stable since
/// Rust 1.88) gives the real file; when the compiler cannot tell (some IDE expansions), the
/// package folder (`CARGO_MANIFEST_DIR`) is used.
fn source_dir() -> PathBuf {
    let manifest_dir = || {
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."))
    };
    proc_macro::Span::call_site()
        .local_file()
        .and_then(|file| std::path::absolute(file).ok())
        .and_then(|file| file.parent().map(PathBuf::from))
        .unwrap_or_else(manifest_dir)
}

/// Generates typed wrappers of Marine modules for a test, from the modules' wasm files at
/// compile time.
///
/// Single service (on a `fn`): every parameter is a module of the service, and the test gets
/// a fresh service:
/// ```ignore
/// #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
/// fn empty_string(greeting: marine_test_env::greeting::ModuleInterface) {
///     assert_eq!(greeting.greeting(String::new()), "Hi, ");
/// }
/// ```
/// Several services (on a `fn` or a `mod`): `<service>::ServiceInterface::new()` creates a
/// service, with the facade's exports as methods and every module under `.modules`:
/// ```ignore
/// #[marine_test(producer(config_path = "producer/Config.toml"), consumer(config_path = "consumer/Config.toml"))]
/// fn pipeline() {
///     let producer = producer::ServiceInterface::new();
///     let consumer = consumer::ServiceInterface::new();
///     consumer.consume(producer.produce("x".into()));
/// }
/// ```
/// Paths are relative to the folder of the source file. Each export `f` gives `f`, `f_cp`
/// (with `CallParameters`), `try_f` and `try_f_cp` (returning `Result<_, Error>`).
///
/// The services keep compiled modules in the runtime's on-disk cache, as any embedder's: a
/// second `cargo test` deserializes instead of compiling. `MARINE_NO_CACHE=1` switches it off
/// and `MARINE_CACHE_DIR=DIR` moves it (read when the test process creates its engine); a
/// `[compiled_cache]` table in the test's `Config.toml` overrides both for that service.
#[proc_macro_attribute]
pub fn marine_test(attr: TokenStream, item: TokenStream) -> TokenStream {
    match marine_test_macro_impl::marine_test(attr.into(), item.into(), &source_dir()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
