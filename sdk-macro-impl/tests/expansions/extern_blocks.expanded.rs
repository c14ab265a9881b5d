#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn mutate_struct(test_record: TestRecord) -> TestRecord {
    #[link(wasm_import_module = "records_effector")]
    unsafe extern "C" {
        #[link_name = "mutate_struct"]
        fn __m_generated_import(arg_0: u32);
    }
    unsafe {
        let __m_raw_0 = test_record.__m_generated_serialize() as usize as u32;
        let __m_result = __m_generated_import(__m_raw_0);
        <TestRecord>::__m_generated_deserialize(
            ::marine_rs_sdk::internal::get_result_ptr() as usize as *const u8,
        )
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn mutate_struct(test_record: TestRecord) -> TestRecord {
    unimplemented!(
        "`mutate_struct` is an import from the Marine module `records_effector`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn get_bytes(name: &str, v: &Vec<Vec<u8>>, flag: &bool) -> Vec<u8> {
    #[link(wasm_import_module = "records_effector")]
    unsafe extern "C" {
        #[link_name = "get"]
        fn __m_generated_import(
            arg_0: u32,
            arg_1: u32,
            arg_2: u32,
            arg_3: u32,
            arg_4: i32,
        );
    }
    unsafe {
        let (__m_raw_0, __m_raw_1) = (name.as_ptr() as usize as u32, name.len() as u32);
        let (__m_raw_2, __m_raw_3) = ::marine_rs_sdk::internal::release_pairs(
            (&v)
                .iter()
                .map(|__m_v| ::marine_rs_sdk::internal::scalars_in_place::<u8>(__m_v)),
        );
        let __m_result = __m_generated_import(
            __m_raw_0,
            __m_raw_1,
            __m_raw_2,
            __m_raw_3,
            *flag as i32,
        );
        ::marine_rs_sdk::internal::vec_from_raw::<
            u8,
        >(
            ::marine_rs_sdk::internal::get_result_ptr(),
            ::marine_rs_sdk::internal::get_result_size(),
        )
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn get_bytes(name: &str, v: &Vec<Vec<u8>>, flag: &bool) -> Vec<u8> {
    unimplemented!(
        "`get_bytes` is an import from the Marine module `records_effector`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
const _: () = {
    #[doc(hidden)]
    #[used]
    #[allow(non_upper_case_globals, dead_code)]
    #[unsafe(link_section = "__m_generated_section__records_effector")]
    pub static __m_generated_static_global_records_effector: [u8; 539usize] = *b"{\"ast_type\":\"ExternMod\",\"namespace\":\"records_effector\",\"imports\":[{\"link_name\":null,\"signature\":{\"name\":\"mutate_struct\",\"arguments\":[{\"name\":\"test_record\",\"ty\":{\"Record\":[\"TestRecord\",\"ByValue\"]}}],\"output_types\":[{\"Record\":[\"TestRecord\",\"ByValue\"]}]}},{\"link_name\":\"get\",\"signature\":{\"name\":\"get_bytes\",\"arguments\":[{\"name\":\"name\",\"ty\":{\"Utf8Str\":\"ByRef\"}},{\"name\":\"v\",\"ty\":{\"Vector\":[{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]},\"ByRef\"]}},{\"name\":\"flag\",\"ty\":{\"Boolean\":\"ByRef\"}}],\"output_types\":[{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]}]}}]}";
};
/// Runs curl on the host.
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn curl(cmd: Vec<String>) -> MountedBinaryResult {
    #[link(wasm_import_module = "__marine_host_api_v3")]
    unsafe extern "C" {
        #[link_name = "curl"]
        fn __m_generated_import(arg_0: u32, arg_1: u32);
    }
    unsafe {
        let (__m_raw_0, __m_raw_1) = ::marine_rs_sdk::internal::release_pairs(
            (&cmd)
                .iter()
                .map(|__m_s| (__m_s.as_ptr() as usize as u32, __m_s.len() as u32)),
        );
        let __m_result = __m_generated_import(__m_raw_0, __m_raw_1);
        <MountedBinaryResult>::__m_generated_deserialize(
            ::marine_rs_sdk::internal::get_result_ptr() as usize as *const u8,
        )
    }
}
/// Runs curl on the host.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn curl(cmd: Vec<String>) -> MountedBinaryResult {
    unimplemented!(
        "`curl` is a host import; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
const _: () = {
    #[doc(hidden)]
    #[used]
    #[allow(non_upper_case_globals, dead_code)]
    #[unsafe(link_section = "__m_generated_section____marine_host_api_v3")]
    pub static __m_generated_static_global___marine_host_api_v3: [u8; 262usize] = *b"{\"ast_type\":\"ExternMod\",\"namespace\":\"__marine_host_api_v3\",\"imports\":[{\"link_name\":null,\"signature\":{\"name\":\"curl\",\"arguments\":[{\"name\":\"cmd\",\"ty\":{\"Vector\":[{\"Utf8String\":\"ByValue\"},\"ByValue\"]}}],\"output_types\":[{\"Record\":[\"MountedBinaryResult\",\"ByValue\"]}]}}]}";
};
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn file_put(name: String, file_content: Vec<u8>) -> String {
    #[link(wasm_import_module = "local_storage")]
    unsafe extern "C" {
        #[link_name = "put"]
        fn __m_generated_import(arg_0: u32, arg_1: u32, arg_2: u32, arg_3: u32);
    }
    unsafe {
        let (__m_raw_0, __m_raw_1) = (name.as_ptr() as usize as u32, name.len() as u32);
        let (__m_raw_2, __m_raw_3) = ::marine_rs_sdk::internal::scalars_in_place::<
            u8,
        >(&file_content);
        let __m_result = __m_generated_import(
            __m_raw_0,
            __m_raw_1,
            __m_raw_2,
            __m_raw_3,
        );
        ::marine_rs_sdk::internal::string_from_raw(
            ::marine_rs_sdk::internal::get_result_ptr(),
            ::marine_rs_sdk::internal::get_result_size(),
        )
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn file_put(name: String, file_content: Vec<u8>) -> String {
    unimplemented!(
        "`file_put` is an import from the Marine module `local_storage`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn count() -> u64 {
    #[link(wasm_import_module = "local_storage")]
    unsafe extern "C" {
        #[link_name = "count"]
        fn __m_generated_import() -> u64;
    }
    unsafe {
        let __m_result = __m_generated_import();
        __m_result
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn count() -> u64 {
    unimplemented!(
        "`count` is an import from the Marine module `local_storage`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
/// Parameter names that look like generated locals.
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn tricky(arg_1: String, arg_0: u32, result: Vec<u8>, __m_arg_3: bool) -> u32 {
    #[link(wasm_import_module = "local_storage")]
    unsafe extern "C" {
        #[link_name = "tricky"]
        fn __m_generated_import(
            arg_0: u32,
            arg_1: u32,
            arg_2: u32,
            arg_3: u32,
            arg_4: u32,
            arg_5: i32,
        ) -> u32;
    }
    unsafe {
        let (__m_raw_0, __m_raw_1) = (
            arg_1.as_ptr() as usize as u32,
            arg_1.len() as u32,
        );
        let (__m_raw_3, __m_raw_4) = ::marine_rs_sdk::internal::scalars_in_place::<
            u8,
        >(&result);
        let __m_result = __m_generated_import(
            __m_raw_0,
            __m_raw_1,
            arg_0,
            __m_raw_3,
            __m_raw_4,
            __m_arg_3 as i32,
        );
        __m_result
    }
}
/// Parameter names that look like generated locals.
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn tricky(arg_1: String, arg_0: u32, result: Vec<u8>, __m_arg_3: bool) -> u32 {
    unimplemented!(
        "`tricky` is an import from the Marine module `local_storage`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
const _: () = {
    #[doc(hidden)]
    #[used]
    #[allow(non_upper_case_globals, dead_code)]
    #[unsafe(link_section = "__m_generated_section__local_storage")]
    pub static __m_generated_static_global_local_storage: [u8; 673usize] = *b"{\"ast_type\":\"ExternMod\",\"namespace\":\"local_storage\",\"imports\":[{\"link_name\":\"put\",\"signature\":{\"name\":\"file_put\",\"arguments\":[{\"name\":\"name\",\"ty\":{\"Utf8String\":\"ByValue\"}},{\"name\":\"file_content\",\"ty\":{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]}}],\"output_types\":[{\"Utf8String\":\"ByValue\"}]}},{\"link_name\":null,\"signature\":{\"name\":\"count\",\"arguments\":[],\"output_types\":[{\"U64\":\"ByValue\"}]}},{\"link_name\":null,\"signature\":{\"name\":\"tricky\",\"arguments\":[{\"name\":\"arg_1\",\"ty\":{\"Utf8String\":\"ByValue\"}},{\"name\":\"arg_0\",\"ty\":{\"U32\":\"ByValue\"}},{\"name\":\"result\",\"ty\":{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"_\",\"ty\":{\"Boolean\":\"ByValue\"}}],\"output_types\":[{\"U32\":\"ByValue\"}]}}]}";
};
