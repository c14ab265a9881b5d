//! JSON ⇄ [`IValue`] conversion for `call_with_json`, the REPL and the CLI.
//!
//! Arguments follow the official runtime's rules (reference §B.7) without its quirk of unwrapping
//! one-element arrays where a scalar is expected:
//! - a JSON array gives the arguments by position, an object gives them by name;
//! - `null`, `[]` and `{}` call a function that takes no arguments;
//! - any other value is the single argument of a one-argument function. For such a function an
//!   array or object that does not fit as a positional/named argument list is also tried as the
//!   argument itself, so `["a", "b"]` calls `f(v: Vec<String>)`.
//!
//! Results come back with record fields in declaration order.

use serde_json::{Map, Number, Value};

use crate::types::VariantKind;
use crate::types::{FunctionSignature, IEnumType, IRecordField, IRecordType, IType, IValue};

/// Why JSON could not be turned into arguments of a function.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonArgsError {
    /// The number of arguments differs from the function's arity.
    #[error(
        "function `{function}` takes {expected} argument(s) {signature}, but {given} were given"
    )]
    Arity {
        /// The function called.
        function: String,
        /// Its argument list, as text.
        signature: String,
        /// How many arguments it takes.
        expected: usize,
        /// How many were given.
        given: usize,
    },
    /// An argument named in the signature is absent from a JSON object.
    #[error("function `{function}`: missing argument `{argument}`")]
    MissingArgument {
        /// The function called.
        function: String,
        /// The argument missing from the object.
        argument: String,
    },
    /// A JSON object names an argument the function does not have.
    #[error("function `{function}` has no argument `{argument}` (it takes {signature})")]
    UnknownArgument {
        /// The function called.
        function: String,
        /// The name the object gave that the function does not have.
        argument: String,
        /// Its argument list, as text.
        signature: String,
    },
    /// A value does not fit the declared type.
    #[error("function `{function}`, argument `{path}`: expected {expected}, got {given}")]
    Type {
        /// The function called.
        function: String,
        /// The argument name followed by the field/index path inside it.
        path: String,
        /// The declared type, as text.
        expected: String,
        /// What the JSON held instead.
        given: String,
    },
    /// The arguments are not JSON text (with the parser's line and column).
    #[error("function `{function}`: the arguments are not valid JSON: {message}")]
    Syntax {
        /// The function called.
        function: String,
        /// The parser's message.
        message: String,
    },
}

/// Why a value could not be converted to the expected type: path inside the value, expected, given.
#[derive(Debug)]
pub(crate) struct ValueMismatch {
    pub(crate) path: String,
    pub(crate) expected: String,
    pub(crate) given: String,
}

/// Converts JSON arguments into the `IValue`s of `signature`'s arguments.
pub fn json_to_ivalues(
    args: &Value,
    signature: &FunctionSignature,
) -> Result<Vec<IValue>, JsonArgsError> {
    let arity = signature.arguments.len();
    let attempt = match args {
        Value::Null if arity == 0 => return Ok(Vec::new()),
        Value::Array(items) if items.is_empty() && arity == 0 => return Ok(Vec::new()),
        Value::Object(map) if map.is_empty() && arity == 0 => return Ok(Vec::new()),
        Value::Array(items) => positional(items, signature),
        Value::Object(map) => named(map, signature),
        Value::Null => Err(arity_error(signature, 0)),
        bare => return single(bare, signature, 1),
    };
    match attempt {
        Ok(values) => Ok(values),
        // A one-argument function may take the whole array/object as its argument.
        Err(first) if arity == 1 => single(args, signature, 1).map_err(|_| first),
        Err(e) => Err(e),
    }
}

fn single(
    value: &Value,
    signature: &FunctionSignature,
    given: usize,
) -> Result<Vec<IValue>, JsonArgsError> {
    if signature.arguments.len() != 1 {
        return Err(arity_error(signature, given));
    }
    let arg = &signature.arguments[0];
    Ok(vec![argument(value, &arg.name, &arg.ty, signature)?])
}

fn positional(
    items: &[Value],
    signature: &FunctionSignature,
) -> Result<Vec<IValue>, JsonArgsError> {
    if items.len() != signature.arguments.len() {
        return Err(arity_error(signature, items.len()));
    }
    items
        .iter()
        .zip(&signature.arguments)
        .map(|(value, arg)| argument(value, &arg.name, &arg.ty, signature))
        .collect()
}

fn named(
    map: &Map<String, Value>,
    signature: &FunctionSignature,
) -> Result<Vec<IValue>, JsonArgsError> {
    if let Some(unknown) = map
        .keys()
        .find(|key| !signature.arguments.iter().any(|arg| &arg.name == *key))
    {
        return Err(JsonArgsError::UnknownArgument {
            function: signature.name.clone(),
            argument: unknown.clone(),
            signature: signature_text(signature),
        });
    }
    signature
        .arguments
        .iter()
        .map(|arg| {
            let value = map
                .get(&arg.name)
                .ok_or_else(|| JsonArgsError::MissingArgument {
                    function: signature.name.clone(),
                    argument: arg.name.clone(),
                })?;
            argument(value, &arg.name, &arg.ty, signature)
        })
        .collect()
}

fn argument(
    value: &Value,
    name: &str,
    ty: &IType,
    signature: &FunctionSignature,
) -> Result<IValue, JsonArgsError> {
    json_to_ivalue(value, ty).map_err(|m| JsonArgsError::Type {
        function: signature.name.clone(),
        path: format!("{name}{}", m.path),
        expected: m.expected,
        given: m.given,
    })
}

/// Converts the JSON value a host function returned into the result of `signature` (of type
/// `ty`); a mismatch is reported as [`JsonArgsError::Type`] at path `result`.
pub fn json_to_result(
    value: &Value,
    ty: &IType,
    signature: &FunctionSignature,
) -> Result<IValue, JsonArgsError> {
    argument(value, "result", ty, signature)
}

fn arity_error(signature: &FunctionSignature, given: usize) -> JsonArgsError {
    JsonArgsError::Arity {
        function: signature.name.clone(),
        signature: signature_text(signature),
        expected: signature.arguments.len(),
        given,
    }
}

pub(crate) fn signature_text(signature: &FunctionSignature) -> String {
    let args: Vec<String> = signature
        .arguments
        .iter()
        .map(|a| format!("{}: {}", a.name, a.ty))
        .collect();
    format!("({})", args.join(", "))
}

/// Converts one JSON value into an `IValue` of type `ty`.
pub(crate) fn json_to_ivalue(value: &Value, ty: &IType) -> Result<IValue, ValueMismatch> {
    let mismatch = || ValueMismatch {
        path: String::new(),
        expected: ty.to_string(),
        given: describe(value),
    };
    macro_rules! int {
        ($variant:ident, $t:ty) => {{
            let n = value.as_number().ok_or_else(mismatch)?;
            let v = n
                .as_i64()
                .and_then(|v| <$t>::try_from(v).ok())
                .or_else(|| n.as_u64().and_then(|v| <$t>::try_from(v).ok()))
                .ok_or_else(mismatch)?;
            IValue::$variant(v)
        }};
    }
    Ok(match ty {
        IType::Boolean => IValue::Boolean(value.as_bool().ok_or_else(mismatch)?),
        IType::S8 => int!(S8, i8),
        IType::S16 => int!(S16, i16),
        IType::S32 => int!(S32, i32),
        IType::S64 => int!(S64, i64),
        IType::U8 => int!(U8, u8),
        IType::U16 => int!(U16, u16),
        IType::U32 => int!(U32, u32),
        IType::U64 => int!(U64, u64),
        IType::F32 => {
            let v = json_float(value).ok_or_else(mismatch)?;
            // A finite number beyond f32's range is rejected like an out-of-range integer
            // (`as` would silently make it infinite).
            if v.is_finite() && v.abs() > f64::from(f32::MAX) {
                return Err(mismatch());
            }
            IValue::F32(v as f32)
        }
        IType::F64 => IValue::F64(json_float(value).ok_or_else(mismatch)?),
        IType::String => IValue::String(value.as_str().ok_or_else(mismatch)?.to_owned()),
        IType::ByteArray => {
            let items = value.as_array().ok_or_else(mismatch)?;
            let mut bytes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match json_to_ivalue(item, &IType::U8) {
                    Ok(IValue::U8(b)) => bytes.push(b),
                    _ => return Err(nested(format!("[{i}]"), &IType::U8, item)),
                }
            }
            IValue::ByteArray(bytes)
        }
        IType::Array(elem) => {
            let items = value.as_array().ok_or_else(mismatch)?;
            let values = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    json_to_ivalue(item, elem).map_err(|m| prefixed(format!("[{i}]"), m))
                })
                .collect::<Result<_, _>>()?;
            IValue::Array(values)
        }
        IType::Record(record) => record_from_json(value, record).map_err(|m| {
            if m.path.is_empty() {
                mismatch()
            } else {
                m
            }
        })?,
        IType::Option(inner) => option_from_json(value, inner)?,
        IType::Result(ok, err) => result_from_json(value, ok, err).map_err(|m| {
            if m.path.is_empty() {
                mismatch()
            } else {
                m
            }
        })?,
        IType::Tuple(items) => {
            tuple_from_json(value, items).map_err(
                |m| {
                    if m.path.is_empty() {
                        mismatch()
                    } else {
                        m
                    }
                },
            )?
        }
        IType::Enum(e) => enum_from_json(value, e)?,
    })
}

/// `Option<T>` as serde writes it: `null` is `None`, anything else the `Some` value (so
/// `Some(None)` of an `Option<Option<T>>` reads back as `None`, as in serde).
fn option_from_json(value: &Value, inner: &IType) -> Result<IValue, ValueMismatch> {
    match value {
        Value::Null => Ok(IValue::Option(None)),
        other => Ok(IValue::Option(Some(Box::new(json_to_ivalue(
            other, inner,
        )?)))),
    }
}

/// `Result<T, E>` as serde writes it: `{"Ok": v}` or `{"Err": e}`.
fn result_from_json(value: &Value, ok: &IType, err: &IType) -> Result<IValue, ValueMismatch> {
    let Value::Object(map) = value else {
        return Err(ValueMismatch {
            path: String::new(),
            expected: String::new(),
            given: describe(value),
        });
    };
    match (map.len(), map.get("Ok"), map.get("Err")) {
        (1, Some(v), None) => json_to_ivalue(v, ok)
            .map(|v| IValue::Result(Ok(Box::new(v))))
            .map_err(|m| prefixed(".Ok".into(), m)),
        (1, None, Some(e)) => json_to_ivalue(e, err)
            .map(|e| IValue::Result(Err(Box::new(e))))
            .map_err(|m| prefixed(".Err".into(), m)),
        _ => Err(ValueMismatch {
            path: String::new(),
            expected: format!("{{\"Ok\": {ok}}} or {{\"Err\": {err}}}"),
            given: describe(value),
        }),
    }
}

/// A tuple as serde writes it: an array of exactly its elements (`null` or `[]` for `()`).
fn tuple_from_json(value: &Value, items: &[IType]) -> Result<IValue, ValueMismatch> {
    match value {
        Value::Null if items.is_empty() => Ok(IValue::Tuple(Vec::new())),
        Value::Array(values) if values.len() == items.len() => values
            .iter()
            .zip(items)
            .enumerate()
            .map(|(i, (v, ty))| json_to_ivalue(v, ty).map_err(|m| prefixed(format!(".{i}"), m)))
            .collect::<Result<_, _>>()
            .map(IValue::Tuple),
        other => Err(ValueMismatch {
            path: String::new(),
            expected: String::new(),
            given: describe(other),
        }),
    }
}

/// An enum value as serde writes it (externally tagged): `"Unit"`, `{"Newtype": v}`,
/// `{"Tuple": [a, b]}`, `{"Struct": {"x": a}}`; `{"Unit": null}` is accepted too.
fn enum_from_json(value: &Value, e: &IEnumType) -> Result<IValue, ValueMismatch> {
    let names = || {
        e.variants
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let wrong = |given: &Value| ValueMismatch {
        path: String::new(),
        expected: format!("enum {} ({})", e.name, names()),
        given: describe(given),
    };
    let (name, payload) = match value {
        Value::String(name) => (name.as_str(), None),
        Value::Object(map) if map.len() == 1 => {
            let (name, payload) = map.iter().next().expect("one entry");
            (name.as_str(), Some(payload))
        }
        other => return Err(wrong(other)),
    };
    let Some((index, variant)) = e.variants.iter().enumerate().find(|(_, v)| v.name == name) else {
        return Err(wrong(value));
    };
    let path = format!(".{name}");
    let fields = match (variant.kind, payload) {
        (VariantKind::Unit, None | Some(Value::Null)) => Vec::new(),
        (VariantKind::Tuple, Some(v)) if variant.fields.len() == 1 => {
            vec![json_to_ivalue(v, &variant.fields[0].ty).map_err(|m| prefixed(path, m))?]
        }
        (VariantKind::Tuple, Some(Value::Array(items))) if items.len() == variant.fields.len() => {
            items
                .iter()
                .zip(&variant.fields)
                .map(|(v, f)| {
                    json_to_ivalue(v, &f.ty).map_err(|m| prefixed(format!("{path}.{}", f.name), m))
                })
                .collect::<Result<_, _>>()?
        }
        (VariantKind::Struct, Some(v)) => {
            match fields_from_json(v, &format!("variant {name}"), &variant.fields) {
                Ok(IValue::Record(fields)) => fields,
                Ok(_) => unreachable!("fields_from_json gives a record"),
                Err(m) => return Err(prefixed(path, m)),
            }
        }
        (_, given) => {
            return Err(ValueMismatch {
                path,
                expected: format!("the payload of {}::{name}", e.name),
                given: given.map(describe).unwrap_or_else(|| "nothing".into()),
            })
        }
    };
    Ok(IValue::Variant {
        index: index as u32,
        fields,
    })
}

fn record_from_json(value: &Value, record: &IRecordType) -> Result<IValue, ValueMismatch> {
    fields_from_json(value, &format!("record {}", record.name), &record.fields)
}

/// Named fields (a record's or a struct variant's) from an object, or from an array of all of
/// them in order.
fn fields_from_json(
    value: &Value,
    what: &str,
    record_fields: &[IRecordField],
) -> Result<IValue, ValueMismatch> {
    let expected = || format!("{what} {{ {} }}", field_list(record_fields));
    match value {
        Value::Object(map) => {
            if let Some(extra) = map
                .keys()
                .find(|key| !record_fields.iter().any(|f| &f.name == *key))
            {
                return Err(ValueMismatch {
                    path: format!(".{extra}"),
                    expected: format!("no such field in {}", expected()),
                    given: describe(&map[extra]),
                });
            }
            let fields = record_fields
                .iter()
                .map(|field| {
                    let item = map.get(&field.name).ok_or_else(|| ValueMismatch {
                        path: format!(".{}", field.name),
                        expected: field.ty.to_string(),
                        given: "nothing (field missing)".into(),
                    })?;
                    json_to_ivalue(item, &field.ty)
                        .map_err(|m| prefixed(format!(".{}", field.name), m))
                })
                .collect::<Result<_, _>>()?;
            Ok(IValue::Record(fields))
        }
        Value::Array(items) if items.len() == record_fields.len() => {
            let fields = items
                .iter()
                .zip(record_fields)
                .map(|(item, field)| {
                    json_to_ivalue(item, &field.ty)
                        .map_err(|m| prefixed(format!(".{}", field.name), m))
                })
                .collect::<Result<_, _>>()?;
            Ok(IValue::Record(fields))
        }
        other => Err(ValueMismatch {
            path: String::new(),
            expected: expected(),
            given: describe(other),
        }),
    }
}

fn field_list(fields: &[IRecordField]) -> String {
    fields
        .iter()
        .map(|f| format!("{}: {}", f.name, f.ty))
        .collect::<Vec<_>>()
        .join(", ")
}

fn nested(path: String, ty: &IType, value: &Value) -> ValueMismatch {
    ValueMismatch {
        path,
        expected: ty.to_string(),
        given: describe(value),
    }
}

fn prefixed(prefix: String, mut m: ValueMismatch) -> ValueMismatch {
    m.path = format!("{prefix}{}", m.path);
    m
}

/// A short description of a JSON value for error messages: its kind and a truncated rendering.
fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let mut text = value.to_string();
    if text.len() > 40 {
        let cut = (0..=40)
            .rev()
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(0);
        text.truncate(cut);
        text.push('…');
    }
    format!("{kind} {text}")
}

/// Converts results to JSON: no output gives `null`, one output gives that value.
///
/// Records become objects with fields in declaration order, byte arrays arrays of numbers. A
/// non-finite float (NaN, ±∞) has no JSON number form and becomes the string `"NaN"`,
/// `"Infinity"` or `"-Infinity"` (JavaScript's spellings), which arguments accept back.
pub fn ivalues_to_json(values: &[IValue], output_types: &[IType]) -> Value {
    match values {
        [] => Value::Null,
        [single] => ivalue_to_json(single, output_types.first()),
        many => Value::Array(
            many.iter()
                .enumerate()
                .map(|(i, v)| ivalue_to_json(v, output_types.get(i)))
                .collect(),
        ),
    }
}

/// Converts one value to JSON; `ty` supplies record field names (positional arrays without it).
pub fn ivalue_to_json(value: &IValue, ty: Option<&IType>) -> Value {
    match value {
        IValue::Boolean(v) => Value::Bool(*v),
        IValue::S8(v) => Value::from(*v),
        IValue::S16(v) => Value::from(*v),
        IValue::S32(v) => Value::from(*v),
        IValue::S64(v) => Value::from(*v),
        IValue::U8(v) => Value::from(*v),
        IValue::U16(v) => Value::from(*v),
        IValue::U32(v) => Value::from(*v),
        IValue::U64(v) => Value::from(*v),
        IValue::F32(v) => float(f64::from(*v)),
        IValue::F64(v) => float(*v),
        IValue::String(v) => Value::String(v.clone()),
        IValue::ByteArray(bytes) => Value::Array(bytes.iter().map(|b| Value::from(*b)).collect()),
        IValue::Array(items) => {
            let elem = match ty {
                Some(IType::Array(elem)) => Some(elem.as_ref()),
                _ => None,
            };
            Value::Array(
                items
                    .iter()
                    .map(|item| ivalue_to_json(item, elem))
                    .collect(),
            )
        }
        IValue::Record(fields) => match ty {
            Some(IType::Record(record)) if record.fields.len() == fields.len() => Value::Object(
                record
                    .fields
                    .iter()
                    .zip(fields)
                    .map(|(f, v)| (f.name.clone(), ivalue_to_json(v, Some(&f.ty))))
                    .collect(),
            ),
            _ => Value::Array(fields.iter().map(|v| ivalue_to_json(v, None)).collect()),
        },
        IValue::Option(None) => Value::Null,
        IValue::Option(Some(v)) => {
            let inner = match ty {
                Some(IType::Option(inner)) => Some(inner.as_ref()),
                _ => None,
            };
            ivalue_to_json(v, inner)
        }
        IValue::Result(r) => {
            let (ok, err) = match ty {
                Some(IType::Result(ok, err)) => (Some(ok.as_ref()), Some(err.as_ref())),
                _ => (None, None),
            };
            let mut map = Map::with_capacity(1);
            match r {
                Ok(v) => map.insert("Ok".into(), ivalue_to_json(v, ok)),
                Err(e) => map.insert("Err".into(), ivalue_to_json(e, err)),
            };
            Value::Object(map)
        }
        IValue::Tuple(items) if items.is_empty() => Value::Null,
        IValue::Tuple(items) => {
            let types = match ty {
                Some(IType::Tuple(types)) if types.len() == items.len() => Some(types),
                _ => None,
            };
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| ivalue_to_json(v, types.map(|t| &t[i])))
                    .collect(),
            )
        }
        IValue::Variant { index, fields } => variant_to_json(*index, fields, ty),
    }
}

/// An enum value as serde writes it; without its type, `{"<index>": [fields]}`.
fn variant_to_json(index: u32, fields: &[IValue], ty: Option<&IType>) -> Value {
    let variant = match ty {
        Some(IType::Enum(e)) => e
            .variants
            .get(index as usize)
            .filter(|v| v.fields.len() == fields.len()),
        _ => None,
    };
    let Some(variant) = variant else {
        let mut map = Map::with_capacity(1);
        map.insert(
            index.to_string(),
            Value::Array(fields.iter().map(|v| ivalue_to_json(v, None)).collect()),
        );
        return Value::Object(map);
    };
    let payload = match variant.kind {
        VariantKind::Unit => return Value::String(variant.name.clone()),
        VariantKind::Tuple if fields.len() == 1 => {
            ivalue_to_json(&fields[0], Some(&variant.fields[0].ty))
        }
        VariantKind::Tuple => Value::Array(
            variant
                .fields
                .iter()
                .zip(fields)
                .map(|(f, v)| ivalue_to_json(v, Some(&f.ty)))
                .collect(),
        ),
        VariantKind::Struct => Value::Object(
            variant
                .fields
                .iter()
                .zip(fields)
                .map(|(f, v)| (f.name.clone(), ivalue_to_json(v, Some(&f.ty))))
                .collect(),
        ),
    };
    let mut map = Map::with_capacity(1);
    map.insert(variant.name.clone(), payload);
    Value::Object(map)
}

fn float(v: f64) -> Value {
    match Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::String("NaN".into()),
        None if v > 0.0 => Value::String("Infinity".into()),
        None => Value::String("-Infinity".into()),
    }
}

/// A float argument: a JSON number, or one of the strings [`float`] writes for non-finite
/// values.
fn json_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordField};
    use serde_json::json;
    use std::sync::Arc;

    fn sig(args: &[(&str, IType)]) -> FunctionSignature {
        FunctionSignature {
            name: "f".into(),
            arguments: args
                .iter()
                .map(|(n, t)| IFunctionArg {
                    name: (*n).into(),
                    ty: t.clone(),
                })
                .collect(),
            outputs: vec![],
        }
    }

    fn point() -> IType {
        IType::Record(Arc::new(IRecordType {
            name: "Point".into(),
            fields: vec![
                IRecordField {
                    name: "y".into(),
                    ty: IType::S32,
                },
                IRecordField {
                    name: "x".into(),
                    ty: IType::U64,
                },
            ],
        }))
    }

    #[test]
    fn no_argument_forms() {
        let s = sig(&[]);
        for v in [json!(null), json!([]), json!({})] {
            assert_eq!(json_to_ivalues(&v, &s).unwrap(), vec![]);
        }
        let err = json_to_ivalues(&json!([1]), &s).unwrap_err();
        assert!(matches!(
            err,
            JsonArgsError::Arity {
                expected: 0,
                given: 1,
                ..
            }
        ));
    }

    #[test]
    fn positional_named_and_bare() {
        let s = sig(&[("name", IType::String)]);
        let expected = vec![IValue::String("Fluence".into())];
        assert_eq!(json_to_ivalues(&json!(["Fluence"]), &s).unwrap(), expected);
        assert_eq!(
            json_to_ivalues(&json!({"name": "Fluence"}), &s).unwrap(),
            expected
        );
        assert_eq!(json_to_ivalues(&json!("Fluence"), &s).unwrap(), expected);
        let err = json_to_ivalues(&json!(null), &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f` takes 1 argument(s) (name: string), but 0 were given"
        );
    }

    #[test]
    fn no_one_element_array_quirk_inside_values() {
        let s = sig(&[("name", IType::String)]);
        let err = json_to_ivalues(&json!([["x"]]), &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f`, argument `name`: expected string, got array [\"x\"]"
        );
    }

    #[test]
    fn one_vector_argument_takes_the_whole_array() {
        let s = sig(&[("v", IType::Array(Box::new(IType::String)))]);
        let expected = vec![IValue::Array(vec![
            IValue::String("a".into()),
            IValue::String("b".into()),
        ])];
        assert_eq!(json_to_ivalues(&json!(["a", "b"]), &s).unwrap(), expected);
        assert_eq!(json_to_ivalues(&json!([["a", "b"]]), &s).unwrap(), expected);
    }

    #[test]
    fn non_finite_and_out_of_range_floats() {
        let one = |ty: IType, v: Value| json_to_ivalue(&v, &ty);
        assert!(
            one(IType::F32, json!(1e39)).is_err(),
            "beyond f32 is rejected"
        );
        assert_eq!(one(IType::F32, json!(3.5)).unwrap(), IValue::F32(3.5));
        assert_eq!(
            one(IType::F64, json!("-Infinity")).unwrap(),
            IValue::F64(f64::NEG_INFINITY)
        );
        match one(IType::F32, json!("NaN")).unwrap() {
            IValue::F32(v) => assert!(v.is_nan()),
            other => panic!("{other:?}"),
        }
        assert!(one(IType::F64, json!("nan")).is_err());
        for (v, text) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(ivalue_to_json(&IValue::F64(v), None), json!(text));
            assert_eq!(ivalue_to_json(&IValue::F32(v as f32), None), json!(text));
        }
    }

    #[test]
    fn integer_ranges_are_checked() {
        let s = sig(&[("a", IType::U8), ("b", IType::U64), ("c", IType::S64)]);
        let ok = json_to_ivalues(&json!([255, u64::MAX, i64::MIN]), &s).unwrap();
        assert_eq!(
            ok,
            vec![
                IValue::U8(255),
                IValue::U64(u64::MAX),
                IValue::S64(i64::MIN)
            ]
        );
        let err = json_to_ivalues(&json!([256, 0, 0]), &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f`, argument `a`: expected u8, got number 256"
        );
        let err = json_to_ivalues(&json!([1, -1, 0]), &s).unwrap_err();
        assert!(err
            .to_string()
            .contains("argument `b`: expected u64, got number -1"));
    }

    #[test]
    fn records_by_name_or_position_with_paths_in_errors() {
        let s = sig(&[("p", point()), ("n", IType::Boolean)]);
        let expected = vec![
            IValue::Record(vec![IValue::S32(-1), IValue::U64(2)]),
            IValue::Boolean(true),
        ];
        assert_eq!(
            json_to_ivalues(&json!([{"x": 2, "y": -1}, true]), &s).unwrap(),
            expected
        );
        assert_eq!(
            json_to_ivalues(&json!([[-1, 2], true]), &s).unwrap(),
            expected
        );
        assert_eq!(
            json_to_ivalues(&json!({"n": true, "p": {"y": -1, "x": 2}}), &s).unwrap(),
            expected
        );
        let err = json_to_ivalues(&json!([{"x": "2", "y": -1}, true]), &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f`, argument `p.x`: expected u64, got string \"2\""
        );
        let err = json_to_ivalues(&json!([{"x": 2, "y": -1, "z": 0}, true]), &s).unwrap_err();
        assert!(err
            .to_string()
            .contains("argument `p.z`: expected no such field"));
        let err = json_to_ivalues(&json!({"p": [-1, 2]}), &s).unwrap_err();
        assert_eq!(err.to_string(), "function `f`: missing argument `n`");
        let err = json_to_ivalues(&json!({"p": [-1, 2], "n": true, "q": 1}), &s).unwrap_err();
        assert!(matches!(err, JsonArgsError::UnknownArgument { argument, .. } if argument == "q"));
    }

    #[test]
    fn nested_array_errors_carry_indices() {
        let s = sig(&[
            ("v", IType::Array(Box::new(IType::ByteArray))),
            ("w", IType::U8),
        ]);
        let err = json_to_ivalues(&json!([[[1, 2], [3, 300]], 1]), &s).unwrap_err();
        assert_eq!(
            err.to_string(),
            "function `f`, argument `v[1][1]`: expected u8, got number 300"
        );
    }

    #[test]
    fn results_keep_record_field_order() {
        let value = IValue::Record(vec![IValue::S32(-1), IValue::U64(u64::MAX)]);
        let json = ivalues_to_json(&[value], &[point()]);
        assert_eq!(json.to_string(), format!("{{\"y\":-1,\"x\":{}}}", u64::MAX));
        assert_eq!(ivalues_to_json(&[], &[]), Value::Null);
        assert_eq!(ivalue_to_json(&IValue::F64(f64::NAN), None), json!("NaN"));
        assert_eq!(
            ivalue_to_json(&IValue::ByteArray(vec![1, 2]), None),
            json!([1, 2])
        );
    }
}
