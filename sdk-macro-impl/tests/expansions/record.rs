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
