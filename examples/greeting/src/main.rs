//! The seed's hello world: `greeting(name) -> "Hi, <name>"`.
//!
//! The crate also holds its own tests, run on the host against its wasm build:
//! ```sh
//! cargo build --release --target wasm32-wasip1          # the module (dev-dependencies unused)
//! mkdir -p artifacts && cp <target-dir>/wasm32-wasip1/release/greeting.wasm artifacts/
//! cargo test                                             # host build of the tests below
//! ```
//! `#[marine_test]` reads `artifacts/greeting.wasm` at compile time, so the wasm build comes
//! first; the tests recompile whenever it changes.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
pub fn greeting(name: String) -> String {
    format!("Hi, {}", name)
}

#[cfg(test)]
mod tests {
    use marine_rs_sdk_test::marine_test;

    #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
    fn empty_string(greeting: marine_test_env::greeting::ModuleInterface) {
        let actual = greeting.greeting(String::new());
        assert_eq!(actual, "Hi, ");
    }

    #[marine_test(config_path = "../Config.toml", modules_dir = "../artifacts")]
    fn non_empty_string(greeting: marine_test_env::greeting::ModuleInterface) {
        let actual = greeting.greeting("name".to_string());
        assert_eq!(actual, "Hi, name");
    }
}
