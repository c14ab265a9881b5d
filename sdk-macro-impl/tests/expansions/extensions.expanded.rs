/// An enum with every variant shape (docs/abi-extensions.md).
#[derive(Clone, Debug)]
pub enum StorageError {
    NotFound,
    Io(String),
    TooBig { limit: u64, given: Option<u64> },
}
impl StorageError {
    /// Writes the enum's tagged block (`docs/abi-extensions.md`) in one buffer of the
    /// variant's size; the block goes on the release list.
    #[doc(hidden)]
    #[allow(clippy::all, unused_unsafe)]
    pub fn __m_generated_serialize(&self) -> *const u8 {
        let raw: ::std::vec::Vec<u8> = match self {
            Self::NotFound => {
                let mut raw: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(
                    4usize,
                );
                raw.extend_from_slice(&0u32.to_le_bytes());
                raw
            }
            Self::Io(__m_f0) => {
                let mut raw: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(
                    4usize
                        + <::std::string::String as ::marine_rs_sdk::internal::Wire>::SIZE,
                );
                raw.extend_from_slice(&1u32.to_le_bytes());
                <::std::string::String as ::marine_rs_sdk::internal::Wire>::write(
                    __m_f0,
                    &mut raw,
                );
                raw
            }
            Self::TooBig { limit: __m_f0, given: __m_f1 } => {
                let mut raw: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(
                    4usize + <u64 as ::marine_rs_sdk::internal::Wire>::SIZE
                        + <::std::option::Option<
                            u64,
                        > as ::marine_rs_sdk::internal::Wire>::SIZE,
                );
                raw.extend_from_slice(&2u32.to_le_bytes());
                <u64 as ::marine_rs_sdk::internal::Wire>::write(__m_f0, &mut raw);
                <::std::option::Option<
                    u64,
                > as ::marine_rs_sdk::internal::Wire>::write(__m_f1, &mut raw);
                raw
            }
        };
        let result = raw.as_ptr();
        ::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(raw));
        result
    }
    /// Reads a tagged block written by the host, taking ownership of its buffers.
    ///
    /// # Safety
    /// `ptr` must point to a host-allocated block of this enum.
    #[doc(hidden)]
    #[allow(clippy::all, unused_unsafe, unused_variables, unused_mut)]
    pub unsafe fn __m_generated_deserialize(ptr: *const u8) -> Self {
        unsafe {
            match ::marine_rs_sdk::internal::block_discriminant(ptr as usize as u32) {
                0u32 => {
                    let size = 4usize;
                    let raw = ::marine_rs_sdk::internal::record_bytes(ptr, size);
                    let mut offset = 4usize;
                    let _ = offset;
                    Self::NotFound
                }
                1u32 => {
                    let size = 4usize
                        + <::std::string::String as ::marine_rs_sdk::internal::Wire>::SIZE;
                    let raw = ::marine_rs_sdk::internal::record_bytes(ptr, size);
                    let mut offset = 4usize;
                    let __m_f0 = <::std::string::String as ::marine_rs_sdk::internal::Wire>::read(
                        &raw[offset..],
                    );
                    offset
                        += <::std::string::String as ::marine_rs_sdk::internal::Wire>::SIZE;
                    let _ = offset;
                    Self::Io(__m_f0)
                }
                2u32 => {
                    let size = 4usize + <u64 as ::marine_rs_sdk::internal::Wire>::SIZE
                        + <::std::option::Option<
                            u64,
                        > as ::marine_rs_sdk::internal::Wire>::SIZE;
                    let raw = ::marine_rs_sdk::internal::record_bytes(ptr, size);
                    let mut offset = 4usize;
                    let __m_f0 = <u64 as ::marine_rs_sdk::internal::Wire>::read(
                        &raw[offset..],
                    );
                    offset += <u64 as ::marine_rs_sdk::internal::Wire>::SIZE;
                    let __m_f1 = <::std::option::Option<
                        u64,
                    > as ::marine_rs_sdk::internal::Wire>::read(&raw[offset..]);
                    offset
                        += <::std::option::Option<
                            u64,
                        > as ::marine_rs_sdk::internal::Wire>::SIZE;
                    let _ = offset;
                    Self::TooBig {
                        limit: __m_f0,
                        given: __m_f1,
                    }
                }
                other => {
                    panic!("enum {}: invalid discriminant {}", "StorageError", other)
                }
            }
        }
    }
}
impl ::marine_rs_sdk::internal::Wire for StorageError {
    const SIZE: usize = 4;
    const TAG: u8 = 3;
    fn write(&self, out: &mut ::std::vec::Vec<u8>) {
        let ptr = self.__m_generated_serialize() as usize as u32;
        out.extend_from_slice(&ptr.to_le_bytes());
    }
    unsafe fn read(raw: &[u8]) -> Self {
        unsafe {
            Self::__m_generated_deserialize(
                ::marine_rs_sdk::internal::read_le::<u32>(raw, 0) as usize as *const u8,
            )
        }
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__StorageError")]
pub static __m_generated_static_global_StorageError: [u8; 313usize] = *b"{\"ast_type\":\"Enum\",\"name\":\"StorageError\",\"variants\":[{\"name\":\"NotFound\",\"fields\":\"Unit\"},{\"name\":\"Io\",\"fields\":{\"Unnamed\":[{\"name\":null,\"ty\":{\"Utf8String\":\"ByValue\"}}]}},{\"name\":\"TooBig\",\"fields\":{\"Named\":[{\"name\":\"limit\",\"ty\":{\"U64\":\"ByValue\"}},{\"name\":\"given\",\"ty\":{\"Option\":[{\"U64\":\"ByValue\"},\"ByValue\"]}}]}}]}";
/// Extension types as argument, by reference and as result.
pub fn get(
    name: Option<String>,
    key: &(u8, Vec<StorageError>),
) -> Result<Vec<u8>, StorageError> {
    Err(StorageError::NotFound)
}
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "get")]
#[doc(hidden)]
#[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
pub unsafe extern "C" fn __m_generated_wrapper_func_get(arg_0: u32, arg_1: u32) {
    unsafe {
        let converted_arg_0 = ::marine_rs_sdk::internal::wire_from_ptr::<
            ::std::option::Option<::std::string::String>,
        >(arg_0);
        let converted_arg_1 = ::marine_rs_sdk::internal::wire_from_ptr::<
            (u8, ::std::vec::Vec<StorageError>),
        >(arg_1);
        let result = get(converted_arg_0, &converted_arg_1);
        let result_ptr = ::marine_rs_sdk::internal::wire_to_ptr::<
            ::std::result::Result<::std::vec::Vec<u8>, StorageError>,
        >(
            ::std::borrow::Borrow::<
                ::std::result::Result<::std::vec::Vec<u8>, StorageError>,
            >::borrow(&result),
        );
        ::marine_rs_sdk::internal::set_result_ptr(result_ptr);
        ::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(result));
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__get")]
pub static __m_generated_static_global_get: [u8; 371usize] = *b"{\"ast_type\":\"Function\",\"signature\":{\"name\":\"get\",\"arguments\":[{\"name\":\"name\",\"ty\":{\"Option\":[{\"Utf8String\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"key\",\"ty\":{\"Tuple\":[[{\"U8\":\"ByValue\"},{\"Vector\":[{\"Record\":[\"StorageError\",\"ByValue\"]},\"ByValue\"]}],\"ByRef\"]}}],\"output_types\":[{\"Result\":[{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]},{\"Record\":[\"StorageError\",\"ByValue\"]},\"ByValue\"]}]}}";
#[cfg(target_arch = "wasm32")]
#[allow(clippy::all, unused_unsafe, unused_variables)]
pub fn fetch(names: Vec<Option<String>>) -> Option<Result<(), StorageError>> {
    #[link(wasm_import_module = "storage")]
    unsafe extern "C" {
        #[link_name = "fetch"]
        fn __m_generated_import(arg_0: u32, arg_1: u32);
    }
    unsafe {
        let (__m_raw_0, __m_raw_1) = ::marine_rs_sdk::internal::wire_vec_to_raw::<
            ::std::option::Option<::std::string::String>,
        >(
            (&names)
                .iter()
                .map(|__m_w| ::std::borrow::Borrow::<
                    ::std::option::Option<::std::string::String>,
                >::borrow(__m_w)),
        );
        let __m_result = __m_generated_import(__m_raw_0, __m_raw_1);
        ::marine_rs_sdk::internal::wire_from_ptr::<
            ::std::option::Option<::std::result::Result<(), StorageError>>,
        >(::marine_rs_sdk::internal::get_result_ptr())
    }
}
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::all, unused_variables)]
pub fn fetch(names: Vec<Option<String>>) -> Option<Result<(), StorageError>> {
    unimplemented!(
        "`fetch` is an import from the Marine module `storage`; it can only be called in a wasm32 module running in a Marine runtime"
    )
}
#[cfg(target_arch = "wasm32")]
const _: () = {
    #[doc(hidden)]
    #[used]
    #[allow(non_upper_case_globals, dead_code)]
    #[unsafe(link_section = "__m_generated_section__storage")]
    pub static __m_generated_static_global_storage: [u8; 339usize] = *b"{\"ast_type\":\"ExternMod\",\"namespace\":\"storage\",\"imports\":[{\"link_name\":null,\"signature\":{\"name\":\"fetch\",\"arguments\":[{\"name\":\"names\",\"ty\":{\"Vector\":[{\"Option\":[{\"Utf8String\":\"ByValue\"},\"ByValue\"]},\"ByValue\"]}}],\"output_types\":[{\"Option\":[{\"Result\":[{\"Tuple\":[[],\"ByValue\"]},{\"Record\":[\"StorageError\",\"ByValue\"]},\"ByValue\"]},\"ByValue\"]}]}}]}";
};
