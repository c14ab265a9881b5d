//! `marine aqua` output compiled by the official Aqua compiler (`@fluencelabs/aqua-api`, in
//! `tests/aqua/` with its own lock file): for every module of `examples/`, the declaration
//! compiles without errors, and what the compiler understood (each function's signature and
//! every record it reaches) is the module's interface.
//!
//! Needs `node` and `npm` (`.ci/run` installs them); without them this test fails with the
//! missing tool's name, never passes unchecked.

use std::collections::BTreeMap;
use std::process::Command;

use marine_runtime::{IType, ModuleInterface};
use marine_tools::cli::aqua::aqua_expressible;

/// Runs a program and returns its stdout, failing with everything it printed otherwise.
fn run(cmd: &mut Command, what: &str) -> String {
    marine_guest_build::clear_outer_build_env(cmd);
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what} (is it installed?): {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

/// The binary targets of the examples workspace: its modules.
fn example_modules() -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metadata = run(
        Command::new(cargo)
            .args([
                "metadata",
                "--no-deps",
                "--format-version",
                "1",
                "--manifest-path",
            ])
            .arg(marine_e2e::repo_root().join("examples/Cargo.toml")),
        "cargo metadata",
    );
    let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    let mut names: Vec<String> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
        .map(|t| t["name"].as_str().unwrap().replace('-', "_"))
        .collect();
    names.sort();
    names
}

fn type_text(ty: &IType, records: &mut BTreeMap<String, String>) -> String {
    match ty {
        IType::Array(inner) => format!("[]{}", type_text(inner, records)),
        IType::Record(record) => {
            if !records.contains_key(&record.name) {
                records.insert(record.name.clone(), String::new());
                // A field Aqua cannot express is written as a comment (`marine aqua`).
                let mut fields: Vec<String> = record
                    .fields
                    .iter()
                    .filter(|f| aqua_expressible(&f.ty))
                    .map(|f| format!("{}: {}", f.name, type_text(&f.ty, records)))
                    .collect();
                fields.sort();
                records.insert(
                    record.name.clone(),
                    format!("{} {{ {} }}", record.name, fields.join(", ")),
                );
            }
            record.name.clone()
        }
        other => other.to_string(),
    }
}

/// What the compiler should report for a module: sorted signatures and reached records. A
/// function using a type Aqua cannot express (a `Result`, a tuple, an enum: the ABI
/// extensions) is written as a comment, so the compiler does not see it.
fn expected(interface: &ModuleInterface) -> serde_json::Value {
    let mut records = BTreeMap::new();
    let mut functions: Vec<String> = interface
        .functions
        .values()
        .filter(|sig| {
            let mut types = sig.arguments.iter().map(|a| &a.ty).chain(&sig.outputs);
            types.all(aqua_expressible)
        })
        .map(|sig| {
            let args: Vec<String> = sig
                .arguments
                .iter()
                .map(|a| format!("{}: {}", a.name, type_text(&a.ty, &mut records)))
                .collect();
            let outputs: Vec<String> = sig
                .outputs
                .iter()
                .map(|t| type_text(t, &mut records))
                .collect();
            let result = if outputs.is_empty() {
                String::new()
            } else {
                format!(" -> {}", outputs.join(", "))
            };
            format!("{}({}){result}", sig.name, args.join(", "))
        })
        .collect();
    functions.sort();
    serde_json::json!({
        "errors": [],
        "functions": functions,
        "records": records.into_values().collect::<Vec<_>>(),
    })
}

#[test]
fn marine_aqua_output_compiles_with_the_official_compiler() {
    let package = marine_e2e::repo_root().join("tests/aqua");
    // Always from the lock file.
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
            .current_dir(&package),
        "npm ci in tests/aqua",
    );

    let built = marine_e2e::build_examples();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut interfaces = BTreeMap::new();
    for name in example_modules() {
        let wasm = built.join(format!("{name}.wasm"));
        let aqua = run(
            Command::new(env!("CARGO_BIN_EXE_marine"))
                .arg("aqua")
                .arg(&wasm),
            &format!("marine aqua {}", wasm.display()),
        );
        let file = dir.path().join(format!("{name}.aqua"));
        std::fs::write(&file, aqua).unwrap();
        files.push(file);
        let interface = ModuleInterface::from_wasm(&std::fs::read(&wasm).unwrap()).unwrap();
        interfaces.insert(format!("{name}.aqua"), interface);
    }
    assert!(files.len() >= 15, "examples: {files:?}");

    let report = run(
        Command::new("node")
            .arg(package.join("check.mjs"))
            .args(&files)
            .current_dir(&package),
        "node tests/aqua/check.mjs",
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let mut without_results = 0;
    let mut with_nested_vectors = 0;
    let mut with_records = 0;
    for (file, interface) in &interfaces {
        let mut got = report[file].clone();
        let want = expected(interface);
        // A module none of whose functions Aqua can express has its service commented out.
        let has_functions = !want["functions"].as_array().unwrap().is_empty();
        assert_eq!(
            got["service"].is_string(),
            has_functions,
            "{file}: a service exactly when a function is expressible: {got}"
        );
        got.as_object_mut().unwrap().remove("service");
        assert_eq!(got, want, "{file}");
        for sig in interface.functions.values() {
            without_results += usize::from(sig.outputs.is_empty());
            let types = sig.arguments.iter().map(|a| &a.ty).chain(&sig.outputs);
            for ty in types {
                with_nested_vectors += usize::from(
                    matches!(ty, IType::Array(inner) if matches!(**inner, IType::Array(_) | IType::ByteArray)),
                );
                with_records += usize::from(matches!(ty, IType::Record(_)));
            }
        }
    }
    // The shapes the issue names are among what was compiled.
    assert!(without_results > 0, "no function without results");
    assert!(with_nested_vectors > 0, "no nested vector");
    assert!(with_records > 0, "no record");
    // The compiler does report errors: a declaration with an unknown type is refused.
    let bad = dir.path().join("bad.aqua");
    std::fs::write(
        &bad,
        "aqua Bad declares *\n\nservice Bad:\n  f(x: Missing) -> u8\n",
    )
    .unwrap();
    let report = run(
        Command::new("node")
            .arg(package.join("check.mjs"))
            .arg(&bad)
            .current_dir(&package),
        "node tests/aqua/check.mjs",
    );
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert!(
        !report["bad.aqua"]["errors"].as_array().unwrap().is_empty(),
        "{report}"
    );
}
