//! Floats in every position (arguments, results, vectors, nested vectors, records, vectors
//! of records), and their bit patterns as integers, so a test can check each direction on
//! its own: what the module received (`*_bits`) and what it returned (`*_from_bits`).
use marine_rs_sdk::marine;

pub fn main() {}

/// A record with float fields, a float vector and nothing else.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct FloatPair {
    pub single: f32,
    pub double: f64,
    pub doubles: Vec<f64>,
}

/// Floats one record deep and inside a vector of records.
#[marine]
#[derive(Clone, Debug, Default)]
pub struct Floats {
    pub pair: FloatPair,
    pub pairs: Vec<FloatPair>,
    pub grid: Vec<Vec<f32>>,
}

#[marine]
pub fn echo_f32(v: f32) -> f32 {
    v
}

#[marine]
pub fn echo_f64(v: f64) -> f64 {
    v
}

#[marine]
pub fn f32_bits(v: f32) -> u32 {
    v.to_bits()
}

#[marine]
pub fn f64_bits(v: f64) -> u64 {
    v.to_bits()
}

#[marine]
pub fn f32_from_bits(bits: u32) -> f32 {
    f32::from_bits(bits)
}

#[marine]
pub fn f64_from_bits(bits: u64) -> f64 {
    f64::from_bits(bits)
}

#[marine]
pub fn echo_f64_vec(v: Vec<f64>) -> Vec<f64> {
    v
}

#[marine]
pub fn f64_vec_bits(v: Vec<f64>) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[marine]
pub fn f64_vec_from_bits(bits: Vec<u64>) -> Vec<f64> {
    bits.into_iter().map(f64::from_bits).collect()
}

#[marine]
pub fn echo_f32_grid(v: Vec<Vec<f32>>) -> Vec<Vec<f32>> {
    v
}

#[marine]
pub fn echo_pair(p: FloatPair) -> FloatPair {
    p
}

#[marine]
pub fn echo_floats(f: Floats) -> Floats {
    f
}

/// The bits of every float in `f`, in field order (`pair`, then each of `pairs`, then
/// `grid` row by row), `f32` bits widened to `u64`.
#[marine]
pub fn floats_bits(f: Floats) -> Vec<u64> {
    let mut out = Vec::new();
    let pair_bits = |p: &FloatPair, out: &mut Vec<u64>| {
        out.push(p.single.to_bits() as u64);
        out.push(p.double.to_bits());
        out.extend(p.doubles.iter().map(|d| d.to_bits()));
    };
    pair_bits(&f.pair, &mut out);
    for p in &f.pairs {
        pair_bits(p, &mut out);
    }
    for row in &f.grid {
        out.extend(row.iter().map(|x| x.to_bits() as u64));
    }
    out
}

/// A record made in the module, holding the special values: NaN, +inf, -inf, -0.0,
/// `f32::MAX`, the smallest subnormals and `f32::MIN_POSITIVE`.
#[marine]
pub fn specials() -> Floats {
    let pair = FloatPair {
        single: f32::NAN,
        double: f64::NEG_INFINITY,
        doubles: vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            f64::from_bits(1),
        ],
    };
    Floats {
        pair: pair.clone(),
        pairs: vec![
            pair,
            FloatPair {
                single: -0.0,
                double: f64::INFINITY,
                doubles: vec![],
            },
        ],
        grid: vec![
            vec![
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN_POSITIVE,
            ],
            vec![],
            vec![f32::from_bits(1), -0.0, f32::NAN],
        ],
    }
}
