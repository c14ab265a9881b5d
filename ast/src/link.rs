//! Linking a service's modules, engine-free: the load order (every module after the modules
//! it imports from) and the link-time check of an import's declared signature against the
//! export it names.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::abi::is_bytes_type;
use crate::types::{FunctionSignature, IType};

/// Why no load order exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A module imports from a namespace that is neither a host namespace nor a module of the
    /// service.
    #[error("{}", crate::error::ServiceError::from(self.clone()))]
    MissingModule {
        /// The importing module.
        importer: String,
        /// The namespace it imports from.
        missing: String,
    },
    /// Modules import from each other in a cycle; `cycle` starts and ends with the same module.
    #[error("{}", crate::error::ServiceError::from(self.clone()))]
    Cycle {
        /// The modules of the cycle, in import direction, first repeated at the end.
        cycle: Vec<String>,
    },
}

/// Orders `modules` (name, names it imports from) so that each module comes after its
/// dependencies. Modules without a dependency relation keep their given order, so a config
/// already in dependency order loads unchanged.
pub fn load_order(modules: &[(String, Vec<String>)]) -> Result<Vec<String>, OrderError> {
    let index: HashMap<&str, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.as_str(), i))
        .collect();
    for (importer, deps) in modules {
        if let Some(missing) = deps.iter().find(|d| !index.contains_key(d.as_str())) {
            return Err(OrderError::MissingModule {
                importer: importer.clone(),
                missing: missing.clone(),
            });
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnStack,
        Done,
    }
    let mut marks = vec![Mark::New; modules.len()];
    let mut order = Vec::with_capacity(modules.len());
    let mut stack: Vec<usize> = Vec::new();

    fn visit(
        i: usize,
        modules: &[(String, Vec<String>)],
        index: &HashMap<&str, usize>,
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
        order: &mut Vec<String>,
    ) -> Result<(), OrderError> {
        match marks[i] {
            Mark::Done => return Ok(()),
            Mark::OnStack => {
                let start = stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..]
                    .iter()
                    .map(|&s| modules[s].0.clone())
                    .collect();
                cycle.push(modules[i].0.clone());
                return Err(OrderError::Cycle { cycle });
            }
            Mark::New => {}
        }
        marks[i] = Mark::OnStack;
        stack.push(i);
        // Deduplicate, keep first-seen order for a deterministic result.
        let mut seen = BTreeSet::new();
        for dep in &modules[i].1 {
            if seen.insert(dep.as_str()) {
                visit(index[dep.as_str()], modules, index, marks, stack, order)?;
            }
        }
        stack.pop();
        marks[i] = Mark::Done;
        order.push(modules[i].0.clone());
        Ok(())
    }

    for i in 0..modules.len() {
        visit(i, modules, &index, &mut marks, &mut stack, &mut order)?;
    }
    Ok(order)
}

/// `Vec<u8>` in either of its two interface forms.
fn is_byte_array(ty: &IType) -> bool {
    is_bytes_type(ty) && *ty != IType::String
}

/// One signature check: remembers the record pairs already found equal, so a type that
/// references the same records many times over (a record of two fields of one record type,
/// nested 100 deep, is 2^100 records when unfolded) is compared in time proportional to its
/// declaration. The recursion is bounded by the interfaces' type depth.
#[derive(Default)]
struct ShapeCheck {
    same: std::collections::HashSet<(usize, usize)>,
}

impl ShapeCheck {
    fn diff(&mut self, declared: &IType, actual: &IType) -> Option<String> {
        match (declared, actual) {
            (IType::Array(x), IType::Array(y)) => {
                self.diff(x, y).map(|why| format!("array element: {why}"))
            }
            (IType::Record(x), IType::Record(y)) if Arc::ptr_eq(x, y) => None,
            (IType::Record(x), IType::Record(y)) => {
                let pair = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
                if self.same.contains(&pair) {
                    return None;
                }
                if x.fields.len() != y.fields.len() {
                    return Some(format!(
                        "record `{}` has {} fields, the export's `{}` has {}",
                        x.name,
                        x.fields.len(),
                        y.name,
                        y.fields.len()
                    ));
                }
                for (i, (f, g)) in x.fields.iter().zip(&y.fields).enumerate() {
                    if let Some(why) = self.diff(&f.ty, &g.ty) {
                        return Some(format!("record `{}` field {i} `{}`: {why}", x.name, f.name));
                    }
                }
                self.same.insert(pair);
                None
            }
            (IType::Option(x), IType::Option(y)) => {
                self.diff(x, y).map(|why| format!("option: {why}"))
            }
            (IType::Result(xo, xe), IType::Result(yo, ye)) => self
                .diff(xo, yo)
                .map(|why| format!("result ok: {why}"))
                .or_else(|| self.diff(xe, ye).map(|why| format!("result err: {why}"))),
            (IType::Tuple(xs), IType::Tuple(ys)) => {
                if xs.len() != ys.len() {
                    return Some(format!(
                        "a tuple of {} elements declared, the export has {}",
                        xs.len(),
                        ys.len()
                    ));
                }
                xs.iter().zip(ys).enumerate().find_map(|(i, (x, y))| {
                    self.diff(x, y)
                        .map(|why| format!("tuple element {i}: {why}"))
                })
            }
            (IType::Enum(x), IType::Enum(y)) if Arc::ptr_eq(x, y) => None,
            (IType::Enum(x), IType::Enum(y)) => {
                // Enums unify by shape like records, but variant names must match too: the
                // wire carries the variant's position, and a reordered enum would silently
                // swap meanings.
                let pair = (Arc::as_ptr(x) as usize, Arc::as_ptr(y) as usize);
                if self.same.contains(&pair) {
                    return None;
                }
                if x.variants.len() != y.variants.len() {
                    return Some(format!(
                        "enum `{}` has {} variants, the export's `{}` has {}",
                        x.name,
                        x.variants.len(),
                        y.name,
                        y.variants.len()
                    ));
                }
                for (i, (v, w)) in x.variants.iter().zip(&y.variants).enumerate() {
                    if v.name != w.name || v.fields.len() != w.fields.len() {
                        return Some(format!(
                            "enum `{}` variant {i} is `{}` with {} fields, the export's is `{}` with {}",
                            x.name,
                            v.name,
                            v.fields.len(),
                            w.name,
                            w.fields.len()
                        ));
                    }
                    for (f, g) in v.fields.iter().zip(&w.fields) {
                        if let Some(why) = self.diff(&f.ty, &g.ty) {
                            return Some(format!(
                                "enum `{}` variant `{}` field `{}`: {why}",
                                x.name, v.name, f.name
                            ));
                        }
                    }
                }
                self.same.insert(pair);
                None
            }
            (a, b) if a == b || (is_byte_array(a) && is_byte_array(b)) => None,
            _ => Some(format!("declared `{declared}`, the export has `{actual}`")),
        }
    }
}

/// Checks an importer's declared signature against the callee's export signature; the error
/// says what differs (argument count, which argument or result, which record field).
pub fn check_import_signature(
    declared: &FunctionSignature,
    actual: &FunctionSignature,
) -> Result<(), String> {
    let mut diffs = Vec::new();
    let mut check = ShapeCheck::default();
    if declared.arguments.len() != actual.arguments.len() {
        diffs.push(format!(
            "{} arguments declared, the export takes {}",
            declared.arguments.len(),
            actual.arguments.len()
        ));
    } else {
        for (i, (d, a)) in declared.arguments.iter().zip(&actual.arguments).enumerate() {
            if let Some(why) = check.diff(&d.ty, &a.ty) {
                diffs.push(format!("argument {i} `{}`: {why}", d.name));
            }
        }
    }
    match (declared.outputs.first(), actual.outputs.first()) {
        (None, None) => {}
        (Some(d), Some(a)) => {
            if let Some(why) = check.diff(d, a) {
                diffs.push(format!("result: {why}"));
            }
        }
        (Some(d), None) => diffs.push(format!("result `{d}` declared, the export returns nothing")),
        (None, Some(a)) => diffs.push(format!("no result declared, the export returns `{a}`")),
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "declared `{declared}`, but the export is `{actual}`: {}",
            diffs.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, deps: &[&str]) -> (String, Vec<String>) {
        (
            name.to_string(),
            deps.iter().map(|d| d.to_string()).collect(),
        )
    }

    #[test]
    fn independent_modules_keep_config_order() {
        let order = load_order(&[m("b", &[]), m("a", &[]), m("c", &[])]).unwrap();
        assert_eq!(order, ["b", "a", "c"]);
    }

    #[test]
    fn dependencies_come_first_whatever_the_config_order() {
        let order = load_order(&[
            m("facade", &["curl", "storage"]),
            m("storage", &[]),
            m("curl", &["storage"]),
        ])
        .unwrap();
        assert_eq!(order, ["storage", "curl", "facade"]);
    }

    #[test]
    fn cycle_is_reported_with_its_path() {
        let err = load_order(&[m("a", &["b"]), m("b", &["c"]), m("c", &["a"])]).unwrap_err();
        assert_eq!(
            err,
            OrderError::Cycle {
                cycle: vec!["a".into(), "b".into(), "c".into(), "a".into()]
            }
        );
        assert_eq!(
            err.to_string(),
            "import cycle between modules: a -> b -> c -> a"
        );
    }

    #[test]
    fn self_import_is_a_cycle() {
        let err = load_order(&[m("a", &["a"])]).unwrap_err();
        assert_eq!(err.to_string(), "import cycle between modules: a -> a");
    }

    #[test]
    fn missing_module_names_importer_and_namespace() {
        let err = load_order(&[m("facade", &["nope"])]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "module `facade` imports from module `nope`, which is not in the service"
        );
    }
}

#[cfg(test)]
mod signature_tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordType};

    fn record(name: &str, fields: &[(&str, IType)]) -> IType {
        IType::Record(Arc::new(IRecordType::with_fields(name, fields)))
    }

    fn sig(args: &[(&str, IType)], output: Option<IType>) -> FunctionSignature {
        FunctionSignature {
            name: "f".into(),
            arguments: args
                .iter()
                .map(|(n, ty)| IFunctionArg {
                    name: n.to_string(),
                    ty: ty.clone(),
                })
                .collect(),
            outputs: output.into_iter().collect(),
        }
    }

    #[test]
    fn same_shapes_match() {
        let importer = record("Mine", &[("a", IType::U32), ("b", IType::String)]);
        let exporter = record("Theirs", &[("x", IType::U32), ("y", IType::String)]);
        let arr = |t| IType::Array(Box::new(t));
        assert_eq!(
            check_import_signature(
                &sig(
                    &[("r", importer), ("b", IType::ByteArray)],
                    Some(arr(IType::U8))
                ),
                &sig(
                    &[("s", exporter), ("c", arr(IType::U8))],
                    Some(IType::ByteArray)
                ),
            ),
            Ok(())
        );
    }

    #[test]
    fn a_differing_record_field_is_named() {
        let inner = |t| record("Inner", &[("v", t)]);
        let declared = record("R", &[("a", IType::U32), ("inner", inner(IType::S64))]);
        let actual = record("R", &[("a", IType::U32), ("inner", inner(IType::U64))]);
        let err = check_import_signature(
            &sig(
                &[("x", IType::U8), ("r", IType::Array(Box::new(declared)))],
                None,
            ),
            &sig(
                &[("x", IType::U8), ("r", IType::Array(Box::new(actual)))],
                None,
            ),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": argument 1 `r`: array element: record `R` field 1 `inner`: record `Inner` \
                 field 0 `v`: declared `i64`, the export has `u64`"
            ),
            "{err}"
        );
    }

    #[test]
    fn counts_and_results_are_reported() {
        let err = check_import_signature(
            &sig(&[("a", IType::U32)], Some(IType::String)),
            &sig(&[("a", IType::U32), ("b", IType::U32)], None),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": 1 arguments declared, the export takes 2; result `string` declared, the \
                 export returns nothing"
            ),
            "{err}"
        );
        let err = check_import_signature(
            &sig(&[("s", IType::String)], None),
            &sig(&[("s", IType::ByteArray)], Some(IType::Boolean)),
        )
        .unwrap_err();
        assert!(
            err.ends_with(
                ": argument 0 `s`: declared `string`, the export has `[]u8`; no result \
                 declared, the export returns `bool`"
            ),
            "{err}"
        );
        let err = check_import_signature(
            &sig(&[], Some(record("A", &[("a", IType::U32)]))),
            &sig(
                &[],
                Some(record("B", &[("a", IType::U32), ("b", IType::U32)])),
            ),
        )
        .unwrap_err();
        assert!(
            err.ends_with(": result: record `A` has 1 fields, the export's `B` has 2"),
            "{err}"
        );
    }

    /// `R0 { a: R1, b: R1 }`, `R1 { a: R2, b: R2 }`, ... `R{n-1} { a: i32, b: last }`:
    /// 2^n records when unfolded.
    fn doubling_chain(n: usize, last: IType) -> IType {
        let mut ty = record(&format!("R{n}"), &[("a", IType::S32), ("b", last)]);
        for i in (0..n).rev() {
            ty = record(&format!("R{i}"), &[("a", ty.clone()), ("b", ty)]);
        }
        ty
    }

    #[test]
    fn shared_records_are_compared_once() {
        // Separately built (as two modules' interfaces are): no pointer is shared, and an
        // unfolding comparison would visit 2^100 records.
        let declared = sig(&[("r", doubling_chain(100, IType::U8))], None);
        let same = sig(&[("r", doubling_chain(100, IType::U8))], None);
        check_import_signature(&declared, &same).unwrap();
        let other = sig(&[("r", doubling_chain(100, IType::U16))], None);
        let err = check_import_signature(&declared, &other).unwrap_err();
        assert!(
            err.contains("record `R100` field 1 `b`: declared `u8`, the export has `u16`"),
            "{err}"
        );
    }
}
