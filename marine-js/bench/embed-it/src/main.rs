//! `embed-it IN.wasm OUT.wasm`: writes a copy of IN with an `interface-types` section.
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: embed-it IN.wasm OUT.wasm");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::copy(input, output) {
        eprintln!("embed-it: cannot copy {input} to {output}: {e}");
        return ExitCode::FAILURE;
    }
    match marine_it_generator::embed_it(output.as_str()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("embed-it: {input}: {e}");
            let _ = std::fs::remove_file(output);
            ExitCode::FAILURE
        }
    }
}
