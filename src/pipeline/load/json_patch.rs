//! RFC 6902 JSON Patch over `serde_json::Value`, with RFC 6901 pointers.
//!
//! A patch is applied to a copy; the document is only replaced when every operation succeeded.

use serde_json::Value;
use std::fmt;

/// What went wrong in one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchErrorKind {
    /// The patch is not a list of operation objects.
    NotAList,
    /// An operation is not an object, or lacks `op`/`path`/`from`/`value`.
    Malformed(String),
    UnknownOp(String),
    /// The pointer does not start with `/` or has a bad `~` escape.
    BadPointer(String),
    /// The location (or its parent, for `add`) does not exist.
    NotFound(String),
    /// An array index that is not a number, has leading zeros, or is out of range.
    BadIndex(String),
    /// `test` found a different value.
    TestFailed(String),
    /// `move` into one of its own children.
    MoveIntoChild,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    /// 0-based index of the operation in the patch.
    pub index: usize,
    pub op: String,
    pub path: String,
    pub kind: PatchErrorKind,
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "patch operation {} ({} {:?}): ", self.index, self.op, self.path)?;
        match &self.kind {
            PatchErrorKind::NotAList => write!(f, "a JSON patch must be a list of operations"),
            PatchErrorKind::Malformed(m) => write!(f, "malformed operation: {m}"),
            PatchErrorKind::UnknownOp(op) => {
                write!(f, "unknown op {op:?} (expected add, remove, replace, move, copy or test)")
            }
            PatchErrorKind::BadPointer(p) => write!(f, "invalid JSON pointer {p:?}"),
            PatchErrorKind::NotFound(p) => write!(f, "path {p:?} does not exist"),
            PatchErrorKind::BadIndex(m) => write!(f, "invalid array index: {m}"),
            PatchErrorKind::TestFailed(m) => write!(f, "test failed: {m}"),
            PatchErrorKind::MoveIntoChild => {
                write!(f, "cannot move a value into one of its children")
            }
        }
    }
}

impl std::error::Error for PatchError {}

/// True when `v` looks like a JSON6902 patch: a list whose items are all objects with `op`.
pub fn is_json6902(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().all(|i| i.get("op").is_some_and(Value::is_string)),
        _ => false,
    }
}

/// Apply `patch` (a list of operations) to `doc`. On error `doc` is unchanged.
pub fn apply(doc: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops = patch.as_array().ok_or_else(|| PatchError {
        index: 0,
        op: String::new(),
        path: String::new(),
        kind: PatchErrorKind::NotAList,
    })?;
    let mut work = doc.clone();
    for (index, op) in ops.iter().enumerate() {
        apply_one(&mut work, op, index)?;
    }
    *doc = work;
    Ok(())
}

/// Split an RFC 6901 pointer into unescaped tokens.
pub fn parse_pointer(pointer: &str) -> Result<Vec<String>, PatchErrorKind> {
    crate::core::pointer::parse(pointer).ok_or_else(|| PatchErrorKind::BadPointer(pointer.to_string()))
}

fn apply_one(doc: &mut Value, op: &Value, index: usize) -> Result<(), PatchError> {
    let obj = op.as_object();
    let name = obj.and_then(|o| o.get("op")).and_then(Value::as_str).unwrap_or("").to_string();
    let path = obj.and_then(|o| o.get("path")).and_then(Value::as_str).map(str::to_string);
    let err = |kind| PatchError { index, op: name.clone(), path: path.clone().unwrap_or_default(), kind };
    let Some(obj) = obj else {
        return Err(err(PatchErrorKind::Malformed("an operation must be an object".into())));
    };
    if name.is_empty() {
        return Err(err(PatchErrorKind::Malformed("missing string field 'op'".into())));
    }
    let Some(path) = path.clone() else {
        return Err(err(PatchErrorKind::Malformed("missing string field 'path'".into())));
    };
    let tokens = parse_pointer(&path).map_err(err)?;
    let value =
        || obj.get("value").cloned().ok_or_else(|| err(PatchErrorKind::Malformed("missing field 'value'".into())));
    let from = || -> Result<(String, Vec<String>), PatchError> {
        let f = obj
            .get("from")
            .and_then(Value::as_str)
            .ok_or_else(|| err(PatchErrorKind::Malformed("missing string field 'from'".into())))?;
        Ok((f.to_string(), parse_pointer(f).map_err(err)?))
    };
    match name.as_str() {
        "add" => add(doc, &tokens, &path, value()?).map_err(err),
        "remove" => remove(doc, &tokens, &path).map(|_| ()).map_err(err),
        "replace" => {
            let v = value()?;
            let target = get_mut(doc, &tokens, &path).map_err(err)?;
            *target = v;
            Ok(())
        }
        "move" => {
            let (f, from_tokens) = from()?;
            if tokens.len() > from_tokens.len() && tokens[..from_tokens.len()] == from_tokens[..] {
                return Err(err(PatchErrorKind::MoveIntoChild));
            }
            let v = remove(doc, &from_tokens, &f).map_err(err)?;
            add(doc, &tokens, &path, v).map_err(err)
        }
        "copy" => {
            let (f, from_tokens) = from()?;
            let v = get_mut(doc, &from_tokens, &f).map_err(err)?.clone();
            add(doc, &tokens, &path, v).map_err(err)
        }
        "test" => {
            let v = value()?;
            let actual = get_mut(doc, &tokens, &path).map_err(err)?;
            if *actual == v {
                Ok(())
            } else {
                Err(err(PatchErrorKind::TestFailed(format!("expected {v}, found {actual}"))))
            }
        }
        other => Err(err(PatchErrorKind::UnknownOp(other.to_string()))),
    }
}

/// Parse an array index token (no leading zeros, no sign).
fn array_index(tok: &str, len: usize, allow_end: bool) -> Result<usize, PatchErrorKind> {
    if allow_end && tok == "-" {
        return Ok(len);
    }
    let valid = !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_digit()) && (tok == "0" || !tok.starts_with('0'));
    let i: usize = if valid { tok.parse().map_err(|_| PatchErrorKind::BadIndex(tok.to_string()))? } else { usize::MAX };
    if !valid {
        return Err(PatchErrorKind::BadIndex(format!("{tok:?} is not an array index")));
    }
    let max = if allow_end { len } else { len.saturating_sub(1) };
    if i > max || (!allow_end && len == 0) {
        return Err(PatchErrorKind::BadIndex(format!("{i} is out of range (array length {len})")));
    }
    Ok(i)
}

fn get_mut<'a>(doc: &'a mut Value, tokens: &[String], path: &str) -> Result<&'a mut Value, PatchErrorKind> {
    let mut cur = doc;
    for tok in tokens {
        cur = match cur {
            Value::Object(m) => m.get_mut(tok).ok_or_else(|| PatchErrorKind::NotFound(path.to_string()))?,
            Value::Array(a) => {
                let i = array_index(tok, a.len(), false).map_err(|_| PatchErrorKind::NotFound(path.to_string()))?;
                &mut a[i]
            }
            _ => return Err(PatchErrorKind::NotFound(path.to_string())),
        };
    }
    Ok(cur)
}

fn add(doc: &mut Value, tokens: &[String], path: &str, value: Value) -> Result<(), PatchErrorKind> {
    let Some((last, parent)) = tokens.split_last() else {
        *doc = value;
        return Ok(());
    };
    match get_mut(doc, parent, path)? {
        Value::Object(m) => {
            m.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(a) => {
            let i = array_index(last, a.len(), true)?;
            a.insert(i, value);
            Ok(())
        }
        _ => Err(PatchErrorKind::NotFound(path.to_string())),
    }
}

fn remove(doc: &mut Value, tokens: &[String], path: &str) -> Result<Value, PatchErrorKind> {
    let Some((last, parent)) = tokens.split_last() else {
        return Err(PatchErrorKind::NotFound("cannot remove the whole document".into()));
    };
    match get_mut(doc, parent, path)? {
        Value::Object(m) => m.shift_remove(last).ok_or_else(|| PatchErrorKind::NotFound(path.to_string())),
        Value::Array(a) => {
            let i = array_index(last, a.len(), false)?;
            Ok(a.remove(i))
        }
        _ => Err(PatchErrorKind::NotFound(path.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, patch: Value) -> Result<Value, PatchError> {
        let mut d = doc;
        apply(&mut d, &patch)?;
        Ok(d)
    }

    #[test]
    fn add_to_object_array_and_append() {
        let d = run(
            json!({"a": {"b": [1, 3]}}),
            json!([
                {"op": "add", "path": "/a/c", "value": "x"},
                {"op": "add", "path": "/a/b/1", "value": 2},
                {"op": "add", "path": "/a/b/-", "value": 4}
            ]),
        )
        .unwrap();
        assert_eq!(d, json!({"a": {"b": [1, 2, 3, 4], "c": "x"}}));
    }

    #[test]
    fn add_replaces_root_and_existing_member() {
        assert_eq!(run(json!({"a": 1}), json!([{"op": "add", "path": "", "value": 5}])).unwrap(), json!(5));
        assert_eq!(run(json!({"a": 1}), json!([{"op": "add", "path": "/a", "value": 2}])).unwrap(), json!({"a": 2}));
    }

    #[test]
    fn add_missing_parent_is_error() {
        let e = run(json!({}), json!([{"op": "add", "path": "/x/y", "value": 1}])).unwrap_err();
        assert_eq!(e.index, 0);
        assert_eq!(e.path, "/x/y");
        assert!(matches!(e.kind, PatchErrorKind::NotFound(_)));
    }

    #[test]
    fn remove_and_missing() {
        let d = run(
            json!({"a": 1, "b": [1, 2]}),
            json!([{"op": "remove", "path": "/a"}, {"op": "remove", "path": "/b/0"}]),
        )
        .unwrap();
        assert_eq!(d, json!({"b": [2]}));
        let e = run(json!({}), json!([{"op": "remove", "path": "/a"}])).unwrap_err();
        assert!(matches!(e.kind, PatchErrorKind::NotFound(_)));
    }

    #[test]
    fn replace_requires_existing() {
        assert_eq!(
            run(json!({"a": 1}), json!([{"op": "replace", "path": "/a", "value": 2}])).unwrap(),
            json!({"a": 2})
        );
        let e = run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": 1}, {"op": "replace", "path": "/b", "value": 2}]),
        )
        .unwrap_err();
        assert_eq!(e.index, 1);
        assert_eq!(e.op, "replace");
    }

    #[test]
    fn move_and_copy() {
        let d = run(
            json!({"a": {"x": 1}, "b": {}}),
            json!([{"op": "copy", "from": "/a/x", "path": "/b/y"}, {"op": "move", "from": "/a", "path": "/c"}]),
        )
        .unwrap();
        assert_eq!(d, json!({"b": {"y": 1}, "c": {"x": 1}}));
        let e = run(json!({"a": {"x": 1}}), json!([{"op": "move", "from": "/a", "path": "/a/x/z"}])).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::MoveIntoChild);
    }

    #[test]
    fn test_op_failure_leaves_doc_unchanged() {
        let mut d = json!({"a": 1});
        let e =
            apply(&mut d, &json!([{"op": "add", "path": "/b", "value": 2}, {"op": "test", "path": "/a", "value": 2}]))
                .unwrap_err();
        assert!(matches!(e.kind, PatchErrorKind::TestFailed(_)));
        assert!(e.to_string().starts_with("patch operation 1 (test \"/a\")"), "{e}");
        assert_eq!(d, json!({"a": 1}));
    }

    #[test]
    fn pointer_escapes() {
        assert_eq!(parse_pointer("/a~1b/c~0d").unwrap(), vec!["a/b", "c~d"]);
        let d = run(
            json!({"metadata": {"annotations": {"x.io/y": "1"}}}),
            json!([{"op": "replace", "path": "/metadata/annotations/x.io~1y", "value": "2"}]),
        )
        .unwrap();
        assert_eq!(d["metadata"]["annotations"]["x.io/y"], "2");
        assert!(matches!(parse_pointer("a").unwrap_err(), PatchErrorKind::BadPointer(_)));
        assert!(matches!(parse_pointer("/a~2").unwrap_err(), PatchErrorKind::BadPointer(_)));
    }

    #[test]
    fn bad_indices_and_ops() {
        let e = run(json!({"a": [1]}), json!([{"op": "add", "path": "/a/01", "value": 1}])).unwrap_err();
        assert!(matches!(e.kind, PatchErrorKind::BadIndex(_)));
        let e = run(json!({"a": [1]}), json!([{"op": "add", "path": "/a/5", "value": 1}])).unwrap_err();
        assert!(matches!(e.kind, PatchErrorKind::BadIndex(_)));
        let e = run(json!({}), json!([{"op": "frob", "path": "/a"}])).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::UnknownOp("frob".into()));
        let e = run(json!({}), json!([{"op": "add", "path": "/a"}])).unwrap_err();
        assert!(matches!(e.kind, PatchErrorKind::Malformed(_)));
        let e = run(json!({}), json!({"op": "add"})).unwrap_err();
        assert_eq!(e.kind, PatchErrorKind::NotAList);
    }

    #[test]
    fn detects_json6902() {
        assert!(is_json6902(&json!([{"op": "add", "path": "/a", "value": 1}])));
        assert!(!is_json6902(&json!({"spec": {}})));
    }
}
