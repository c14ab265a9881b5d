//! What the engine reports: the core's error type (whose messages the native runtime shares),
//! and its JavaScript form (an `Error` with `kind`, `module` and `function` properties, which the
//! TypeScript layer turns into a typed subclass).

pub use marine_ast::error::{ImportSite, MemoryLimitScope};
use wasm_bindgen::JsValue;

/// A failure of the engine, with the module and function at fault: the core's engine-neutral
/// error, so its texts are the native runtime's by construction.
pub type EngineError = marine_ast::ServiceError;

/// The JavaScript form of an error: an `Error` named `MarineError` with the message, and
/// `kind`, `module`, `function` (see [`marine_ast::ServiceError::kind`]).
pub fn to_js(error: EngineError) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name("MarineError");
    let set = |key: &str, value: JsValue| {
        // Setting a property of a fresh plain `Error` cannot fail.
        let _ = js_sys::Reflect::set(&js, &JsValue::from_str(key), &value);
    };
    let or_null = |text: Option<&str>| text.map_or(JsValue::NULL, JsValue::from_str);
    set("kind", JsValue::from_str(error.kind()));
    set("module", or_null(error.module()));
    set("function", or_null(error.function()));
    js.into()
}

/// The text of a value JavaScript threw: `Name: message` for an `Error`.
pub fn js_error_text(value: &JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        let name = String::from(error.name());
        let message = String::from(error.message());
        return if name.is_empty() {
            message
        } else {
            format!("{name}: {message}")
        };
    }
    value
        .as_string()
        .unwrap_or_else(|| "a non-Error value was thrown".to_string())
}
