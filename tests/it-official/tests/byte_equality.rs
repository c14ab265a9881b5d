//! For every module of `examples/` and of the compat workspaces (`tests/compat`, built with the
//! official SDK, and `tests/compat-ours`, the same sources with ours), the `interface-types`
//! section our generator (`marine_ast::it`) makes equals, byte for byte, the one the official
//! `marine-it-generator` 0.18 embeds; the official parser reads ours back, and prints it as
//! our `Display` does.

use std::path::{Path, PathBuf};

use marine_ast::custom_section::{custom_sections_named, replace_custom_section};
use marine_ast::it::{Interfaces, IT_SECTION_NAME};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds a guest workspace (the same target dirs as the main workspace's tests, so CI builds
/// each once) and returns its `.wasm` files.
fn modules(workspace: &str, target: &str) -> Vec<PathBuf> {
    let root = repo_root();
    let dir = marine_guest_build::build_wasm_workspace(
        &root.join(workspace).join("Cargo.toml"),
        &root.join("target").join(target),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no modules in {}", dir.display());
    files
}

/// A file in this workspace's own scratch folder under the target dir (reused by every run,
/// so nothing accumulates in the system's temp dir).
fn scratch(name: &str) -> PathBuf {
    let dir = repo_root().join("target/it-official/scratch");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Compares one module; returns a description of the difference, if any.
fn compare(path: &Path) -> Result<(), String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    // Modules built by `marine build` into the same folder (the tools' tests) carry a
    // section already: both generators replace it. A module using the ABI extensions is
    // refused by both (below).
    let wasm = std::fs::read(path).unwrap();

    // The official generator, on a copy.
    let official_file = scratch(&format!("official-{name}"));
    std::fs::write(&official_file, &wasm).unwrap();
    let official_result = marine_it_generator::embed_it(official_file.clone());

    // A module using the ABI extensions (docs/abi-extensions.md): both generators refuse it,
    // the official one with the serde error the extension's design promises.
    let uses_extensions = marine_ast::ModuleInterface::from_wasm(&wasm)
        .map_err(|e| format!("{name}: unreadable interface: {e}"))?
        .uses_extensions();
    if uses_extensions {
        let official_error = match official_result {
            Ok(()) => {
                return Err(format!(
                    "{name}: the official generator accepted extensions"
                ))
            }
            Err(e) => e.to_string(),
        };
        if !official_error.contains("couldn't be parsed by serde")
            || !official_error.contains("unknown variant")
        {
            return Err(format!(
                "{name}: the official generator refused it differently: {official_error}"
            ));
        }
        return match Interfaces::from_wasm(&wasm) {
            Err(marine_ast::it::ItError::UsesExtensions(_)) => Ok(()),
            other => Err(format!(
                "{name}: our generator did not refuse it: {other:?}"
            )),
        };
    }
    official_result.map_err(|e| format!("{name}: the official generator failed: {e}"))?;
    let official_wasm = std::fs::read(&official_file).unwrap();
    let official = custom_sections_named(&official_wasm, IT_SECTION_NAME).unwrap();
    assert_eq!(official.len(), 1, "{name}: official sections");
    let official = official[0].to_vec();

    // Ours.
    let ours =
        Interfaces::from_wasm(&wasm).map_err(|e| format!("{name}: our generator failed: {e}"))?;
    let ours_bytes = ours.to_bytes().unwrap();
    if ours_bytes != official {
        let at = ours_bytes
            .iter()
            .zip(&official)
            .position(|(a, b)| a != b)
            .unwrap_or(ours_bytes.len().min(official.len()));
        let official_text = Interfaces::from_bytes(&official)
            .map(|it| it.to_string())
            .unwrap_or_else(|e| e.to_string());
        return Err(format!(
            "{name}: sections differ from byte {at} (ours {} bytes, official {})\n--- ours\n{ours}\n--- official\n{official_text}",
            ours_bytes.len(),
            official.len()
        ));
    }

    // The official parser reads ours back, as text and as an interface.
    let ours_file = scratch(&format!("ours-{name}"));
    std::fs::write(
        &ours_file,
        replace_custom_section(&wasm, IT_SECTION_NAME, &ours_bytes).unwrap(),
    )
    .unwrap();
    let text = marine_it_parser::extract_text_it(&ours_file)
        .map_err(|e| format!("{name}: the official parser refused ours: {e}"))?;
    if text != ours.to_string() {
        return Err(format!(
            "{name}: text differs\n--- official\n{text}\n--- ours\n{ours}"
        ));
    }
    let interface = marine_it_parser::module_interface(&ours_file)
        .map_err(|e| format!("{name}: the official interface reader refused ours: {e}"))?;
    let ours_interface = marine_ast::ModuleInterface::from_wasm(&wasm).unwrap();
    let official_names: Vec<&str> = interface
        .function_signatures
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    for function in ours_interface.functions.keys() {
        if !official_names.contains(&function.as_str()) {
            return Err(format!(
                "{name}: the official reader misses `{function}`: {official_names:?}"
            ));
        }
    }
    Ok(())
}

fn check_all(workspace: &str, target: &str) {
    let files = modules(workspace, target);
    let failures: Vec<String> = files.iter().filter_map(|p| compare(p).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} modules of {workspace} differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
    eprintln!("{workspace}: {} modules equal", files.len());
}

#[test]
fn examples_equal_the_official_generator() {
    // `examples/big-module` is its own workspace, built into the same folder (as the
    // benches do): built first, so the folder is complete when listed.
    modules("examples/big-module", "wasm-examples");
    check_all("examples", "wasm-examples");
}

#[test]
fn official_sdk_modules_equal_the_official_generator() {
    check_all("tests/compat", "compat-wasm");
}

#[test]
fn our_sdk_modules_equal_the_official_generator() {
    check_all("tests/compat-ours", "compat-ours-wasm");
}

#[test]
fn older_official_sdk_modules_equal_the_official_generator() {
    check_all("tests/compat-old", "compat-old-wasm");
}
