pub fn all_types(
    flag: bool,
    small: i8,
    n: u32,
    big: i64,
    ratio: f64,
    name: String,
    s: &str,
    bytes: Vec<u8>,
    words: &Vec<String>,
    bools: Vec<bool>,
    nested: Vec<Vec<Vec<u8>>>,
    rec: &Point,
    recs: Vec<Point>,
) -> Vec<Point> {
    recs
}
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "all_types")]
#[doc(hidden)]
#[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
pub unsafe extern "C" fn __m_generated_wrapper_func_all_types(
    arg_0: i32,
    arg_1: i8,
    arg_2: u32,
    arg_3: i64,
    arg_4: f64,
    arg_5: u32,
    arg_6: u32,
    arg_7: u32,
    arg_8: u32,
    arg_9: u32,
    arg_10: u32,
    arg_11: u32,
    arg_12: u32,
    arg_13: u32,
    arg_14: u32,
    arg_15: u32,
    arg_16: u32,
    arg_17: u32,
    arg_18: u32,
    arg_19: u32,
) {
    unsafe {
        let converted_arg_0 = arg_0 != 0;
        let converted_arg_1 = arg_1;
        let converted_arg_2 = arg_2;
        let converted_arg_3 = arg_3;
        let converted_arg_4 = arg_4;
        let converted_arg_5 = ::marine_rs_sdk::internal::string_from_raw(arg_5, arg_6);
        let converted_arg_6 = ::marine_rs_sdk::internal::string_from_raw(arg_7, arg_8);
        let converted_arg_7 = ::marine_rs_sdk::internal::vec_from_raw::<
            u8,
        >(arg_9, arg_10);
        let converted_arg_8 = ::marine_rs_sdk::internal::strings_from_raw(
            arg_11,
            arg_12,
        );
        let converted_arg_9 = ::marine_rs_sdk::internal::bools_from_raw(arg_13, arg_14);
        let converted_arg_10 = ::marine_rs_sdk::internal::pairs_from_raw(arg_15, arg_16)
            .into_iter()
            .map(|(__m_ptr, __m_count)| {
                ::marine_rs_sdk::internal::pairs_from_raw(__m_ptr, __m_count)
                    .into_iter()
                    .map(|(__m_ptr, __m_count)| ::marine_rs_sdk::internal::vec_from_raw::<
                        u8,
                    >(__m_ptr, __m_count))
                    .collect::<::std::vec::Vec<::std::vec::Vec<u8>>>()
            })
            .collect::<::std::vec::Vec<::std::vec::Vec<::std::vec::Vec<u8>>>>();
        let converted_arg_11 = <Point>::__m_generated_deserialize(
            arg_17 as usize as *const u8,
        );
        let converted_arg_12 = ::marine_rs_sdk::internal::vec_from_raw::<
            u32,
        >(arg_18, arg_19)
            .into_iter()
            .map(|__m_ptr| <Point>::__m_generated_deserialize(
                __m_ptr as usize as *const u8,
            ))
            .collect::<::std::vec::Vec<Point>>();
        let result = all_types(
            converted_arg_0,
            converted_arg_1,
            converted_arg_2,
            converted_arg_3,
            converted_arg_4,
            converted_arg_5,
            &converted_arg_6,
            converted_arg_7,
            &converted_arg_8,
            converted_arg_9,
            converted_arg_10,
            &converted_arg_11,
            converted_arg_12,
        );
        let (result_ptr, result_count) = ::marine_rs_sdk::internal::release_record_ptrs(
            (&result).iter().map(|__m_r| __m_r.__m_generated_serialize() as usize as u32),
        );
        ::marine_rs_sdk::internal::set_result_ptr(result_ptr);
        ::marine_rs_sdk::internal::set_result_size(result_count);
        ::marine_rs_sdk::internal::add_object_to_release(::std::boxed::Box::new(result));
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__all_types")]
pub static __m_generated_static_global_all_types: [u8; 851usize] = *b"{\"ast_type\":\"Function\",\"signature\":{\"name\":\"all_types\",\"arguments\":[{\"name\":\"flag\",\"ty\":{\"Boolean\":\"ByValue\"}},{\"name\":\"small\",\"ty\":{\"I8\":\"ByValue\"}},{\"name\":\"n\",\"ty\":{\"U32\":\"ByValue\"}},{\"name\":\"big\",\"ty\":{\"I64\":\"ByValue\"}},{\"name\":\"ratio\",\"ty\":{\"F64\":\"ByValue\"}},{\"name\":\"name\",\"ty\":{\"Utf8String\":\"ByValue\"}},{\"name\":\"s\",\"ty\":{\"Utf8Str\":\"ByRef\"}},{\"name\":\"bytes\",\"ty\":{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"words\",\"ty\":{\"Vector\":[{\"Utf8String\":\"ByValue\"},\"ByRef\"]}},{\"name\":\"bools\",\"ty\":{\"Vector\":[{\"Boolean\":\"ByValue\"},\"ByValue\"]}},{\"name\":\"nested\",\"ty\":{\"Vector\":[{\"Vector\":[{\"Vector\":[{\"U8\":\"ByValue\"},\"ByValue\"]},\"ByValue\"]},\"ByValue\"]}},{\"name\":\"rec\",\"ty\":{\"Record\":[\"Point\",\"ByRef\"]}},{\"name\":\"recs\",\"ty\":{\"Vector\":[{\"Record\":[\"Point\",\"ByValue\"]},\"ByValue\"]}}],\"output_types\":[{\"Vector\":[{\"Record\":[\"Point\",\"ByValue\"]},\"ByValue\"]}]}}";
pub fn scalar_result(x: u8) -> bool {
    x > 0
}
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "scalar_result")]
#[doc(hidden)]
#[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
pub unsafe extern "C" fn __m_generated_wrapper_func_scalar_result(arg_0: u8) -> i32 {
    unsafe {
        let converted_arg_0 = arg_0;
        let result = scalar_result(converted_arg_0);
        return result as i32;
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__scalar_result")]
pub static __m_generated_static_global_scalar_result: [u8; 148usize] = *b"{\"ast_type\":\"Function\",\"signature\":{\"name\":\"scalar_result\",\"arguments\":[{\"name\":\"x\",\"ty\":{\"U8\":\"ByValue\"}}],\"output_types\":[{\"Boolean\":\"ByValue\"}]}}";
pub fn by_ref_result<'a>(s: &'a String, m: &mut String) -> &'a String {
    s
}
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "by_ref_result")]
#[doc(hidden)]
#[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
pub unsafe extern "C" fn __m_generated_wrapper_func_by_ref_result(
    arg_0: u32,
    arg_1: u32,
    arg_2: u32,
    arg_3: u32,
) {
    unsafe {
        let converted_arg_0 = ::marine_rs_sdk::internal::string_from_raw(arg_0, arg_1);
        let mut converted_arg_1 = ::marine_rs_sdk::internal::string_from_raw(
            arg_2,
            arg_3,
        );
        let result = by_ref_result(&converted_arg_0, &mut converted_arg_1);
        ::marine_rs_sdk::internal::set_result_ptr(result.as_ptr() as usize as u32);
        ::marine_rs_sdk::internal::set_result_size(result.len() as u32);
        ::marine_rs_sdk::internal::add_object_to_release(
            ::std::boxed::Box::new(converted_arg_0),
        );
        ::marine_rs_sdk::internal::add_object_to_release(
            ::std::boxed::Box::new(converted_arg_1),
        );
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__by_ref_result")]
pub static __m_generated_static_global_by_ref_result: [u8; 199usize] = *b"{\"ast_type\":\"Function\",\"signature\":{\"name\":\"by_ref_result\",\"arguments\":[{\"name\":\"s\",\"ty\":{\"Utf8String\":\"ByRef\"}},{\"name\":\"m\",\"ty\":{\"Utf8String\":\"ByMutRef\"}}],\"output_types\":[{\"Utf8String\":\"ByRef\"}]}}";
pub fn no_result() {}
#[cfg(target_arch = "wasm32")]
#[unsafe(export_name = "no_result")]
#[doc(hidden)]
#[allow(clippy::all, non_snake_case, unused_unsafe, unused_mut, unreachable_code)]
pub unsafe extern "C" fn __m_generated_wrapper_func_no_result() {
    unsafe {
        let result = no_result();
    }
}
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
#[used]
#[allow(non_upper_case_globals, dead_code)]
#[unsafe(link_section = "__m_generated_section__no_result")]
pub static __m_generated_static_global_no_result: [u8; 89usize] = *b"{\"ast_type\":\"Function\",\"signature\":{\"name\":\"no_result\",\"arguments\":[],\"output_types\":[]}}";
