//! A module's interface, read at compile time from its `.wasm` by the ABI core
//! ([`marine_ast::ModuleInterface::from_wasm`]), the reader the runtime uses: the macro and
//! the runtime see the same interface, under the same bounds (type depth, record count) and
//! checks (records resolved and not recursive, no duplicate names, every `#[marine]` function
//! a real wasm export with the wasm signature its interface flattens to).
//!
//! The macro reads under the limits of the service's `Config.toml` (the defaults with its
//! `[limits]` table over them), as the runtime does when the test creates the service.

use marine_ast::InterfaceLimits;
pub use marine_ast::{InterfaceError, ModuleInterface};

/// Reads the interface of a module from its wasm bytes under the default limits.
pub fn read(wasm: &[u8]) -> Result<ModuleInterface, InterfaceError> {
    ModuleInterface::from_wasm(wasm)
}

/// Reads the interface of a module from its wasm bytes under `limits`.
pub fn read_with_limits(
    wasm: &[u8],
    limits: InterfaceLimits,
) -> Result<ModuleInterface, InterfaceError> {
    ModuleInterface::from_wasm_with_limits(wasm, limits)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use marine_ast::{IFunctionArg, IRecordField, IRecordType, IType};

    use super::*;
    use crate::fixtures;

    #[test]
    fn reads_functions_and_records() {
        let wasm = fixtures::module(
            &["greet", "hidden_is_not_exported_here"],
            &[
                fixtures::function(
                    "greet",
                    &[("name", fixtures::string())],
                    Some(fixtures::record("Pair")),
                ),
                fixtures::record_decl(
                    "Pair",
                    &[
                        ("a", fixtures::i32()),
                        ("inner", fixtures::vec(fixtures::record("Inner"))),
                    ],
                ),
                fixtures::record_decl("Inner", &[("bytes", fixtures::vec(fixtures::u8()))]),
            ],
        );
        let iface = read(&wasm).unwrap();
        // Wasm exports without metadata (ABI functions) are not interface functions.
        assert_eq!(iface.functions.keys().collect::<Vec<_>>(), ["greet"]);
        let greet = &iface.functions["greet"];
        assert_eq!(
            greet.arguments,
            [IFunctionArg {
                name: "name".into(),
                ty: IType::String
            }]
        );
        let inner = Arc::new(IRecordType {
            name: "Inner".into(),
            fields: vec![IRecordField {
                name: "bytes".into(),
                ty: IType::ByteArray,
            }],
        });
        let pair = Arc::new(IRecordType {
            name: "Pair".into(),
            fields: vec![
                IRecordField {
                    name: "a".into(),
                    ty: IType::S32,
                },
                IRecordField {
                    name: "inner".into(),
                    ty: IType::Array(Box::new(IType::Record(inner.clone()))),
                },
            ],
        });
        assert_eq!(greet.outputs, [IType::Record(pair.clone())]);
        assert_eq!(iface.records["Pair"], pair);
        assert_eq!(iface.records["Inner"], inner);
    }

    #[test]
    fn errors_name_the_item() {
        let wasm = fixtures::module(
            &["f"],
            &[fixtures::function(
                "f",
                &[("x", fixtures::record("Nope"))],
                None,
            )],
        );
        let e = read(&wasm).unwrap_err().to_string();
        assert_eq!(
            e,
            "section `__m_generated_section__0`: function `f`, argument `x`: unknown record `Nope`"
        );

        let wasm = fixtures::module(
            &[],
            &[fixtures::record_decl(
                "Node",
                &[("c", fixtures::vec(fixtures::record("Node")))],
            )],
        );
        let e = read(&wasm).unwrap_err().to_string();
        assert!(e.contains("record `Node` is recursive"), "{e}");

        // A `#[marine]` function that is not a wasm export: the runtime would refuse the
        // module, so the macro does too, naming the function.
        let wasm = fixtures::module(&[], &[fixtures::function("not_exported", &[], None)]);
        let e = read(&wasm).unwrap_err().to_string();
        assert!(
            e.contains("function `not_exported` is declared in metadata but not exported"),
            "{e}"
        );

        // The core's bounds apply: records nested deeper than `max_type_depth` (a chain of
        // 200 records, each holding the next) are refused, naming the limit.
        let mut chain: Vec<_> = (0..200)
            .map(|i| {
                let next = format!("R{}", i + 1);
                fixtures::record_decl(&format!("R{i}"), &[("next", fixtures::record(&next))])
            })
            .collect();
        chain.push(fixtures::record_decl("R200", &[("x", fixtures::i32())]));
        let e = read(&fixtures::module(&[], &chain)).unwrap_err();
        assert_eq!(e.limit, Some(marine_ast::LimitKind::TypeDepth), "{e}");
        assert!(e.to_string().contains("`max_type_depth`"), "{e}");

        let e = read(b"not wasm").unwrap_err().to_string();
        assert!(
            e.starts_with("section `<wasm>`: magic header not detected"),
            "{e}"
        );
    }
}
