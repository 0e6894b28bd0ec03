//! Walking a field spec's path through an object as kustomize does
//! (`api/filters/fieldspec`): a sequence applies the rest of the path to each element, a
//! missing field ends the walk unless the spec creates it (an intermediate as a mapping, the
//! last as the caller's kind), a null is replaced by what would be created, and a scalar with
//! path left is an error.

use serde_json::{Map, Value};

use super::tables::FieldSpec;

/// What a walk creates at the end of its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaf {
    Map,
    Scalar,
}

/// `metadata/annotations/a\/b` → `["metadata", "annotations", "a/b"]`.
pub(crate) fn split(path: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = path.trim_start_matches('/').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                chars.next();
                out.last_mut().expect("one element at least").push('/');
            }
            '/' => out.push(String::new()),
            c => out.last_mut().expect("one element at least").push(c),
        }
    }
    out
}

/// Apply `f` at every place `spec`'s path reaches in `v` (`leaf`: what to create there when
/// the spec creates). `f` gets the value there (created or found).
pub(crate) fn walk(
    v: &mut Value,
    path: &str,
    create: bool,
    leaf: Leaf,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let elems = split(path);
    walk_elems(v, &elems, create.then_some(leaf), path, f)
}

/// [`walk`] along a table's field spec.
pub(crate) fn walk_spec(
    v: &mut Value,
    spec: &FieldSpec,
    leaf: Leaf,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    walk(v, spec.path, spec.create, leaf, f)
}

fn walk_elems(
    v: &mut Value,
    elems: &[String],
    create: Option<Leaf>,
    path: &str,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = elems.split_first() else {
        return f(v);
    };
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for item in items {
                walk_elems(item, elems, create, path, f)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            // `name[]`: a sequence is expected there, and never created.
            let (key, seq) = match first.strip_suffix("[]") {
                Some(k) => (k, true),
                None => (first.as_str(), false),
            };
            let made = |last: bool| match (last, create) {
                (true, Some(Leaf::Scalar)) => Value::String(String::new()),
                _ => Value::Object(Map::new()),
            };
            let creating = create.is_some() && !seq;
            match m.get_mut(key) {
                Some(child) if child.is_null() && creating => *child = made(rest.is_empty()),
                Some(_) => {}
                None if creating => {
                    m.insert(key.to_string(), made(rest.is_empty()));
                }
                None => return Ok(()),
            }
            let child = m.get_mut(key).expect("present or just created");
            if rest.is_empty() {
                if child.is_null() {
                    return Ok(());
                }
                return f(child);
            }
            walk_elems(child, rest, create, path, f)
        }
        _ => Err(format!("considering field '{path}': expected sequence or mapping node")),
    }
}

/// Set `pairs` in the mapping `v` (a label or annotation map).
pub(crate) fn set_entries(v: &mut Value, pairs: &[(String, String)], path: &str) -> Result<(), String> {
    let Some(m) = v.as_object_mut() else {
        return Err(format!("considering field '{path}': wrong node kind: expected a mapping"));
    };
    for (k, val) in pairs {
        m.insert(k.clone(), Value::String(val.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tables::{FieldSpec, Gvk};
    use super::*;
    use serde_json::json;

    fn spec(path: &'static str, create: bool) -> FieldSpec {
        FieldSpec { gvk: Gvk { group: "", version: "", kind: "" }, path, create }
    }

    fn set(v: &mut Value, path: &'static str, create: bool) -> Result<(), String> {
        let pairs = [("k".to_string(), "v".to_string())];
        walk_spec(v, &spec(path, create), Leaf::Map, &mut |m| set_entries(m, &pairs, path))
    }

    #[test]
    fn paths_split_on_unescaped_slashes() {
        assert_eq!(split("metadata/annotations/a.io\\/b"), vec!["metadata", "annotations", "a.io/b"]);
        assert_eq!(split("/spec/x"), vec!["spec", "x"]);
    }

    #[test]
    fn sequences_take_the_rest_of_the_path_and_nulls_are_created_over() {
        let mut v = json!({"spec": {"ingress": [{"from": [{"podSelector": {"matchLabels": {}}}, {"ipBlock": {}}]}]}});
        set(&mut v, "spec/ingress/from/podSelector/matchLabels", false).unwrap();
        assert_eq!(
            v["spec"]["ingress"][0]["from"],
            json!([{"podSelector": {"matchLabels": {"k": "v"}}}, {"ipBlock": {}}])
        );
        let mut v = json!({"metadata": {"labels": null}});
        set(&mut v, "metadata/labels", true).unwrap();
        assert_eq!(v, json!({"metadata": {"labels": {"k": "v"}}}));
        let mut v = json!({"spec": {}});
        set(&mut v, "spec/selector/matchLabels", true).unwrap();
        assert_eq!(v, json!({"spec": {"selector": {"matchLabels": {"k": "v"}}}}));
        let mut v = json!({"spec": {}});
        set(&mut v, "spec/selector/matchLabels", false).unwrap();
        assert_eq!(v, json!({"spec": {}}));
    }

    #[test]
    fn marked_sequences_are_never_created_and_scalars_in_the_way_are_errors() {
        let mut v = json!({"spec": {}});
        set(&mut v, "spec/volumeClaimTemplates[]/metadata/labels", true).unwrap();
        assert_eq!(v, json!({"spec": {}}));
        let mut v = json!({"spec": {"volumeClaimTemplates": [{"metadata": {}}]}});
        set(&mut v, "spec/volumeClaimTemplates[]/metadata/labels", true).unwrap();
        assert_eq!(v["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"], json!({"k": "v"}));
        let mut v = json!({"spec": "x"});
        assert!(set(&mut v, "spec/selector", true).is_err());
        let mut v = json!({"metadata": {"labels": "x"}});
        assert!(set(&mut v, "metadata/labels", true).is_err());
    }
}
