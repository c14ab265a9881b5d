//! The seed's records example, pure side: calls the effector with records by reference.
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

/// Forwards one record to the effector.
#[marine]
pub fn invoke_ref(record: TestRecord1) -> TestRecord0 {
    test_record_ref(&record)
}

/// Forwards a vector of records to the effector.
#[marine]
pub fn invoke_array(records: Vec<TestRecord1>) -> Vec<TestRecord1> {
    test_record_array(&records)
}

/// Builds `count` records, passes them through the effector twice and returns the result.
#[marine]
pub fn invoke_twice(count: u32) -> Vec<TestRecord1> {
    let records: Vec<TestRecord1> = (0..count as i32)
        .map(|i| TestRecord1 {
            field_0: i,
            field_1: format!("record {i}"),
            field_2: vec![i as u8; i as usize % 5],
            test_record_0: TestRecord0 { field_0: i * 10 },
        })
        .collect();
    let once = test_record_array(&records);
    test_record_array(&once)
}

#[marine]
#[module_import("records_passing_effector")]
extern "C" {
    pub fn test_record_ref(test_record: &TestRecord1) -> TestRecord0;

    pub fn test_record_array(test_record: &Vec<TestRecord1>) -> Vec<TestRecord1>;
}
