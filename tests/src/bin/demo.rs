//! The README's main job: build the example modules to wasm, then call one function.
//!
//! ```text
//! demo [module] [function] [json-args]             # one example module
//! demo <Config.toml> [module] <function> [json]    # a service; without module: the facade
//! ```
//! Default: `greeting greeting "Marine"`. Arguments are JSON as in `call_with_json`.

use std::process::ExitCode;
use std::time::Instant;

use marine_runtime::config::ServiceConfig;
use marine_runtime::service::MarineService;
use marine_runtime::CallParameters;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let examples = marine_e2e::build_examples();
    println!("built examples in {:.2?}", started.elapsed());

    let started = Instant::now();
    let (mut service, module, function, raw_args) = match args.first() {
        Some(path) if path.ends_with(".toml") => {
            let service = MarineService::from_config_path(path)?;
            let facade = service.facade_name().unwrap_or_default().to_string();
            let (module, rest) = match &args[1..] {
                [module, function, rest @ ..] if !looks_like_json(function) => {
                    (module.clone(), [&[function.clone()][..], rest].concat())
                }
                rest => (facade, rest.to_vec()),
            };
            let function = rest.first().cloned().ok_or("missing function name")?;
            let json = rest.get(1).cloned().unwrap_or_else(|| "null".into());
            (service, module, function, json)
        }
        _ => {
            let module = args.first().cloned().unwrap_or_else(|| "greeting".into());
            let function = args.get(1).cloned().unwrap_or_else(|| module.clone());
            let json = args.get(2).cloned().unwrap_or_else(|| "\"Marine\"".into());
            let config = format!(
                "modules_dir = {:?}\n[[module]]\nname = {module:?}\n",
                examples.display().to_string()
            );
            let config = ServiceConfig::from_toml_str(&config, ".")?;
            (MarineService::from_config(config)?, module, function, json)
        }
    };
    println!(
        "service with modules {:?} created in {:.2?}",
        service.module_names(),
        started.elapsed()
    );

    let json: serde_json::Value = serde_json::from_str(&raw_args)
        .map_err(|e| format!("arguments are not JSON ({raw_args}): {e}"))?;
    let started = Instant::now();
    let result = service.call_with_json(&module, &function, json, CallParameters::default())?;
    let elapsed = started.elapsed();
    println!("{module}.{function}");
    println!("result: {}", serde_json::to_string_pretty(&result)?);
    println!("elapsed time: {elapsed:.2?}");
    Ok(())
}

fn looks_like_json(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok()
}
