//! The JSON forms of interface values, each defined once.
//!
//! Three walks read a parsed `serde_json::Value` against an interface type:
//! [`crate::json`]'s `json_to_ivalue` (an `IValue`, or the path of the first mismatch), and in
//! [`crate::json_args`] `fits` (whether a value is taken at all) and `Recording::value` (the
//! guest's wire bytes of a value that fits). They differ in what they produce; which JSON a
//! type takes is asked here:
//! - integers: a JSON integer (not `1.0`) within the type's range ([`int`]);
//! - floats: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` ([`float`], [`non_finite`]);
//!   `f32` refuses a finite number beyond its range ([`f32_holds`]);
//! - a record (or a struct variant): an object with its fields by name and no other key, or
//!   an array of all of them in order ([`fields`]);
//! - a tuple: an array of exactly its elements, `null` too for `()` ([`tuple`]);
//! - `Option`, `Result` and enums as serde writes them ([`case_of`]): `null` or the value;
//!   `{"Ok": v}` or `{"Err": e}`; externally tagged variants (`"Unit"`, `{"Unit": null}`,
//!   `{"Newtype": v}`, `{"Tuple": [a, b]}`, `{"Struct": {..}}` or its fields as an array).
//!
//! Every function here looks at one level only (the walks recurse), borrows from the value
//! and the type, and allocates nothing.
//!
//! The streaming text path of [`crate::json_args`] (serde visitors driven by the parser) sees
//! no `Value` for strings, numbers, byte arrays, arrays and records: it meets them token by
//! token, so it shares the scalar rules ([`non_finite`], [`f32_holds`]), the texts of its
//! messages ([`fields_text`], [`truncated`]), and, for the ABI extension types, everything:
//! it reads those into a bounded tree and hands the tree to the walks above.

use serde_json::{Map, Number, Value};

use crate::types::{IEnumVariant, IRecordField, IType, VariantKind};

/// An integer of type `T` from a JSON number: only an integer (not `1.0`) within `T`'s range.
#[inline]
pub(crate) fn int<T: TryFrom<u64> + TryFrom<i64>>(n: &Number) -> Option<T> {
    match n.as_u64() {
        Some(v) => T::try_from(v).ok(),
        // A negative integer, or a float (which has no `i64` form either).
        None => n.as_i64().and_then(|v| T::try_from(v).ok()),
    }
}

/// A float from JSON: a number, or one of the strings [`non_finite_text`] writes.
#[inline]
pub(crate) fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => non_finite(s),
        _ => None,
    }
}

/// The non-finite float a string stands for: `"NaN"`, `"Infinity"` or `"-Infinity"`
/// (JavaScript's spellings; JSON has no number for them).
#[inline]
pub(crate) fn non_finite(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// The string a non-finite float is written as (read back by [`non_finite`]); `None` for a
/// finite float, which is written as a number.
#[inline]
pub(crate) fn non_finite_text(v: f64) -> Option<&'static str> {
    if v.is_finite() {
        None
    } else if v.is_nan() {
        Some("NaN")
    } else if v > 0.0 {
        Some("Infinity")
    } else {
        Some("-Infinity")
    }
}

/// A float as a JSON tree: a number, or the string of [`non_finite_text`].
#[inline]
pub(crate) fn float_to_json(v: f64) -> Value {
    match non_finite_text(v) {
        Some(text) => Value::String(text.into()),
        None => Number::from_f64(v).map_or(Value::Null, Value::Number),
    }
}

/// Whether an `f32` takes the float `v`: a finite number beyond `f32`'s range is refused
/// like an out-of-range integer (`as` would silently make it infinite).
#[inline]
pub(crate) fn f32_holds(v: f64) -> bool {
    !(v.is_finite() && v.abs() > f64::from(f32::MAX))
}

/// How the named fields of a record or struct variant are given.
#[derive(Clone, Copy)]
pub(crate) enum Fields<'v> {
    /// An object with no key other than the fields' names. A field may be missing from it:
    /// the walks report that where they meet the field.
    ByName(&'v Map<String, Value>),
    /// An array of exactly the fields, in order.
    ByPosition(&'v [Value]),
}

impl<'v> Fields<'v> {
    /// The value given for field `index` (`field`); `None` when an object lacks it.
    #[inline]
    pub(crate) fn get(self, index: usize, field: &IRecordField) -> Option<&'v Value> {
        match self {
            Fields::ByName(map) => map.get(&field.name),
            Fields::ByPosition(items) => items.get(index),
        }
    }
}

/// Why a value does not give named fields.
pub(crate) enum NotFields<'v> {
    /// An object with a key that is no field: the first such key in the object, and its
    /// value.
    UnknownKey(&'v str, &'v Value),
    /// Neither an object nor an array of as many elements as there are fields.
    Shape,
}

/// The named fields `fields` as `value` gives them (see [`Fields`]).
#[inline]
pub(crate) fn fields<'v>(
    value: &'v Value,
    fields: &[IRecordField],
) -> Result<Fields<'v>, NotFields<'v>> {
    match value {
        Value::Object(map) => {
            // The common case, the fields by name in declaration order, needs no search.
            let in_order = map.len() == fields.len()
                && map
                    .keys()
                    .zip(fields)
                    .all(|(key, field)| *key == field.name);
            if !in_order {
                if let Some((key, value)) = map
                    .iter()
                    .find(|(key, _)| !fields.iter().any(|field| field.name == **key))
                {
                    return Err(NotFields::UnknownKey(key, value));
                }
            }
            Ok(Fields::ByName(map))
        }
        Value::Array(items) if items.len() == fields.len() => Ok(Fields::ByPosition(items)),
        _ => Err(NotFields::Shape),
    }
}

/// The elements of a tuple of `len` elements: an array of exactly `len` values (`null` too
/// for `()`).
#[inline]
pub(crate) fn tuple(value: &Value, len: usize) -> Option<&[Value]> {
    match value {
        Value::Null if len == 0 => Some(&[]),
        Value::Array(items) if items.len() == len => Some(items),
        _ => None,
    }
}

/// The payload of an `Option`, `Result` or enum value.
pub(crate) enum Payload<'v, 't> {
    /// No payload (`None`, a unit variant).
    None,
    /// One value of a type (`Some`, `Ok`, `Err`, a newtype variant).
    One(&'v Value, &'t IType),
    /// The fields of a tuple variant (by position) or a struct variant.
    Fields(Fields<'v>, &'t [IRecordField]),
}

/// Why a value is no case of an `Option`, `Result` or enum type.
pub(crate) enum NotACase<'v, 't> {
    /// Not the shape of any case: for a `Result` not an object of exactly `Ok` or `Err`; for
    /// an enum neither a variant's name nor an object of one entry named after a variant.
    /// (Also for a type that is none of the three.)
    Shape,
    /// A variant named with a payload its kind does not take (`None`: no payload given).
    Payload {
        /// The variant named.
        variant: &'t IEnumVariant,
        /// The payload given.
        payload: Option<&'v Value>,
    },
    /// A struct variant whose payload does not give its fields.
    StructFields {
        /// The variant named.
        variant: &'t IEnumVariant,
        /// The payload given.
        payload: &'v Value,
        /// What is wrong with it.
        why: NotFields<'v>,
    },
}

/// The case (discriminant) and payload `value` gives for the tagged type `ty` (`Option`,
/// `Result` or enum), in the forms serde writes them. Only the payload's shape is looked at,
/// not its values.
#[inline]
pub(crate) fn case_of<'v, 't>(
    value: &'v Value,
    ty: &'t IType,
) -> Result<(u32, Payload<'v, 't>), NotACase<'v, 't>> {
    match ty {
        // `null` is `None`, anything else the `Some` value (so `Some(None)` of an
        // `Option<Option<T>>` reads back as `None`, as in serde).
        IType::Option(inner) => match value {
            Value::Null => Ok((0, Payload::None)),
            v => Ok((1, Payload::One(v, inner))),
        },
        IType::Result(ok, err) => {
            let Value::Object(map) = value else {
                return Err(NotACase::Shape);
            };
            match (map.len(), map.get("Ok"), map.get("Err")) {
                (1, Some(v), None) => Ok((0, Payload::One(v, ok))),
                (1, None, Some(e)) => Ok((1, Payload::One(e, err))),
                _ => Err(NotACase::Shape),
            }
        }
        IType::Enum(e) => {
            let (name, payload) = match value {
                Value::String(name) => (name.as_str(), None),
                Value::Object(map) if map.len() == 1 => {
                    let (name, payload) = map.iter().next().ok_or(NotACase::Shape)?;
                    (name.as_str(), Some(payload))
                }
                _ => return Err(NotACase::Shape),
            };
            let (index, variant) = e
                .variants
                .iter()
                .enumerate()
                .find(|(_, v)| v.name == name)
                .ok_or(NotACase::Shape)?;
            let index = u32::try_from(index).map_err(|_| NotACase::Shape)?;
            let fields = &variant.fields[..];
            let payload = match (variant.kind, payload) {
                (VariantKind::Unit, None | Some(Value::Null)) => Payload::None,
                (VariantKind::Tuple, Some(v)) if fields.len() == 1 => {
                    Payload::One(v, &fields[0].ty)
                }
                (VariantKind::Tuple, Some(Value::Array(items))) if items.len() == fields.len() => {
                    Payload::Fields(Fields::ByPosition(items), fields)
                }
                (VariantKind::Struct, Some(v)) => match self::fields(v, fields) {
                    Ok(given) => Payload::Fields(given, fields),
                    Err(why) => {
                        return Err(NotACase::StructFields {
                            variant,
                            payload: v,
                            why,
                        })
                    }
                },
                (_, payload) => return Err(NotACase::Payload { variant, payload }),
            };
            Ok((index, payload))
        }
        _ => Err(NotACase::Shape),
    }
}

/// Named fields as error messages show them: `what { a: T, b: U }`.
pub(crate) fn fields_text(what: &str, fields: &[IRecordField]) -> String {
    let list: Vec<String> = fields
        .iter()
        .map(|f| format!("{}: {}", f.name, f.ty))
        .collect();
    format!("{what} {{ {} }}", list.join(", "))
}

/// Error messages show at most this many bytes of a value's JSON text.
pub(crate) const PREVIEW_LEN: usize = 40;

/// `text` cut to [`PREVIEW_LEN`] bytes (at a character boundary) with `…` when longer.
pub(crate) fn truncated(mut text: String) -> String {
    if text.len() > PREVIEW_LEN {
        let cut = (0..=PREVIEW_LEN)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    text
}
