//! The seed's records example, effector side: serves records to other modules.
use marine_rs_sdk::marine;

pub fn main() {}

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

/// Summarizes a record: field_0 + nested field_0 + string length + byte count.
#[marine]
pub fn test_record_ref(test_record: &TestRecord1) -> TestRecord0 {
    TestRecord0 {
        field_0: test_record.field_0
            + test_record.test_record_0.field_0
            + test_record.field_1.len() as i32
            + test_record.field_2.len() as i32,
    }
}

/// Returns the records reversed, each with `field_1` upper-cased, `field_2` reversed and the
/// nested record's field incremented.
#[marine]
pub fn test_record_array(test_record: &Vec<TestRecord1>) -> Vec<TestRecord1> {
    test_record
        .iter()
        .rev()
        .map(|r| TestRecord1 {
            field_0: r.field_0,
            field_1: r.field_1.to_uppercase(),
            field_2: r.field_2.iter().rev().copied().collect(),
            test_record_0: TestRecord0 {
                field_0: r.test_record_0.field_0 + 1,
            },
        })
        .collect()
}
