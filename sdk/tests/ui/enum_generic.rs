use marine_rs_sdk::marine;

#[marine]
pub enum E<T> {
    A(T),
}

fn main() {}
