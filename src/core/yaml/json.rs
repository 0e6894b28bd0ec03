//! JSON streams: `serde_json::Value` documents with duplicate-key detection and the same
//! limits and positions as YAML streams.

use serde_json::{Map, Value};

use super::doc::{
    PARSER_DEPTH_LIMIT, ParseLimits, YamlDoc, YamlError, depth_message, short_key, strip_position, too_many_documents,
};
use super::locate;
use super::scalar::check_text;

/// A `serde_json::Value` built with duplicate-key detection.
struct StrictJson(Value);

impl<'de> serde::Deserialize<'de> for StrictJson {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        // Beyond int64 Kubernetes' JSON reader gives a float64.
        Ok(i64::try_from(v).map_or_else(|_| super::scalar::float(v as f64), Value::from))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        // As Kubernetes reads JSON through YAML: `1.0` is the integer 1.
        if !v.is_finite() {
            return Err(E::custom("non-finite number"));
        }
        Ok(super::scalar::float(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        check_text(v).map_err(E::custom)?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Value, E> {
        self.visit_str(v)
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        check_text(&v).map_err(E::custom)?;
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictJson(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            check_text(&key).map_err(serde::de::Error::custom)?;
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {}", short_key(&key))));
            }
            let StrictJson(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

pub(super) fn parse_json_stream(text: &str, limits: &ParseLimits) -> Result<Vec<YamlDoc>, YamlError> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<StrictJson>();
    // (offset, its line): lines are counted on from the previous document, since counting
    // from the start of the text for each document would be quadratic in a long stream.
    let mut counted = (0, 1);
    loop {
        let before = stream.byte_offset();
        let Some(item) = stream.next() else {
            break;
        };
        let start = before + (text[before..].len() - text[before..].trim_start().len());
        let end = stream.byte_offset();
        let StrictJson(value) = item.map_err(|e| {
            // serde_json's depth limit is told only in its message.
            let limit = e.to_string().contains("recursion limit exceeded");
            let message = if limit {
                depth_message(limits.max_depth.min(PARSER_DEPTH_LIMIT))
            } else {
                strip_position(&e.to_string())
            };
            YamlError { line: e.line().max(1), col: e.column().max(1), message, limit, unsupported: false }
        })?;
        let line = counted.1 + text[counted.0..start].bytes().filter(|&b| b == b'\n').count();
        counted = (start, line);
        let col = locate::col_of_offset(text, start);
        if value.is_null() {
            continue;
        }
        if depth(&value) > limits.max_depth {
            return Err(YamlError {
                line,
                col,
                message: depth_message(limits.max_depth),
                limit: true,
                unsupported: false,
            });
        }
        if docs.len() >= limits.max_documents {
            return Err(YamlError { line, col, message: too_many_documents(limits), limit: true, unsupported: false });
        }
        docs.push(YamlDoc { value, line, span: (start, end), span_line: line, retypable: false });
    }
    Ok(docs)
}

/// Nesting depth: scalars 0, a collection 1 + its deepest child. Iterative.
fn depth(value: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((v, d)) = stack.pop() {
        match v {
            Value::Array(a) => {
                max = max.max(d);
                stack.extend(a.iter().map(|c| (c, d + 1)));
            }
            Value::Object(m) => {
                max = max.max(d);
                stack.extend(m.values().map(|c| (c, d + 1)));
            }
            _ => {}
        }
    }
    max
}
