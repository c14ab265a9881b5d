//! The seed talk's guest code, unchanged apart from being split into modules.
#![allow(dead_code)]

mod greeting {
    use marine_rs_sdk::marine;

    #[marine]
    pub fn greeting(name: String) -> String {
        format!("Hi, {}", name)
    }
}

mod facade {
    use marine_rs_sdk::marine;

    #[marine]
    pub fn get_n_save(url: String, file_name: String) -> String {
        let result = download(url);
        file_put(file_name, result.into_bytes());
        String::from("Ok")
    }

    #[marine]
    #[link(wasm_import_module = "curl_adapter")]
    extern "C" {
        pub fn download(url: String) -> String;
    }

    #[marine]
    #[link(wasm_import_module = "local_storage")]
    extern "C" {
        #[link_name = "put"]
        pub fn file_put(name: String, file_content: Vec<u8>) -> String;
    }
}

mod curl_adapter {
    use marine_rs_sdk::marine;
    use marine_rs_sdk::MountedBinaryResult;

    #[marine]
    pub fn download(url: String) -> String {
        let result = curl(vec![url]);
        String::from_utf8(result.stdout).unwrap()
    }

    #[marine]
    #[link(wasm_import_module = "host")]
    extern "C" {
        fn curl(cmd: Vec<String>) -> MountedBinaryResult;
    }
}

mod local_storage {
    use marine_rs_sdk::marine;
    use std::fs;
    use std::path::PathBuf;

    const SITES_DIR: &str = "/sites/";

    #[marine]
    pub fn put(name: String, file_content: Vec<u8>) -> String {
        let rpc_tmp_filepath = format!("{}{}", SITES_DIR, name);
        let result = fs::write(PathBuf::from(rpc_tmp_filepath.clone()), file_content);
        if let Err(e) = result {
            return format!("file can't be written: {}", e);
        }
        String::from("Ok")
    }
}

mod records {
    use marine_rs_sdk::marine;

    #[marine]
    pub struct TestRecord0 {
        pub field_0: i32,
    }

    #[marine]
    pub struct TestRecord1 {
        pub field_0: i32,
        pub field_1: String,
        pub field_2: Vec<u8>,
        pub test_record_0: TestRecord0,
    }

    #[marine]
    #[link(wasm_import_module = "records_passing_effector")]
    extern "C" {
        pub fn test_record_ref(test_record: &TestRecord1) -> TestRecord0;

        pub fn test_record_array(test_record: &Vec<TestRecord1>) -> Vec<TestRecord1>;
    }
}

mod official_api {
    use marine_rs_sdk::{
        get_call_parameters, marine, module_manifest, CallParameters, MountedBinaryResult,
        MountedBinaryStringResult, ParticleParameters, SecurityTetraplet,
    };

    module_manifest!();

    #[marine]
    #[module_import("other")]
    extern "C" {
        pub fn ping(x: u64) -> u64;
    }

    #[marine]
    #[host_import]
    extern "C" {
        pub fn ls(cmd: Vec<String>) -> MountedBinaryResult;
    }

    #[marine]
    pub fn who() -> String {
        let cp: CallParameters = get_call_parameters();
        let _: &ParticleParameters = &cp.particle;
        let _: Option<&SecurityTetraplet> = cp.tetraplets.first().and_then(|t| t.first());
        cp.particle.init_peer_id
    }

    pub fn helpers(r: MountedBinaryResult) -> Option<MountedBinaryStringResult> {
        let _ = r.is_success();
        let _ = r.as_std();
        let _ = MountedBinaryResult::from_error(1, "e");
        r.stringify()
    }
}

mod old_guest {
    use marine_rs_sdk::fce;

    #[fce]
    pub fn old(x: i32) -> i32 {
        x
    }
}

fn main() {}
