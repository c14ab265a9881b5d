//! The README's main job: build the example modules to wasm, load one, call one function.
//!
//! `cargo run -p marine-e2e --bin demo -- [module] [function] [json-args]`
//! (default: `greeting greeting "Marine"`). Arguments are JSON as in `call_with_json`.

use std::process::ExitCode;

use marine_runtime::json::{ivalues_to_json, json_to_ivalues};
use marine_runtime::Marine;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let module = args.next().unwrap_or_else(|| "greeting".into());
    let function = args.next().unwrap_or_else(|| module.clone());
    let raw_args = args.next().unwrap_or_else(|| "\"Marine\"".into());
    match run(&module, &function, &raw_args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(module: &str, function: &str, raw_args: &str) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let wasm = marine_e2e::example_wasm(module);
    println!("built examples in {:.2?}", started.elapsed());

    let started = std::time::Instant::now();
    let mut marine = Marine::new();
    marine.load_module(module, &wasm)?;
    println!("loaded {} in {:.2?}", wasm.display(), started.elapsed());

    let interface = marine
        .module_interface(module)
        .ok_or("module vanished after loading")?;
    let signature = interface
        .function(function)
        .ok_or_else(|| format!("module `{module}` has no function `{function}`"))?;
    let json: serde_json::Value = serde_json::from_str(raw_args)
        .map_err(|e| format!("arguments are not JSON ({raw_args}): {e}"))?;
    let args = json_to_ivalues(&json, signature)?;

    let started = std::time::Instant::now();
    let result = marine.call_with_ivalues(module, function, &args)?;
    let elapsed = started.elapsed();
    println!("{module}.{signature}");
    println!(
        "result: {}",
        serde_json::to_string_pretty(&ivalues_to_json(&result, &signature.outputs))?
    );
    println!("elapsed time: {elapsed:.2?}");
    Ok(())
}
