//! The official logger API (feature `logger`).
use marine_rs_sdk::{TargetMap, WasmLoggerBuilder};

pub fn init() {
    let mut map = TargetMap::new();
    map.insert("t", 1);
    WasmLoggerBuilder::new()
        .with_log_level(log::LevelFilter::Info)
        .with_target_map(map)
        .filter("a::b", log::LevelFilter::Debug)
        .build()
        .unwrap();
    log::info!("logger ready");
}

fn main() {}
