//! Reading JSON values: small-map lookups, plain pointers, string maps.

use serde_json::Value;

/// A `null` to lend where a document or field is missing.
pub(crate) static NULL: Value = Value::Null;

/// `map.get(key)`, comparing keys when the map is small: manifests are mostly maps of a few
/// keys, where a few string comparisons cost less than hashing the key (SipHash).
pub fn lookup<'m>(map: &'m serde_json::Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= 8 { map.iter().find_map(|(k, v)| (k.as_str() == key).then_some(v)) } else { map.get(key) }
}

/// [`lookup`] on a value: `v.get(key)` for objects, `None` otherwise.
pub fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.as_object().and_then(|m| lookup(m, key))
}

/// `v.pointer(pointer)` without allocating (`Value::pointer` builds a String per segment),
/// for plain pointers: `~` escapes are not decoded, array indexes are.
pub fn at<'v>(v: &'v Value, pointer: &str) -> Option<&'v Value> {
    debug_assert!(!pointer.contains('~'), "escaped pointer {pointer}");
    pointer.split('/').skip(1).try_fold(v, |cur, seg| match cur {
        Value::Object(m) => lookup(m, seg),
        Value::Array(items) => seg.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Labels (sorted), shared by every backend and attachment reason that carries them.
pub type Labels = std::rc::Rc<[(String, String)]>;

/// A `map[string]string` read leniently: non-string values are skipped (validation reports them).
pub fn string_map(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v
        .and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// A Secret's data as the API server stores it: `data` base64-decoded, then `stringData`
/// over it. Values that are not UTF-8 text are left out.
pub fn secret_data(secret: &Value) -> std::collections::BTreeMap<String, String> {
    let mut data = std::collections::BTreeMap::new();
    for (k, v) in secret.get("data").and_then(Value::as_object).into_iter().flatten() {
        let decoded = v.as_str().and_then(|s| crate::core::base64::decode(s, crate::core::base64::Padding::Optional));
        if let Some(text) = decoded.and_then(|b| String::from_utf8(b).ok()) {
            data.insert(k.clone(), text);
        }
    }
    for (k, v) in secret.get("stringData").and_then(Value::as_object).into_iter().flatten() {
        if let Some(s) = v.as_str() {
            data.insert(k.clone(), s.to_string());
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_map_is_sorted_and_skips_non_strings() {
        let v = serde_json::json!({"b": "2", "a": "1", "c": 3});
        assert_eq!(string_map(Some(&v)), vec![("a".into(), "1".into()), ("b".into(), "2".into())]);
    }

    #[test]
    fn at_and_lookup_agree_with_serde_json() {
        let mut big = serde_json::Map::new();
        for i in 0..20 {
            big.insert(format!("k{i}"), serde_json::json!(i));
        }
        let v = serde_json::json!({"a": {"b": [10, {"c": null}]}, "big": big, "": 1});
        for p in ["", "/a", "/a/b", "/a/b/0", "/a/b/1/c", "/a/b/2", "/a/x", "/big/k7", "/big/k20", "/", "/a/b/x"] {
            assert_eq!(at(&v, p), v.pointer(p), "{p}");
        }
        let m = v.as_object().unwrap();
        for k in ["a", "big", "", "zz"] {
            assert_eq!(lookup(m, k), m.get(k), "{k}");
        }
    }
}
