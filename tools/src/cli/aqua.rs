//! `marine aqua`: the Aqua service declaration of a module (reference §G).
//!
//! Output, as the official tool prints it:
//! ```text
//! aqua Greeting declares *
//!
//! data Rec:
//!   field: string
//!
//! service Greeting("id"):
//!   greeting(name: string) -> string
//!   nothing()
//! ```
//! The records are those reachable from the exported functions, each after the records its
//! fields use; functions are sorted by name. A function without results has no arrow: the
//! official tool prints `-> ()`, which the Aqua compiler (`@fluencelabs/aqua-api` 0.14)
//! refuses as a syntax error. (The official tool visits records in hash-map
//! order; here the order is deterministic: first use by the sorted functions, depth first.)
//!
//! ABI extensions (`docs/abi-extensions.md`): `Option<T>` is Aqua's `?T`. Aqua has no sum types
//! and no tuples, so an enum is listed as a comment, and a record field or a function whose
//! type contains a `Result`, a tuple or an enum is written as a comment in the same form
//! (`-- ` before it, and a note saying why): the closest faithful form, which the Aqua compiler
//! skips instead of misreading.

use std::fmt::Write;
use std::sync::Arc;

use marine_ast::types::NamedTypes;
use marine_runtime::{IRecordType, IType, ModuleInterface};

/// True when Aqua can express `ty` (`?T` included; results, tuples and enums not).
pub fn aqua_expressible(ty: &IType) -> bool {
    match ty {
        IType::Boolean
        | IType::S8
        | IType::S16
        | IType::S32
        | IType::S64
        | IType::U8
        | IType::U16
        | IType::U32
        | IType::U64
        | IType::F32
        | IType::F64
        | IType::String
        | IType::ByteArray => true,
        IType::Array(elem) | IType::Option(elem) => aqua_expressible(elem),
        IType::Record(_) => true,
        IType::Result(..) | IType::Tuple(_) | IType::Enum(_) => false,
    }
}

/// The note written before a line Aqua cannot express.
const NOT_AQUA: &str = "-- not expressible in Aqua (no sum types or tuples); call it with JSON:";

/// Converts `name` to PascalCase: `records_effector` and `greeting-record` become
/// `RecordsEffector` and `GreetingRecord`.
pub fn pascal_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split(['_', '-', ' ', '.']) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// The records and enums used by the exports, dependencies first.
pub fn exported_types(iface: &ModuleInterface) -> NamedTypes {
    let mut named = NamedTypes::default();
    for sig in iface.functions.values() {
        named.add_signature(sig);
    }
    named
}

/// The records used by the exports, dependencies first.
pub fn exported_records(iface: &ModuleInterface) -> Vec<Arc<IRecordType>> {
    exported_types(iface).into_parts().0
}

/// The Aqua declaration of the module as service `service_name` (PascalCased), optionally
/// with a service id.
///
/// Aqua has one namespace for data and services: when a record has the service's name (the
/// `floats` example declares `Floats`), the service is named `<Name>Service` (the official
/// tool prints both under one name, which the Aqua compiler refuses).
pub fn declaration(iface: &ModuleInterface, service_name: &str, id: Option<&str>) -> String {
    let module = pascal_case(service_name);
    let named = exported_types(iface);
    let mut name = module.clone();
    while named.records().iter().any(|r| r.name == name) {
        name.push_str("Service");
    }
    let mut out = String::new();
    let _ = writeln!(out, "aqua {module} declares *");
    let _ = writeln!(out);
    for e in named.enums() {
        let _ = writeln!(
            out,
            "{NOT_AQUA} a variant is \"Name\" or {{\"Name\": payload}}"
        );
        for line in e.to_string().lines() {
            let _ = writeln!(out, "-- {line}");
        }
        let _ = writeln!(out);
    }
    for rec in named.records() {
        let _ = writeln!(out, "data {}:", rec.name);
        for field in &rec.fields {
            if aqua_expressible(&field.ty) {
                let _ = writeln!(out, "  {}: {}", field.name, field.ty);
            } else {
                let _ = writeln!(out, "  {NOT_AQUA}");
                let _ = writeln!(out, "  -- {}: {}", field.name, field.ty);
            }
        }
        let _ = writeln!(out);
    }
    // A service whose functions are all comments is a syntax error: then the service is a
    // comment too.
    let expressible = |sig: &marine_runtime::FunctionSignature| {
        let mut types = sig.arguments.iter().map(|a| &a.ty).chain(&sig.outputs);
        types.all(aqua_expressible)
    };
    let header = if !iface.functions.is_empty() && !iface.functions.values().any(|s| expressible(s))
    {
        let _ = writeln!(
            out,
            "-- no function of this module is expressible in Aqua: the service is left out"
        );
        "-- service"
    } else {
        "service"
    };
    match id {
        Some(id) => {
            let _ = writeln!(out, "{header} {name}(\"{id}\"):");
        }
        None => {
            let _ = writeln!(out, "{header} {name}:");
        }
    }
    for sig in iface.functions.values() {
        let args: Vec<String> = sig
            .arguments
            .iter()
            .map(|a| format!("{}: {}", a.name, a.ty))
            .collect();
        let output = match sig.outputs.as_slice() {
            [] => String::new(),
            outs => format!(
                " -> {}",
                outs.iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let line = format!("{}({}){output}", sig.name, args.join(", "));
        if expressible(sig) {
            let _ = writeln!(out, "  {line}");
        } else {
            let _ = writeln!(out, "  {NOT_AQUA}");
            let _ = writeln!(out, "  -- {line}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_never_takes_a_record_s_name() {
        let mut iface = ModuleInterface::default();
        let rec = Arc::new(IRecordType::with_fields("Floats", &[("x", IType::F32)]));
        iface.functions.insert(
            "f".into(),
            Arc::new(marine_runtime::FunctionSignature {
                name: "f".into(),
                arguments: vec![],
                outputs: vec![IType::Record(rec)],
            }),
        );
        let out = declaration(&iface, "floats", None);
        assert!(
            out.starts_with("aqua Floats declares *\n\ndata Floats:\n  x: f32\n\nservice FloatsService:\n  f() -> Floats\n"),
            "{out}"
        );
    }

    #[test]
    fn pascal_case_of_module_names() {
        assert_eq!(pascal_case("greeting"), "Greeting");
        assert_eq!(pascal_case("records_effector"), "RecordsEffector");
        assert_eq!(pascal_case("greeting-record"), "GreetingRecord");
        assert_eq!(pascal_case("ipfsNode"), "IpfsNode");
        assert_eq!(pascal_case(""), "");
    }
}
