//! Records: the seed's `TestRecord0`/`TestRecord1` and a record with every field type.
use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, Default)]
pub struct TestRecord0 {
    pub field_0: i32,
}

/// The seed's record: a scalar, a string, bytes and a nested record.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct TestRecord1 {
    pub field_0: i32,
    pub field_1: String,
    pub field_2: Vec<u8>,
    pub test_record_0: TestRecord0,
}

/// Every scalar type, a string, a byte array, a string vector and a nested record.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct AllTypes {
    pub flag: bool,
    pub i_8: i8,
    pub i_16: i16,
    pub i_32: i32,
    pub i_64: i64,
    pub u_8: u8,
    pub u_16: u16,
    pub u_32: u32,
    pub u_64: u64,
    pub f_32: f32,
    pub f_64: f64,
    pub text: String,
    pub bytes: Vec<u8>,
    pub words: Vec<String>,
    pub nested: TestRecord1,
}

/// Private fields and nesting two levels deep.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Wrapper {
    inner: AllTypes,
    label: String,
}

#[marine]
pub fn echo_record0(r: TestRecord0) -> TestRecord0 {
    r
}

#[marine]
pub fn echo_record1(r: TestRecord1) -> TestRecord1 {
    r
}

#[marine]
pub fn echo_all(r: AllTypes) -> AllTypes {
    r
}

/// The seed's by-reference import shape, served as an export.
#[marine]
pub fn test_record_ref(test_record: &TestRecord1) -> TestRecord0 {
    TestRecord0 {
        field_0: test_record.field_0 + test_record.test_record_0.field_0,
    }
}

#[marine]
pub fn test_record_array(test_record: &Vec<TestRecord1>) -> Vec<TestRecord1> {
    let mut out = test_record.clone();
    out.reverse();
    out
}

/// Changes every field, so a test sees the guest really decoded and re-encoded them.
#[marine]
pub fn mutate(mut r: AllTypes) -> AllTypes {
    r.flag = !r.flag;
    r.i_8 = r.i_8.wrapping_add(1);
    r.i_16 = r.i_16.wrapping_add(1);
    r.i_32 = r.i_32.wrapping_add(1);
    r.i_64 = r.i_64.wrapping_add(1);
    r.u_8 = r.u_8.wrapping_add(1);
    r.u_16 = r.u_16.wrapping_add(1);
    r.u_32 = r.u_32.wrapping_add(1);
    r.u_64 = r.u_64.wrapping_add(1);
    r.f_32 *= 2.0;
    r.f_64 *= 2.0;
    r.text = r.text.to_uppercase();
    r.bytes.reverse();
    r.words.push(String::from("mutated"));
    r.nested.field_0 += 1;
    r.nested.test_record_0.field_0 -= 1;
    r
}

#[marine]
pub fn mutate_ref(r: &mut TestRecord0) -> i32 {
    r.field_0 *= 2;
    r.field_0
}

#[marine]
pub fn wrap(inner: AllTypes, label: String) -> Wrapper {
    Wrapper { inner, label }
}

#[marine]
pub fn unwrap_label(w: Wrapper) -> String {
    format!("{}:{}", w.label, w.inner.text)
}

#[marine]
pub fn records_by_ref(a: &TestRecord0, b: &TestRecord0) -> i64 {
    a.field_0 as i64 + b.field_0 as i64
}
