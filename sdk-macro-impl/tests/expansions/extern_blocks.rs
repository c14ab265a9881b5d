#[module_import("records_effector")]
extern "C" {
    pub fn mutate_struct(test_record: TestRecord) -> TestRecord;
    #[link_name = "get"]
    pub fn get_bytes(name: &str, v: &Vec<Vec<u8>>, flag: &bool) -> Vec<u8>;
}

#[host_import]
extern "C" {
    /// Runs curl on the host.
    pub fn curl(cmd: Vec<String>) -> MountedBinaryResult;
}

#[link(wasm_import_module = "local_storage")]
extern "C" {
    #[link_name = "put"]
    pub fn file_put(name: String, file_content: Vec<u8>) -> String;
    pub fn count() -> u64;
    /// Parameter names that look like generated locals.
    pub fn tricky(arg_1: String, arg_0: u32, result: Vec<u8>, _: bool) -> u32;
}
