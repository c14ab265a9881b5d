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

pub fn scalar_result(x: u8) -> bool {
    x > 0
}

pub fn by_ref_result<'a>(s: &'a String, m: &mut String) -> &'a String {
    s
}

pub fn no_result() {}
