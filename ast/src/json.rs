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

use serde_json::{Map, Value};

use crate::json_forms::{self as forms, NotACase, NotFields};
use crate::types::VariantKind;
use crate::types::{FunctionSignature, IRecordField, IType, IValue};

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

/// Converts one JSON value into an `IValue` of type `ty` (the forms are those of
/// [`crate::json_forms`]).
pub(crate) fn json_to_ivalue(value: &Value, ty: &IType) -> Result<IValue, ValueMismatch> {
    let mismatch = || ValueMismatch {
        path: String::new(),
        expected: ty.to_string(),
        given: describe(value),
    };
    macro_rules! int {
        ($variant:ident) => {
            IValue::$variant(
                value
                    .as_number()
                    .and_then(forms::int)
                    .ok_or_else(mismatch)?,
            )
        };
    }
    Ok(match ty {
        IType::Boolean => IValue::Boolean(value.as_bool().ok_or_else(mismatch)?),
        IType::S8 => int!(S8),
        IType::S16 => int!(S16),
        IType::S32 => int!(S32),
        IType::S64 => int!(S64),
        IType::U8 => int!(U8),
        IType::U16 => int!(U16),
        IType::U32 => int!(U32),
        IType::U64 => int!(U64),
        IType::F32 => {
            let v = forms::float(value)
                .filter(|v| forms::f32_holds(*v))
                .ok_or_else(mismatch)?;
            IValue::F32(v as f32)
        }
        IType::F64 => IValue::F64(forms::float(value).ok_or_else(mismatch)?),
        IType::String => IValue::String(value.as_str().ok_or_else(mismatch)?.to_owned()),
        IType::ByteArray => {
            let items = value.as_array().ok_or_else(mismatch)?;
            let mut bytes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item.as_number().and_then(forms::int) {
                    Some(b) => bytes.push(b),
                    None => return Err(nested(format!("[{i}]"), &IType::U8, item)),
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
        IType::Record(record) => {
            let what = format!("record {}", record.name);
            match fields_from_json(value, &what, &record.fields) {
                Ok(fields) => IValue::Record(fields),
                // Not the form of a record: reported as a mismatch of the whole value.
                Err(m) if m.path.is_empty() => return Err(mismatch()),
                Err(m) => return Err(m),
            }
        }
        IType::Tuple(items) => {
            let values = forms::tuple(value, items.len()).ok_or_else(mismatch)?;
            let values = values
                .iter()
                .zip(items)
                .enumerate()
                .map(|(i, (v, ty))| json_to_ivalue(v, ty).map_err(|m| prefixed(format!(".{i}"), m)))
                .collect::<Result<_, _>>()?;
            IValue::Tuple(values)
        }
        IType::Option(_) | IType::Result(..) | IType::Enum(_) => case_from_json(value, ty)?,
    })
}

/// An `Option`, `Result` or enum value. The payload of `Some` is reported as the value
/// itself, those of `Ok` and `Err` at `.Ok` and `.Err`, a variant's at `.<variant>`.
fn case_from_json(value: &Value, ty: &IType) -> Result<IValue, ValueMismatch> {
    let (discriminant, payload) = match forms::case_of(value, ty) {
        Ok(case) => case,
        Err(not) => return Err(not_a_case(value, ty, not)),
    };
    let path = match ty {
        IType::Result(..) if discriminant == 0 => ".Ok".to_string(),
        IType::Result(..) => ".Err".to_string(),
        IType::Enum(e) => format!(".{}", e.variants[discriminant as usize].name),
        _ => String::new(),
    };
    let fields = match payload {
        forms::Payload::None => Vec::new(),
        forms::Payload::One(v, t) => vec![json_to_ivalue(v, t).map_err(|m| prefixed(path, m))?],
        forms::Payload::Fields(given, fields) => {
            field_values(given, fields).map_err(|m| prefixed(path, m))?
        }
    };
    let mut fields = fields.into_iter();
    Ok(match ty {
        IType::Option(_) => IValue::Option(fields.next().map(Box::new)),
        IType::Result(..) => {
            let v = Box::new(
                fields
                    .next()
                    .ok_or_else(|| not_a_case(value, ty, NotACase::Shape))?,
            );
            IValue::Result(if discriminant == 0 { Ok(v) } else { Err(v) })
        }
        _ => IValue::Variant {
            index: discriminant,
            fields: fields.collect(),
        },
    })
}

/// Why `value` is no case of `ty` (for `Option` and `Result`, a mismatch of the whole value:
/// `json_to_ivalue` reports it as such).
fn not_a_case(value: &Value, ty: &IType, not: NotACase<'_, '_>) -> ValueMismatch {
    let IType::Enum(e) = ty else {
        return ValueMismatch {
            path: String::new(),
            expected: ty.to_string(),
            given: describe(value),
        };
    };
    match not {
        NotACase::Shape => ValueMismatch {
            path: String::new(),
            expected: format!(
                "enum {} ({})",
                e.name,
                e.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            ),
            given: describe(value),
        },
        NotACase::Payload { variant, payload } => ValueMismatch {
            path: format!(".{}", variant.name),
            expected: format!("the payload of {}::{}", e.name, variant.name),
            given: payload.map(describe).unwrap_or_else(|| "nothing".into()),
        },
        NotACase::StructFields {
            variant,
            payload,
            why,
        } => prefixed(
            format!(".{}", variant.name),
            not_fields(
                payload,
                &format!("variant {}", variant.name),
                &variant.fields,
                why,
            ),
        ),
    }
}

/// Named fields (a record's or a struct variant's) from an object, or from an array of all of
/// them in order; `what` names them in messages.
fn fields_from_json(
    value: &Value,
    what: &str,
    record_fields: &[IRecordField],
) -> Result<Vec<IValue>, ValueMismatch> {
    match forms::fields(value, record_fields) {
        Ok(given) => field_values(given, record_fields),
        Err(why) => Err(not_fields(value, what, record_fields, why)),
    }
}

/// The values of named fields as given, each at `.<field>` in errors.
fn field_values(
    given: forms::Fields<'_>,
    record_fields: &[IRecordField],
) -> Result<Vec<IValue>, ValueMismatch> {
    record_fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let item = given.get(i, field).ok_or_else(|| ValueMismatch {
                path: format!(".{}", field.name),
                expected: field.ty.to_string(),
                given: "nothing (field missing)".into(),
            })?;
            json_to_ivalue(item, &field.ty).map_err(|m| prefixed(format!(".{}", field.name), m))
        })
        .collect()
}

/// Why `value` does not give the named fields `record_fields` (called `what`).
fn not_fields(
    value: &Value,
    what: &str,
    record_fields: &[IRecordField],
    why: NotFields<'_>,
) -> ValueMismatch {
    let expected = forms::fields_text(what, record_fields);
    match why {
        NotFields::UnknownKey(key, given) => ValueMismatch {
            path: format!(".{key}"),
            expected: format!("no such field in {expected}"),
            given: describe(given),
        },
        NotFields::Shape => ValueMismatch {
            path: String::new(),
            expected,
            given: describe(value),
        },
    }
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
    format!("{kind} {}", forms::truncated(value.to_string()))
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

/// A float as JSON: a number, or the string standing for a non-finite value.
fn float(v: f64) -> Value {
    forms::float_to_json(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{IFunctionArg, IRecordField, IRecordType};
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
