/// A record with every kind of field.
#[derive(Clone, Debug)]
pub struct Outer {
    pub a: i32,
    pub s: String,
    bytes: Vec<u8>,
    pub inner: crate::Inner,
    pub flags: Vec<bool>,
    pub grid: Vec<Vec<Inner>>,
    pub f: f64,
}
impl Outer {
    /// Writes the record in the packed Marine layout; the buffer goes on the release list.
    #[doc(hidden)]
    #[allow(clippy::all, unused_unsafe)]
    pub fn __m_generated_serialize(&self) -> *const u8 {
        let mut raw_record: ::std::vec::Vec<u8> = ::std::vec::Vec::with_capacity(
            48usize,
        );
        unsafe {
            raw_record.extend_from_slice(&self.a.to_le_bytes());
            raw_record
                .extend_from_slice(&(self.s.as_ptr() as usize as u32).to_le_bytes());
            raw_record.extend_from_slice(&(self.s.len() as u32).to_le_bytes());
            let (field_ptr, field_count) = ::marine_rs_sdk::internal::scalars_in_place::<
                u8,
            >(&self.bytes);
            raw_record.extend_from_slice(&field_ptr.to_le_bytes());
            raw_record.extend_from_slice(&field_count.to_le_bytes());
            let field_ptr = self.inner.__m_generated_serialize() as usize as u32;
            raw_record.extend_from_slice(&field_ptr.to_le_bytes());
            let (field_ptr, field_count) = ::marine_rs_sdk::internal::release_vec(
                (&self.flags)
                    .iter()
                    .map(|__m_b| (*__m_b) as u8)
                    .collect::<::std::vec::Vec<u8>>(),
            );
            raw_record.extend_from_slice(&field_ptr.to_le_bytes());
            raw_record.extend_from_slice(&field_count.to_le_bytes());
            let (field_ptr, field_count) = ::marine_rs_sdk::internal::release_pairs(
                (&self.grid)
                    .iter()
                    .map(|__m_v| ::marine_rs_sdk::internal::release_record_ptrs(
                        (__m_v)
                            .iter()
                            .map(|__m_r| __m_r.__m_generated_serialize() as usize as u32),
                    )),
            );
            raw_record.extend_from_slice(&field_ptr.to_le_bytes());
            raw_record.extend_from_slice(&field_count.to_le_bytes());
            raw_record.extend_from_slice(&self.f.to_le_bytes());
        }
        let result = raw_record.as_ptr();
        ::marine_rs_sdk::internal::add_object_to_release(
            ::std::boxed::Box::new(raw_record),
        );
        result
    }
    /// Reads a packed Marine record written by the host, taking ownership of its buffers.
    ///
    /// # Safety
    /// `record_ptr` must point to a host-allocated packed record of this type.
    #[doc(hidden)]
    #[allow(clippy::all, unused_unsafe)]
    pub unsafe fn __m_generated_deserialize(record_ptr: *const u8) -> Self {
        unsafe {
            let raw_record: ::std::vec::Vec<u8> = ::marine_rs_sdk::internal::record_bytes(
                record_ptr,
                48usize,
            );
            let field_0 = ::marine_rs_sdk::internal::read_le::<i32>(&raw_record, 0usize);
            let field_1 = ::marine_rs_sdk::internal::string_from_raw(
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 4usize),
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 8usize),
            );
            let field_2 = ::marine_rs_sdk::internal::vec_from_raw::<
                u8,
            >(
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 12usize),
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 16usize),
            );
            let field_3 = <crate::Inner>::__m_generated_deserialize(
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 20usize) as usize
                    as *const u8,
            );
            let field_4 = ::marine_rs_sdk::internal::bools_from_raw(
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 24usize),
                ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 28usize),
            );
            let field_5 = ::marine_rs_sdk::internal::pairs_from_raw(
                    ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 32usize),
                    ::marine_rs_sdk::internal::read_le::<u32>(&raw_record, 36usize),
                )
                .into_iter()
                .map(|(__m_ptr, __m_count)| {
                    ::marine_rs_sdk::internal::vec_from_raw::<u32>(__m_ptr, __m_count)
                        .into_iter()
                        .map(|__m_ptr| <Inner>::__m_generated_deserialize(
                            __m_ptr as usize as *const u8,
                        ))
                        .collect::<::std::vec::Vec<Inner>>()
                })
                .collect::<::std::vec::Vec<::std::vec::Vec<Inner>>>();
            let field_6 = ::marine_rs_sdk::internal::read_le::<
                f64,
            >(&raw_record, 40usize);
            Self {
                a: field_0,
                s: field_1,
                bytes: field_2,
                inner: field_3,
                flags: field_4,
                grid: field_5,
                f: field_6,
            }
        }
    }
}
impl ::marine_rs_sdk::internal::Wire for Outer {
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
#[unsafe(link_section = "__m_generated_section__Outer")]
pub static __m_generated_static_global_Outer: [u8; 452usize] = *b"{\"ast_type\":\"Record\",\"name\":\"Outer\",\"fields\":{\"Named\":[{\"name\":\"a\",\"ty\":{\"I32\":\"ByValue\"}},{\"name\":\"s\",\"ty\":{\"Utf8String\":\"ByValue\"}},{\"name\":\"bytes\",\"ty\":{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"inner\",\"ty\":{\"Record\":[\"Inner\",\"ByValue\"]}},{\"name\":\"flags\",\"ty\":{\"Vector\":[{\"Boolean\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"grid\",\"ty\":{\"Vector\":[{\"Vector\":[{\"Record\":[\"Inner\",\"ByValue\"]},\"ByValue\"]},\"ByValue\"]}},{\"name\":\"f\",\"ty\":{\"F64\":\"ByValue\"}}]}}";
