//! JSON6902 patches as kustomize applies them (evanphx/json-patch v4.12): RFC 6902 with
//! RFC 6901 pointers, except that `replace` of a missing member adds it and no operation
//! applies to the whole document, and a `copy` of a missing member copies null. Where that
//! library accepts what RFC 6902 does not (leading zeros or negative array indices, an
//! operation without a value),
//! the error says kustomize would build it ([`PatchError::kustomize_builds`]).
//!
//! A patch is applied to a copy; the document is only replaced when every operation succeeded.

use serde_json::Value;
use std::fmt;

use crate::core::yaml::{ParseLimits, kubernetes_json, parse_stream};

/// Why a patch text is not a JSON6902 patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A mapping or several documents: a strategic-merge patch.
    NotJson6902,
    Invalid(String),
}

/// A patch text as kustomize reads it: JSON when it starts with `[`, else YAML (1.1).
pub fn parse_ops(text: &str, limits: &ParseLimits) -> Result<Value, ParseError> {
    let text = text.trim();
    let ops = if text.starts_with('[') {
        kubernetes_json(text).map_err(ParseError::Invalid)?
    } else {
        let docs = parse_stream(text, limits).map_err(|e| ParseError::Invalid(e.to_string()))?;
        match docs.as_slice() {
            [] => return Err(ParseError::Invalid("the patch is empty".into())),
            [doc] if doc.value.is_array() => doc.value.clone(),
            [doc] if !doc.value.is_object() => return Err(ParseError::Invalid("not a patch".into())),
            _ => return Err(ParseError::NotJson6902),
        }
    };
    if !is_json6902(&ops) {
        return Err(ParseError::Invalid("a JSON patch must be a list of operations, each with an op".into()));
    }
    if ops.as_array().is_some_and(Vec::is_empty) {
        return Err(ParseError::Invalid("patch appears to be empty".into()));
    }
    Ok(ops)
}

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

impl PatchError {
    /// Whether kustomize's patch library would apply this operation (where RFC 6902, and
    /// this implementation, refuse it).
    pub fn kustomize_builds(&self) -> bool {
        match &self.kind {
            PatchErrorKind::BadIndex(_) => true,
            PatchErrorKind::Malformed(m) => m.contains("'value'"),
            _ => false,
        }
    }
}

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
    if tokens.is_empty() {
        // The library finds no parent for the root.
        return Err(err(PatchErrorKind::NotFound(path)));
    }
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
            // A missing member of an existing object is added.
            match get_mut(doc, &tokens, &path) {
                Ok(target) => {
                    *target = v;
                    Ok(())
                }
                Err(_) => match tokens.split_last().map(|(_, parent)| get_mut(doc, parent, &path)) {
                    Some(Ok(Value::Object(_))) => add(doc, &tokens, &path, v).map_err(err),
                    _ => Err(err(PatchErrorKind::NotFound(path.clone()))),
                },
            }
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
            let v = match get_mut(doc, &from_tokens, &f) {
                Ok(v) => v.clone(),
                // The library copies a missing member of an existing object as null.
                Err(e) => match from_tokens.split_last().map(|(_, parent)| get_mut(doc, parent, &f)) {
                    Some(Ok(Value::Object(_))) => Value::Null,
                    _ => return Err(err(e)),
                },
            };
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
    fn add_replaces_a_member_but_nothing_applies_to_the_root() {
        assert_eq!(run(json!({"a": 1}), json!([{"op": "add", "path": "/a", "value": 2}])).unwrap(), json!({"a": 2}));
        for op in ["add", "replace", "remove", "test"] {
            let e = run(json!({"a": 1}), json!([{"op": op, "path": "", "value": 5}])).unwrap_err();
            assert!(matches!(e.kind, PatchErrorKind::NotFound(_)) && !e.kustomize_builds(), "{op}");
        }
    }

    #[test]
    fn what_kustomizes_library_accepts_and_rfc_6902_does_not_is_marked() {
        let e = run(json!({"a": [1]}), json!([{"op": "add", "path": "/a/01", "value": 1}])).unwrap_err();
        assert!(e.kustomize_builds());
        // A missing member of an existing object copies as null.
        assert_eq!(run(json!({}), json!([{"op": "copy", "from": "/x", "path": "/y"}])).unwrap(), json!({"y": null}));
        assert!(run(json!({}), json!([{"op": "copy", "from": "/x/z", "path": "/y"}])).is_err());
        let e = run(json!({}), json!([{"op": "add", "path": "/y"}])).unwrap_err();
        assert!(e.kustomize_builds());
        let e = run(json!({}), json!([{"op": "remove", "path": "/y"}])).unwrap_err();
        assert!(!e.kustomize_builds());
    }

    #[test]
    fn patch_texts_as_kustomize_reads_them() {
        let limits = ParseLimits::default();
        let ops =
            parse_ops("- op: add\n  path: /a\n  value: yes\n- {op: add, path: /b, value: 017}\n", &limits).unwrap();
        assert_eq!(ops, json!([{"op": "add", "path": "/a", "value": true}, {"op": "add", "path": "/b", "value": 15}]));
        assert_eq!(parse_ops(" [{\"op\": \"remove\", \"path\": \"/a\"}]", &limits).unwrap()[0]["op"], "remove");
        // Starting with `[` it must be JSON: flow YAML is kustomize's parse error.
        assert!(matches!(parse_ops("[{op: remove, path: /a}]", &limits), Err(ParseError::Invalid(_))));
        assert_eq!(parse_ops("apiVersion: v1\nkind: X\n", &limits), Err(ParseError::NotJson6902));
        assert!(matches!(parse_ops("[]", &limits), Err(ParseError::Invalid(_))));
        assert!(matches!(parse_ops("", &limits), Err(ParseError::Invalid(_))));
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
    fn replace_of_a_missing_member_adds_it_but_needs_its_parent() {
        assert_eq!(
            run(json!({"a": 1}), json!([{"op": "replace", "path": "/a", "value": 2}])).unwrap(),
            json!({"a": 2})
        );
        assert_eq!(
            run(json!({"a": 1}), json!([{"op": "replace", "path": "/b", "value": 2}])).unwrap(),
            json!({"a": 1, "b": 2})
        );
        let e = run(
            json!({"a": 1}),
            json!([{"op": "test", "path": "/a", "value": 1}, {"op": "replace", "path": "/x/y", "value": 2}]),
        )
        .unwrap_err();
        assert_eq!(e.index, 1);
        assert_eq!(e.op, "replace");
        let e = run(json!({"a": [1]}), json!([{"op": "replace", "path": "/a/3", "value": 2}])).unwrap_err();
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
