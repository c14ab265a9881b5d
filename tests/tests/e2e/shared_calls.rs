//! The shared call table (`tests/calls/calls.json`) through the native runtime: the same
//! calls and answers Marine in JavaScript is held to (`marine-js/test/shared-calls.test.mjs`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use marine_runtime::config::ServiceConfig;
use marine_runtime::{CallParameters, MarineService, ServiceOptions};
use serde_json::Value;

fn calls_dir() -> PathBuf {
    marine_e2e::repo_root().join("tests").join("calls")
}

/// The folder of built modules for a build name of the table (`builds`).
fn modules_dir(build: &str) -> &'static std::path::Path {
    match build {
        "examples" => marine_e2e::build_examples(),
        "compat" => marine_e2e::build_compat(),
        other => panic!("the table names an unknown build `{other}`"),
    }
}

fn service(name: &str, build: &str) -> MarineService {
    let path = calls_dir().join(format!("{name}.toml"));
    let config = ServiceConfig::from_path_with_modules_dir(&path, modules_dir(build))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    MarineService::with_options(config, ServiceOptions::default())
        .unwrap_or_else(|e| panic!("service {name}: {e}"))
}

fn text<'a>(call: &'a Value, key: &str) -> &'a str {
    call[key]
        .as_str()
        .unwrap_or_else(|| panic!("call {call} has no string `{key}`"))
}

#[test]
fn every_shared_call_gives_its_answer() {
    let table_path = calls_dir().join("calls.json");
    let table: Value = serde_json::from_str(&std::fs::read_to_string(&table_path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", table_path.display()));
    let calls = table["calls"].as_array().expect("`calls` is an array");
    assert!(calls.len() >= 60, "the table lost its calls");

    let mut services: BTreeMap<String, MarineService> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let (module, function) = (text(call, "module"), text(call, "function"));
        let service = services
            .entry(text(call, "service").to_string())
            .or_insert_with_key(|name| {
                let build = table["builds"][name.as_str()]
                    .as_str()
                    .unwrap_or("examples");
                service(name, build)
            });
        let call_parameters: CallParameters = match call.get("call_parameters") {
            Some(cp) => serde_json::from_value(cp.clone()).expect("call parameters"),
            None => CallParameters::default(),
        };
        let got = service.call_with_json(module, function, call["args"].clone(), call_parameters);
        let label = format!("#{i} {module}.{function}");
        match (call.get("result"), got) {
            (Some(expected), Ok(actual)) if *expected == actual => {}
            (Some(expected), Ok(actual)) => {
                failures.push(format!("{label}: expected {expected}, got {actual}"))
            }
            (Some(_), Err(e)) => failures.push(format!("{label}: failed: {e}")),
            (None, Ok(actual)) => {
                failures.push(format!("{label}: expected an error, got {actual}"))
            }
            (None, Err(e)) => {
                let message = e.to_string();
                let parts = call["error"].as_array().expect("`error` is a list");
                for part in parts {
                    let part = part.as_str().expect("error parts are strings");
                    if !message.contains(part) {
                        failures.push(format!("{label}: `{message}` lacks `{part}`"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
