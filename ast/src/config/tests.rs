use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn parse(text: &str) -> Result<ServiceConfig, ConfigError> {
    ServiceConfig::from_toml_str(text, "/cfg")
}

fn err(text: &str) -> (ConfigError, String) {
    let error = parse(text).expect_err("config should be rejected");
    let message = error.to_string();
    (error, message)
}

const FULL: &str = r#"
modules_dir = "artifacts"
total_memory_limit = "100 MiB"
service_working_dir = "work"
service_base_dir = "/var/services"

[default]
logger_enabled = false
logging_mask = 7
max_heap_size = "2 MiB"
[default.wasi]
envs = { FROM_DEFAULT = "1", OVERRIDDEN = "default" }
[default.mounted_binaries]
ls = "/bin/ls"

[[module]]
name = "local_storage"
file_name = "storage.wasm"
logger_enabled = true
logging_mask = 5
mem_pages_count = 2
[module.wasi]
envs = { OVERRIDDEN = "module", "WITH SPACE" = "x" }
mapped_dirs = { "sites" = "./sites", "/abs" = "/srv/data" }
preopened_files = ["./tmp", "/etc/hosts"]

[[module]]
name = "curl_adapter"
load_from = "../elsewhere/curl.wasm"
max_heap_size = "1 GiB"
[module.mounted_binaries]
curl = "/usr/bin/curl"
local = "bin/tool"

[[module]]
name = "facade"
load_from = "other_dir"
total_memory_limit = 4096
"#;

#[test]
fn every_key_is_parsed() {
    let config = parse(FULL).unwrap();
    assert_eq!(config.config_path, None);
    assert_eq!(config.base_dir, PathBuf::from("/cfg"));
    assert_eq!(config.modules_dir, Some(PathBuf::from("/cfg/artifacts")));
    assert_eq!(config.total_memory_limit, Some(100 << 20));
    assert_eq!(config.service_working_dir, Some(PathBuf::from("/cfg/work")));
    assert_eq!(
        config.service_base_dir,
        Some(PathBuf::from("/var/services"))
    );
    let names: Vec<_> = config.modules.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["local_storage", "curl_adapter", "facade"]);
    assert_eq!(config.facade().unwrap().name, "facade");

    let storage = config.module("local_storage").unwrap();
    assert_eq!(
        storage.wasm_path,
        PathBuf::from("/cfg/artifacts/storage.wasm")
    );
    assert!(storage.logger_enabled);
    assert_eq!(storage.logging_mask, 5);
    assert_eq!(storage.mem_limit_bytes, Some(2 * 65536));
    let envs: Vec<_> = storage
        .wasi
        .envs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        envs,
        [
            ("FROM_DEFAULT", "1"),
            ("OVERRIDDEN", "module"),
            ("WITH SPACE", "x")
        ]
    );
    assert_eq!(
        storage.wasi.mapped_dirs["sites"],
        PathBuf::from("/cfg/sites")
    );
    assert_eq!(storage.wasi.mapped_dirs["/abs"], PathBuf::from("/srv/data"));
    assert_eq!(
        storage.wasi.preopened_files["./tmp"],
        PathBuf::from("/cfg/tmp")
    );
    assert_eq!(
        storage.wasi.preopened_files["/etc/hosts"],
        PathBuf::from("/etc/hosts")
    );
    assert_eq!(storage.mounted_binaries["ls"], PathBuf::from("/bin/ls"));

    let curl = config.module("curl_adapter").unwrap();
    assert_eq!(curl.wasm_path, PathBuf::from("/cfg/../elsewhere/curl.wasm"));
    assert!(!curl.logger_enabled, "from [default]");
    assert_eq!(curl.logging_mask, 7, "from [default]");
    assert_eq!(curl.mem_limit_bytes, Some(1 << 30));
    assert_eq!(
        curl.mounted_binaries["curl"],
        PathBuf::from("/usr/bin/curl")
    );
    assert_eq!(
        curl.mounted_binaries["local"],
        PathBuf::from("/cfg/bin/tool")
    );
    assert_eq!(curl.mounted_binaries["ls"], PathBuf::from("/bin/ls"));
    assert_eq!(curl.wasi.envs["OVERRIDDEN"], "default");

    let facade = config.facade().unwrap();
    assert_eq!(
        facade.wasm_path,
        PathBuf::from("/cfg/other_dir/facade.wasm")
    );
    assert_eq!(facade.mem_limit_bytes, Some(4096));
}

#[test]
fn defaults_without_optional_keys() {
    let config = parse("modules_dir = \".\"\n[[module]]\nname = \"greeting\"\n").unwrap();
    assert_eq!(config.total_memory_limit, None, "unlimited by default");
    assert_eq!(config.modules_dir, Some(PathBuf::from("/cfg")));
    let module = &config.modules[0];
    assert_eq!(module.wasm_path, PathBuf::from("/cfg/greeting.wasm"));
    assert!(module.logger_enabled);
    assert_eq!(module.logging_mask, i32::MAX);
    assert_eq!(module.mem_limit_bytes, None);
    assert_eq!(module.wasi, WasiConfig::default());
    assert!(module.mounted_binaries.is_empty());

    let empty = parse("").unwrap();
    assert!(empty.modules.is_empty());
    assert!(empty.facade().is_none());
}

#[test]
fn total_memory_limit_forms() {
    let limit =
        |v: &str| parse(&format!("total_memory_limit = {v}\n")).map(|c| c.total_memory_limit);
    assert_eq!(limit("\"Infinity\"").unwrap(), None);
    assert_eq!(limit("\"infinity\"").unwrap(), None);
    assert_eq!(limit("2000000").unwrap(), Some(2_000_000));
    assert_eq!(limit("\"2Gb\"").unwrap(), Some(2_000_000_000));
    assert_eq!(limit("\"512 KB\"").unwrap(), Some(512_000));
    let error = limit("-1").unwrap_err();
    assert!(matches!(error, ConfigError::Invalid { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "<inline config>:1:22: `total_memory_limit` must not be negative (got -1)"
    );
    let error = limit("true").unwrap_err();
    assert!(
        matches!(error, ConfigError::InvalidValue { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("expected a size such as"),
        "{error}"
    );
}

#[test]
fn seed_url_downloader_config() {
    let text = r#"
modules_dir = "artifacts/"

[[module]]
  name = "local_storage"
  mem_pages_count=1

[[module.wasi]]
  preopened_files = ["./sites"]
  mapped_dirs = { "sites" = "./sites" }

[[module]]
  name = "curl_adapter"

[[module.mounted_binaries]]
  curl = "/usr/bin/curl"

[[module]]
  name = "facade"
"#;
    let config = ServiceConfig::from_toml_str(text, "/examples/url-downloader").unwrap();
    assert_eq!(config.total_memory_limit, None);
    let storage = &config.modules[0];
    assert_eq!(storage.name, "local_storage");
    assert_eq!(
        storage.wasm_path,
        PathBuf::from("/examples/url-downloader/artifacts/local_storage.wasm")
    );
    assert_eq!(storage.mem_limit_bytes, Some(65536));
    assert_eq!(
        storage.wasi.mapped_dirs["sites"],
        PathBuf::from("/examples/url-downloader/sites")
    );
    assert_eq!(
        storage.wasi.preopened_files["./sites"],
        PathBuf::from("/examples/url-downloader/sites")
    );
    assert_eq!(
        config.modules[1].mounted_binaries["curl"],
        PathBuf::from("/usr/bin/curl")
    );
    assert_eq!(config.facade().unwrap().name, "facade");

    // The same config in the official table form.
    let official = text
        .replace("[[module.wasi]]", "[module.wasi]")
        .replace("[[module.mounted_binaries]]", "[module.mounted_binaries]");
    assert_eq!(
        ServiceConfig::from_toml_str(&official, "/examples/url-downloader").unwrap(),
        config
    );
}

#[test]
fn unknown_key_names_key_file_and_line() {
    let (error, message) =
        err("modules_dir = \"a\"\n\n[[module]]\nname = \"x\"\nrandom_field = true\n");
    match &error {
        ConfigError::UnknownKey {
            location,
            key,
            table,
            ..
        } => {
            assert_eq!(key, "random_field");
            assert_eq!(table, "[[module]]");
            assert_eq!((location.line, location.column), (5, 1));
            assert_eq!(location.file, "<inline config>");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        message.starts_with(
            "<inline config>:5:1: unknown key `random_field` in [[module]]; expected one of `name`"
        ),
        "{message}"
    );

    let (error, message) = err("total_memory_limt = \"1 MiB\"\n");
    assert!(matches!(error, ConfigError::UnknownKey { .. }));
    assert!(
        message.starts_with("<inline config>:1:1: unknown key `total_memory_limt` at the top level; expected one of `modules_dir`, `total_memory_limit`"),
        "{message}"
    );

    let (error, message) =
        err("[[module]]\nname = \"x\"\n[module.wasi]\nenvs = {}\nmaped_dirs = {}\n");
    assert!(matches!(error, ConfigError::UnknownKey { ref key, .. } if key == "maped_dirs"));
    assert!(
        message.starts_with("<inline config>:5:1: unknown key `maped_dirs` in [module.wasi]"),
        "{message}"
    );
}

#[test]
fn unknown_key_in_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Config.toml");
    fs::write(&path, "[[module]]\n  name = \"a\"\n  bogus = 1\n").unwrap();
    let error = ServiceConfig::from_path(&path).unwrap_err();
    assert!(matches!(error, ConfigError::UnknownKey { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:3:3: unknown key `bogus`", path.display())),
        "{error}"
    );
}

#[test]
fn wrong_types() {
    let (error, message) = err("[[module]]\nname = \"m\"\nlogger_enabled = \"yes\"\n");
    match &error {
        ConfigError::InvalidValue { key, location, .. } => {
            assert_eq!(key, "logger_enabled");
            assert_eq!(location.line, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        message,
        "<inline config>:3:18: invalid value for `logger_enabled` in [[module]]: invalid type: string \"yes\", expected a boolean"
    );

    // Official message for this case: invalid type: integer `1`, expected a string.
    let (error, message) = err("[[module]]\nname = \"m\"\n[module.wasi]\nenvs = { A = 1 }\n");
    assert!(matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "A"));
    assert!(
        message.contains("invalid type: integer `1`, expected a string"),
        "{message}"
    );
    assert!(message.starts_with("<inline config>:4:"), "{message}");

    let (error, message) = err("[[module]]\nname = \"m\"\nmem_pages_count = -1\n");
    assert!(matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "mem_pages_count"));
    assert!(message.contains("expected u64"), "{message}");

    let (error, _) = err("[[module]]\nname = \"m\"\nlogging_mask = 3000000000\n");
    assert!(matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "logging_mask"));

    let (error, _) = err("module = 5\n");
    assert!(
        matches!(error, ConfigError::InvalidValue { .. }),
        "{error:?}"
    );
}

#[test]
fn bad_size_string() {
    let (error, message) = err("total_memory_limit = \"lots\"\n");
    match &error {
        ConfigError::InvalidSize {
            key, value, reason, ..
        } => {
            assert_eq!(key, "total_memory_limit");
            assert_eq!(value, "lots");
            assert_eq!(*reason, SizeParseError::NoNumber);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        message,
        "<inline config>:1:22: invalid size \"lots\" for `total_memory_limit`: a size must start with a non-negative number"
    );

    let (error, message) =
        err("[[module]]\nname = \"m\"\nload_from = \"m.wasm\"\nmax_heap_size = \"10 parsecs\"\n");
    assert!(matches!(
        error,
        ConfigError::InvalidSize { ref key, reason: SizeParseError::UnknownUnit(_), .. } if key == "max_heap_size"
    ));
    assert!(message.starts_with("<inline config>:4:17: invalid size \"10 parsecs\" for `max_heap_size`: unknown unit `parsecs`"), "{message}");
}

#[test]
fn duplicate_module() {
    let (error, message) = err(
        "modules_dir = \".\"\n[[module]]\nname = \"greeting\"\n[[module]]\nname = \"greeting\"\n",
    );
    assert!(matches!(
        error,
        ConfigError::DuplicateModule { ref name, first_line: 3, ref location } if name == "greeting" && location.line == 5
    ));
    assert_eq!(
        message,
        "<inline config>:5:8: duplicate module name \"greeting\" (first defined at line 3)"
    );
}

#[test]
fn missing_name_and_modules_dir() {
    let (error, message) = err("modules_dir = \".\"\n[[module]]\nfile_name = \"x.wasm\"\n");
    assert!(matches!(error, ConfigError::MissingKey { ref key, .. } if key == "name"));
    assert!(
        message.contains("missing key `name` in [[module]]"),
        "{message}"
    );

    let (error, message) = err("[[module]]\nname = \"greeting\"\n");
    assert!(matches!(error, ConfigError::NoModulesDir { ref module, .. } if module == "greeting"));
    assert!(
        message
            .contains("module \"greeting\" has no `load_from` and the config has no `modules_dir`"),
        "{message}"
    );
}

#[test]
fn invalid_combinations() {
    let (error, message) =
        err("modules_dir = \".\"\n[[module]]\nname = \"m\"\nmem_pages_count = 1\nmax_heap_size = \"1 MiB\"\n");
    assert!(matches!(error, ConfigError::Invalid { .. }));
    assert_eq!(
        message,
        "<inline config>:5:17: module \"m\" sets both `mem_pages_count` and `max_heap_size`; use one memory limit"
    );

    let (_, message) =
        err("modules_dir = \".\"\n[[module]]\nname = \"m\"\nmem_pages_count = 65537\n");
    assert!(message.contains("exceeds 65536 pages"), "{message}");
    let (_, message) =
        err("modules_dir = \".\"\n[[module]]\nname = \"m\"\nmax_heap_size = \"5 GiB\"\n");
    assert!(message.contains("max_heap_size exceeds 4 GiB"), "{message}");

    let (error, message) = err("[default]\nname = \"x\"\n");
    assert!(matches!(error, ConfigError::Invalid { .. }));
    assert!(
        message.contains("`name` is not allowed in [default]"),
        "{message}"
    );

    let (error, message) = err(
        "modules_dir = \".\"\n[[module]]\nname = \"m\"\n[[module.wasi]]\nenvs = {}\n[[module.wasi]]\nenvs = {}\n",
    );
    assert!(matches!(error, ConfigError::Invalid { .. }));
    assert!(
        message.contains("module \"m\": `wasi` is given 2 times"),
        "{message}"
    );

    let (_, message) = err(
        "modules_dir = \".\"\n[[module]]\nname = \"m\"\n[module.mounted_binaries]\nlog_utf8_string = \"/bin/true\"\n",
    );
    assert!(
        message.contains("`log_utf8_string` cannot be used as a mounted binary name"),
        "{message}"
    );

    let (error, message) = err("[[module]\nname = 1\n");
    assert!(matches!(error, ConfigError::Syntax { ref location, .. } if location.line == 1));
    assert!(message.starts_with("<inline config>:1:"), "{message}");
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn relative_paths_resolve_against_config_folder() {
    let root = tempfile::tempdir().unwrap();
    let service = root.path().join("service");
    write(&service.join("artifacts/a.wasm"), "");
    write(&service.join("vendored/b.wasm"), "");
    write(&root.path().join("shared/c/c.wasm"), "");
    let config_path = service.join("Config.toml");
    write(
        &config_path,
        r#"
modules_dir = "artifacts"
[[module]]
name = "a"
[module.wasi]
mapped_dirs = { data = "./data" }
[module.mounted_binaries]
tool = "bin/tool"
[[module]]
name = "b"
load_from = "vendored/b.wasm"
[[module]]
name = "c"
load_from = "../shared/c"
"#,
    );
    let config = ServiceConfig::from_path(&config_path).unwrap();
    assert_eq!(config.config_path.as_deref(), Some(config_path.as_path()));
    assert_eq!(config.base_dir, service);
    assert_eq!(
        config.modules[0].wasm_path,
        service.join("artifacts/a.wasm")
    );
    assert_eq!(
        config.modules[0].wasi.mapped_dirs["data"],
        service.join("data")
    );
    assert_eq!(
        config.modules[0].mounted_binaries["tool"],
        service.join("bin/tool")
    );
    assert_eq!(config.modules[1].wasm_path, service.join("vendored/b.wasm"));
    assert_eq!(
        config.modules[2].wasm_path,
        service.join("../shared/c/c.wasm")
    );
    assert!(config.modules.iter().all(|m| m.wasm_path.is_file()));
}

#[test]
fn missing_wasm_file() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("Config.toml");
    write(
        &config_path,
        "modules_dir = \"artifacts\"\n[[module]]\nname = \"greeting2\"\n",
    );
    let error = ServiceConfig::from_path(&config_path).unwrap_err();
    let expected_path = dir.path().join("artifacts/greeting2.wasm");
    match &error {
        ConfigError::MissingWasmFile { module, path, file } => {
            assert_eq!(module, "greeting2");
            assert_eq!(path, &expected_path);
            assert_eq!(file, &config_path.display().to_string());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        format!(
            "{}: wasm file of module \"greeting2\" not found: {}",
            config_path.display(),
            expected_path.display()
        )
    );

    // Pure parsing does not touch the file system; validate() does.
    let text = fs::read_to_string(&config_path).unwrap();
    let config = ServiceConfig::from_toml_str(&text, dir.path()).unwrap();
    assert!(matches!(
        config.validate(),
        Err(ConfigError::MissingWasmFile { .. })
    ));
}

#[test]
fn unreadable_config_file() {
    let error = ServiceConfig::from_path("/nonexistent/dir/Config.toml").unwrap_err();
    assert!(matches!(error, ConfigError::Read { .. }));
    assert!(error
        .to_string()
        .starts_with("cannot read config file /nonexistent/dir/Config.toml: "));
}

#[test]
fn location_columns_count_characters() {
    let text = "a = \"é\"\nbb = 1";
    assert_eq!(Location::from_offset("f", text, 0).to_string(), "f:1:1");
    assert_eq!(Location::from_offset("f", text, 9).to_string(), "f:2:1");
    assert_eq!(Location::from_offset("f", text, 14).to_string(), "f:2:6");
    assert_eq!(
        key_before("x = { \"a b\" = 1 }", 14).as_deref(),
        Some("a b")
    );
    assert_eq!(
        enclosing_table("[a]\nx = 1\n[[b.c]] # c\ny = 2", 20),
        "[[b.c]]"
    );
}

#[test]
fn errors_inside_array_form_tables_keep_their_location() {
    let (error, message) =
        err("modules_dir = \".\"\n[[module]]\nname = \"m\"\n[[module.wasi]]\nenvs = {}\nmaped_dirs = {}\n");
    assert!(matches!(error, ConfigError::UnknownKey { ref key, .. } if key == "maped_dirs"));
    assert!(
        message.starts_with("<inline config>:6:1: unknown key `maped_dirs` in [[module.wasi]]"),
        "{message}"
    );

    let (error, message) = err("[[module]]\nname = \"m\"\nwasi = \"yes\"\n");
    assert!(
        matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "wasi"),
        "{error:?}"
    );
    assert!(message.contains("expected a table"), "{message}");

    let (error, message) =
        err("[[module]]\nname = \"m\"\n[module.mounted_binaries]\ncurl = [\"/usr/bin/curl\"]\n");
    assert!(
        matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "curl"),
        "{error:?}"
    );
    assert!(message.contains("expected a string"), "{message}");
}

#[test]
fn effective_envs_add_mapped_dirs() {
    let config = parse(
        "modules_dir = \".\"\n[[module]]\nname = \"m\"\n[module.wasi]\nenvs = { A = \"1\", data = \"x\" }\nmapped_dirs = { data = \"d\" }\n",
    )
    .unwrap();
    let envs = config.modules[0].wasi.effective_envs();
    assert_eq!(envs["A"], "1");
    assert_eq!(
        envs["data"], "/cfg/d",
        "mapped dirs win, as in the official runtime"
    );
}

#[test]
fn a_table_where_an_array_is_expected_names_its_key() {
    let (error, message) = err("[module]\nname = \"m\"\n");
    match &error {
        ConfigError::InvalidValue { key, location, .. } => {
            assert_eq!(key, "module");
            assert_eq!(location.line, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(message.contains("`module`"), "{message}");
}

#[test]
fn envs_and_aliases_that_cannot_reach_the_guest_are_refused() {
    for (envs, why) in [
        (r#"{ "A=B" = "1" }"#, "holds `=` or NUL"),
        (r#"{ "A\u0000" = "1" }"#, "holds `=` or NUL"),
        (r#"{ "" = "1" }"#, "name is empty"),
        (
            r#"{ A = "x\u0000y" }"#,
            "the value of environment variable `A` holds NUL",
        ),
    ] {
        let text = format!(
            "modules_dir = \"a\"\n[[module]]\nname = \"m\"\n[module.wasi]\nenvs = {envs}\n"
        );
        let (error, message) = err(&text);
        assert!(matches!(error, ConfigError::Invalid { .. }), "{error:?}");
        assert!(message.contains(why), "{envs}: {message}");
        assert!(message.starts_with("<inline config>:5:"), "{message}");
    }
    let (_, message) = err(
        "modules_dir = \"a\"\n[[module]]\nname = \"m\"\n[module.wasi]\nmapped_dirs = { \"a\\u0000b\" = \"x\" }\n",
    );
    assert!(message.contains("holds a NUL"), "{message}");
}

#[test]
fn limits_table() {
    let config = parse(
        "[limits]\nmax_type_depth = 7\nmax_module_size = \"2 MiB\"\nmax_compile_time = \"1.5 s\"\nmax_memories = 1\nmax_open_files = 3\nmax_value_size = \"16 MiB\"\n",
    )
    .unwrap();
    assert_eq!(config.limits.max_open_files, Some(3));
    let limits = config.limits.apply(&crate::Limits::default());
    assert_eq!(limits.max_type_depth, 7);
    assert_eq!(limits.max_module_size, 2 << 20);
    assert_eq!(
        limits.max_compile_time,
        std::time::Duration::from_millis(1500)
    );
    assert_eq!(limits.max_memories, 1);
    assert_eq!(limits.max_value_size, 16 << 20);
    assert_eq!(limits.max_tables, crate::Limits::default().max_tables);
    for (text, why) in [
        ("max_compile_time = \"10 years\"", "unknown unit"),
        ("max_module_size = \"Infinity\"", "finite"),
        ("max_value_size = \"Infinity\"", "finite"),
        ("max_tablez = 3", "max_tablez"),
    ] {
        let (_, message) = err(&format!("[limits]\n{text}\n"));
        assert!(message.contains(why), "{text}: {message}");
        assert!(message.starts_with("<inline config>:2:"), "{message}");
    }
}

#[test]
fn compiled_cache_table() {
    let config = parse(
        "[compiled_cache]\nenabled = false\ndir = \"cache\"\nmax_size = \"256 MiB\"\ntrust_precompiled = true\n",
    )
    .unwrap();
    assert_eq!(
        config.compiled_cache,
        CompiledCacheConfig {
            enabled: Some(false),
            dir: Some(PathBuf::from("/cfg/cache")),
            max_size: Some(256 << 20),
            trust_precompiled: Some(true),
        }
    );
    assert_eq!(
        parse("").unwrap().compiled_cache,
        CompiledCacheConfig::default()
    );
    assert_eq!(
        parse("[compiled_cache]\nmax_size = 1000\n")
            .unwrap()
            .compiled_cache
            .max_size,
        Some(1000)
    );
    for (text, why, column) in [
        ("enabled = \"no\"", "enabled", 11),
        ("max_size = \"Infinity\"", "finite", 12),
        ("max_size = \"12 parsecs\"", "max_size", 12),
        ("max_size = -1", "must not be negative", 12),
        ("dir = \"\"", "must not be empty", 7),
        ("dir = 3", "dir", 7),
        ("trust = true", "trust", 1),
    ] {
        let (_, message) = err(&format!("[compiled_cache]\n{text}\n"));
        assert!(message.contains(why), "{text}: {message}");
        assert!(
            message.starts_with(&format!("<inline config>:2:{column}")),
            "{text}: {message}"
        );
    }
}

/// Found by the `config` fuzz target (minimized): a byte-order mark before a key with a value
/// of the wrong type. The key finder stepped one byte past the last non-key character, which
/// is inside the 3-byte mark, and slicing there panicked.
#[test]
fn wrong_value_after_a_multibyte_character_is_an_error_not_a_panic() {
    let (error, message) = err("\u{feff}default=0");
    assert!(
        matches!(error, ConfigError::InvalidValue { ref key, .. } if key == "default"),
        "{error:?}"
    );
    assert!(message.starts_with("<inline config>:1:"), "{message}");
}
