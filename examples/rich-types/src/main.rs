//! Every extension type (`Option`, `Result`, tuples, `#[marine]` enums; docs/abi-extensions.md)
//! in every position: arguments by value and by reference, results, record fields, vector
//! elements, enum payloads, nested in each other.

use marine_rs_sdk::marine;

pub fn main() {}

#[marine]
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub name: String,
    pub tags: Option<Vec<String>>,
}

#[marine]
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Empty,
    Pair(u8, String),
    Boxed { item: Item, weight: Option<f64> },
}

#[marine]
#[derive(Clone, Debug, PartialEq)]
pub struct Everything {
    pub maybe: Option<u64>,
    pub nested: Option<Option<i8>>,
    pub outcome: Result<Vec<u8>, String>,
    pub pair: (bool, Option<String>),
    pub unit: Option<()>,
    pub shapes: Vec<Shape>,
    pub options: Vec<Option<Item>>,
}

#[marine]
pub fn echo_option(v: Option<String>) -> Option<String> {
    v
}

/// The plain counterpart of `echo_option` (benchmarks compare the two).
#[marine]
pub fn echo_string(v: String) -> String {
    v
}

/// The plain counterpart of `echo_result` (benchmarks compare the two).
#[marine]
pub fn echo_item(v: Item) -> Item {
    v
}

/// A record with the wire shape of `Some(String)` without its discriminant: one block holding
/// a string. The benchmarks compare `echo_option` with `echo_text`, the plain ABI moving the
/// same blocks.
#[marine]
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
}

/// The plain ABI's form of `echo_option`'s blocks (benchmarks compare the two).
#[marine]
pub fn echo_text(v: Text) -> Text {
    v
}

/// A record with the wire shape of `Ok(item)` without its discriminant: one block pointing to
/// the item's block.
#[marine]
#[derive(Clone, Debug, PartialEq)]
pub struct ItemBox {
    pub item: Item,
}

/// The plain ABI's form of `echo_result`'s blocks (benchmarks compare the two).
#[marine]
pub fn echo_item_box(v: ItemBox) -> ItemBox {
    v
}

#[marine]
pub fn echo_nested(v: Option<Option<u64>>) -> Option<Option<u64>> {
    v
}

#[marine]
pub fn echo_result(v: Result<Item, String>) -> Result<Item, String> {
    v
}

#[marine]
pub fn echo_tuple(v: (i32, String, Vec<u8>)) -> (i32, String, Vec<u8>) {
    v
}

#[marine]
pub fn echo_shape(v: Shape) -> Shape {
    v
}

#[marine]
pub fn echo_shapes(v: Vec<Shape>) -> Vec<Shape> {
    v
}

#[marine]
pub fn echo_everything(v: Everything) -> Everything {
    v
}

#[marine]
pub fn echo_everything_ref(v: &Everything) -> Everything {
    v.clone()
}

/// By reference in, by value out; matches on the enum in the guest.
#[marine]
pub fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Empty => "empty".into(),
        Shape::Pair(n, s) => format!("pair {n} {s}"),
        Shape::Boxed { item, weight } => format!(
            "boxed {} ({} tags) weighing {:?}",
            item.name,
            item.tags.as_ref().map_or(0, Vec::len),
            weight
        ),
    }
}

/// Computes an `Option` and a `Result` in the guest (not an echo).
#[marine]
pub fn parse(text: String) -> Result<Option<u32>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|e| format!("`{text}`: {e}"))
}

#[marine]
pub fn unit_results(n: u32) -> Vec<Result<(), u32>> {
    (0..n)
        .map(|i| if i % 2 == 0 { Ok(()) } else { Err(i) })
        .collect()
}
