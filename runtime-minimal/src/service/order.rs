//! Load order of a service's modules: every module after the modules it imports from.

use std::collections::{BTreeSet, HashMap};

/// Why no load order exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// A module imports from a namespace that is neither a host namespace nor a module of the
    /// service.
    #[error("module `{importer}` imports from module `{missing}`, which is not in the service")]
    MissingModule {
        /// The importing module.
        importer: String,
        /// The namespace it imports from.
        missing: String,
    },
    /// Modules import from each other in a cycle; `cycle` starts and ends with the same module.
    #[error("import cycle between modules: {}", cycle.join(" -> "))]
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
