//! The interface of a whole service and its text form (reference §F.3).

use std::fmt;
use std::sync::Arc;

use crate::interface::ModuleInterface;
use crate::types::{FunctionSignature, IRecordType};
use marine_ast::types::{IEnumType, NamedTypes};

/// The exported functions and records of every module of a service.
#[derive(Debug, Clone, Default)]
pub struct ServiceInterface {
    /// Records used by the exported functions of all modules (nested ones included),
    /// deduplicated by full equality (name and fields), sorted by name.
    pub records: Vec<Arc<IRecordType>>,
    /// `#[marine]` enums used by the exported functions (ABI extension), deduplicated and
    /// sorted like the records.
    pub enums: Vec<Arc<IEnumType>>,
    /// Per module (sorted by name), its exported functions sorted by name.
    pub modules: Vec<(String, Vec<Arc<FunctionSignature>>)>,
}

impl ServiceInterface {
    /// Builds the service interface from module interfaces.
    pub fn new<'a>(modules: impl IntoIterator<Item = (&'a str, &'a ModuleInterface)>) -> Self {
        let mut named = NamedTypes::default();
        let mut functions = Vec::new();
        for (name, interface) in modules {
            for function in interface.functions.values() {
                named.add_signature(function);
            }
            // `functions` is a BTreeMap: already sorted by name.
            functions.push((
                name.to_string(),
                interface.functions.values().cloned().collect(),
            ));
        }
        let (mut records, mut enums) = named.into_parts();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        enums.sort_by(|a, b| a.name.cmp(&b.name));
        functions.sort_by(|a: &(String, Vec<_>), b| a.0.cmp(&b.0));
        ServiceInterface {
            records,
            enums,
            modules: functions,
        }
    }
}

impl fmt::Display for ServiceInterface {
    /// The mrepl `interface` text: records first, then functions per module.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exported data types (combined from all modules):")?;
        if self.records.is_empty() && self.enums.is_empty() {
            writeln!(f, "<no exported data types>")?;
        }
        for record in &self.records {
            writeln!(f, "{record}")?;
        }
        for e in &self.enums {
            writeln!(f, "{e}")?;
        }
        writeln!(f)?;
        writeln!(f, "exported functions:")?;
        if self.modules.iter().all(|(_, fns)| fns.is_empty()) {
            writeln!(f, "<no exported functions>")?;
            return Ok(());
        }
        for (module, functions) in &self.modules {
            writeln!(f, "{module}:")?;
            for function in functions {
                writeln!(f, "  {function}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordField, IType};

    fn record(name: &str, field: &str) -> Arc<IRecordType> {
        Arc::new(IRecordType {
            name: name.into(),
            fields: vec![IRecordField {
                name: field.into(),
                ty: IType::Boolean,
            }],
        })
    }

    #[test]
    fn text_form_dedups_records_and_sorts_modules() {
        let rec = record("TestRecord", "field_0");
        let mut effector = ModuleInterface::default();
        effector.records.insert("TestRecord".into(), rec.clone());
        effector.functions.insert(
            "mutate_struct".into(),
            Arc::new(FunctionSignature {
                name: "mutate_struct".into(),
                arguments: vec![IFunctionArg {
                    name: "test_record".into(),
                    ty: IType::Record(rec.clone()),
                }],
                outputs: vec![IType::Record(rec.clone())],
            }),
        );
        let mut pure = ModuleInterface::default();
        pure.records.insert("TestRecord".into(), rec.clone());
        pure.functions.insert(
            "invoke".into(),
            Arc::new(FunctionSignature {
                name: "invoke".into(),
                arguments: vec![],
                outputs: vec![],
            }),
        );
        let text =
            ServiceInterface::new([("records_pure", &pure), ("records_effector", &effector)])
                .to_string();
        assert_eq!(
            text,
            "exported data types (combined from all modules):\n\
             data TestRecord:\n  field_0: bool\n\
             \n\
             exported functions:\n\
             records_effector:\n  func mutate_struct(test_record: TestRecord) -> TestRecord\n\
             records_pure:\n  func invoke()\n"
        );
    }

    #[test]
    fn same_name_different_shape_records_are_both_listed() {
        let user = |rec: Arc<IRecordType>| {
            let mut m = ModuleInterface::default();
            m.functions.insert(
                "f".into(),
                Arc::new(FunctionSignature {
                    name: "f".into(),
                    arguments: vec![],
                    outputs: vec![IType::Array(Box::new(IType::Record(rec)))],
                }),
            );
            m
        };
        let a = user(record("R", "x"));
        let b = user(record("R", "y"));
        let iface = ServiceInterface::new([("a", &a), ("b", &b)]);
        assert_eq!(iface.records.len(), 2);
    }

    #[test]
    fn empty_service_has_placeholders() {
        let text = ServiceInterface::new(std::iter::empty()).to_string();
        assert_eq!(
            text,
            "exported data types (combined from all modules):\n<no exported data types>\n\n\
             exported functions:\n<no exported functions>\n"
        );
    }
}
