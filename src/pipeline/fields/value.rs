//! Typed, lenient-but-checked readers for BCP field values, and proto-JSON value helpers.
//!
//! Every reader takes the JSON path of the field (`loadBalancer.ringHash.minimumRingSize`) so a
//! type error names the field instead of panicking.

use serde_json::{Map, Value};

use crate::core::units::duration;

pub type Obj = Map<String, Value>;

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn type_err(path: &str, want: &str, got: &Value) -> String {
    format!("{path}: expected {want}, got {got}")
}

/// The value as an object (`null` counts as an empty object, like a Go nil struct pointer
/// that the caller already decided is set).
pub fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, String> {
    static EMPTY: std::sync::OnceLock<Obj> = std::sync::OnceLock::new();
    match v {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(EMPTY.get_or_init(Obj::new)),
        other => Err(type_err(path, "an object", other)),
    }
}

/// A present, non-null member.
pub fn member<'a>(m: &'a Obj, key: &str) -> Option<&'a Value> {
    crate::core::value::lookup(m, key).filter(|v| !v.is_null())
}

pub fn opt_obj<'a>(m: &'a Obj, key: &str, path: &str) -> Result<Option<&'a Obj>, String> {
    member(m, key).map(|v| obj(v, &join(path, key))).transpose()
}

pub fn opt_bool(m: &Obj, key: &str, path: &str) -> Result<Option<bool>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(type_err(&join(path, key), "a boolean", other)),
    }
}

pub fn opt_str<'a>(m: &'a Obj, key: &str, path: &str) -> Result<Option<&'a str>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(type_err(&join(path, key), "a string", other)),
    }
}

pub fn opt_str_list(m: &Obj, key: &str, path: &str) -> Result<Option<Vec<String>>, String> {
    let p = join(path, key);
    match member(m, key) {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| type_err(&p, "a list of strings", v)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(other) => Err(type_err(&p, "a list of strings", other)),
    }
}

/// An integer (also accepts an integral float such as `3.0`).
pub fn opt_i64(m: &Obj, key: &str, path: &str) -> Result<Option<i64>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(v) => as_i64(v).map(Some).ok_or_else(|| type_err(&join(path, key), "an integer", v)),
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => {
            n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18).map(|f| f as i64))
        }
        _ => None,
    }
}

/// A non-negative integer that fits a uint32 (Go `uint32(int32)` after CRD `minimum: 0`).
pub fn opt_u32(m: &Obj, key: &str, path: &str) -> Result<Option<u32>, String> {
    match opt_i64(m, key, path)? {
        None => Ok(None),
        Some(i) => {
            u32::try_from(i).map(Some).map_err(|_| format!("{}: {i} is out of range for a uint32", join(path, key)))
        }
    }
}

/// A non-negative integer that fits a uint64 wrapper.
pub fn opt_u64(m: &Obj, key: &str, path: &str) -> Result<Option<u64>, String> {
    match member(m, key) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| as_i64(v).and_then(|i| u64::try_from(i).ok()))
            .map(Some)
            .ok_or_else(|| type_err(&join(path, key), "a non-negative integer", v)),
    }
}

/// A Go duration string, as nanoseconds.
pub fn opt_duration(m: &Obj, key: &str, path: &str) -> Result<Option<i64>, String> {
    let p = join(path, key);
    match member(m, key) {
        None => Ok(None),
        Some(Value::String(s)) => duration::parse_go_duration(s).map(Some).map_err(|e| format!("{p}: {e}")),
        Some(other) => Err(type_err(&p, "a duration string", other)),
    }
}

/// A Go duration string rendered as a proto JSON Duration.
pub fn opt_proto_duration(m: &Obj, key: &str, path: &str) -> Result<Option<Value>, String> {
    Ok(opt_duration(m, key, path)?.map(|ns| Value::String(duration::format_proto_duration(ns))))
}

/// A double as protojson prints it: integral values as integers (`10`, not `10.0`);
/// non-finite values as the strings protojson uses.
pub fn double(x: f64) -> Value {
    if x.is_nan() {
        Value::String("NaN".into())
    } else if x.is_infinite() {
        Value::String(if x > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else if x.fract() == 0.0 && x.abs() < 9.007_199_254_740_992e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// An `Any` value: `{"@type": "type.googleapis.com/<name>", ...fields}`.
pub fn any(type_name: &str, fields: Obj) -> Value {
    let mut m = Obj::new();
    m.insert("@type".into(), Value::String(format!("type.googleapis.com/{type_name}")));
    m.extend(fields);
    Value::Object(m)
}

/// Insert when `Some`.
pub fn put(m: &mut Obj, key: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v.into());
    }
}

/// Insert a proto3 bool only when true (protojson omits false).
pub fn put_true(m: &mut Obj, key: &str, b: Option<bool>) {
    if b == Some(true) {
        m.insert(key.to_string(), Value::Bool(true));
    }
}
