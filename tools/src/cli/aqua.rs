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
//!   nothing() -> ()
//! ```
//! The records are those reachable from the exported functions, each after the records its
//! fields use; functions are sorted by name. (The official tool visits records in hash-map
//! order; here the order is deterministic: first use by the sorted functions, depth first.)

use std::collections::HashSet;
use std::fmt::Write;
use std::sync::Arc;

use marine_runtime::{IRecordType, IType, ModuleInterface};

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

/// The records used by the exports, dependencies first.
pub fn exported_records(iface: &ModuleInterface) -> Vec<Arc<IRecordType>> {
    fn visit_type(ty: &IType, seen: &mut HashSet<String>, out: &mut Vec<Arc<IRecordType>>) {
        match ty {
            IType::Array(elem) => visit_type(elem, seen, out),
            IType::Record(rec) if seen.insert(rec.name.clone()) => {
                for field in &rec.fields {
                    visit_type(&field.ty, seen, out);
                }
                out.push(rec.clone());
            }
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for sig in iface.functions.values() {
        for arg in &sig.arguments {
            visit_type(&arg.ty, &mut seen, &mut out);
        }
        for ty in &sig.outputs {
            visit_type(ty, &mut seen, &mut out);
        }
    }
    out
}

/// The Aqua declaration of the module as service `service_name` (PascalCased), optionally
/// with a service id.
pub fn declaration(iface: &ModuleInterface, service_name: &str, id: Option<&str>) -> String {
    let name = pascal_case(service_name);
    let mut out = String::new();
    let _ = writeln!(out, "aqua {name} declares *");
    let _ = writeln!(out);
    for rec in exported_records(iface) {
        let _ = writeln!(out, "data {}:", rec.name);
        for field in &rec.fields {
            let _ = writeln!(out, "  {}: {}", field.name, field.ty);
        }
        let _ = writeln!(out);
    }
    match id {
        Some(id) => {
            let _ = writeln!(out, "service {name}(\"{id}\"):");
        }
        None => {
            let _ = writeln!(out, "service {name}:");
        }
    }
    for sig in iface.functions.values() {
        let args: Vec<String> = sig
            .arguments
            .iter()
            .map(|a| format!("{}: {}", a.name, a.ty))
            .collect();
        let output = match sig.outputs.as_slice() {
            [] => "()".to_string(),
            outs => outs
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        let _ = writeln!(out, "  {}({}) -> {}", sig.name, args.join(", "), output);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_module_names() {
        assert_eq!(pascal_case("greeting"), "Greeting");
        assert_eq!(pascal_case("records_effector"), "RecordsEffector");
        assert_eq!(pascal_case("greeting-record"), "GreetingRecord");
        assert_eq!(pascal_case("ipfsNode"), "IpfsNode");
        assert_eq!(pascal_case(""), "");
    }
}
