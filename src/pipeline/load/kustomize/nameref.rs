//! Name references, fixed once at the end of a build as kustomize fixes them: a field that
//! names an object (a ConfigMap in a Deployment's env, a Role in a RoleBinding) is rewritten
//! to the object's current name when the object was renamed, or moved, during the build.
//!
//! For each referring field (kustomize's table, [`NAME_REFERENCES`]), the candidates are the
//! objects the referrer could name (cluster-scoped ones, those in its namespace, and for a
//! RoleBinding those in its ServiceAccount subjects' namespaces), sieved: a previous name
//! equal to the reference, a previous kind of the target's, the roleRef's kind, a namespace
//! the referrer can see; then, among several, the prefixes and suffixes both were given.

use serde_json::Value;

use super::fieldspec::{Leaf, walk};
use super::res::{KRes, NO_NAMESPACE};
use super::tables::{Gvk, NAME_REFERENCES};

/// Rewrite every name reference in `acc`; the first error, if any (kustomize stops there).
pub(crate) fn fix(acc: &mut [KRes]) -> Result<(), String> {
    for row in NAME_REFERENCES {
        for (referrer, paths) in row.referrers {
            for i in 0..acc.len() {
                let (group, version) = acc[i].group_version();
                if !referrer.selects(group, version, &acc[i].original().kind) {
                    continue;
                }
                let candidates = could_be_referenced(acc, i);
                for path in *paths {
                    let mut value = acc[i].value.clone();
                    let sieve = Sieve { acc, referrer: i, target: &row.target, path };
                    walk(&mut value, path, false, Leaf::Scalar, &mut |node| sieve.set(node, &candidates)).map_err(
                        |e| format!("updating name reference in '{path}' field of '{}': {e}", acc[i].name()),
                    )?;
                    acc[i].value = value;
                }
            }
        }
    }
    Ok(())
}

/// kustomize's `SubsetThatCouldBeReferencedByResource`.
fn could_be_referenced(acc: &[KRes], referrer: usize) -> Vec<usize> {
    let x = &acc[referrer];
    if x.cluster_scoped() {
        return (0..acc.len()).collect();
    }
    let mut binding_namespaces = Vec::new();
    if x.kind() == "RoleBinding" {
        for s in x.value.get("subjects").and_then(Value::as_array).into_iter().flatten() {
            if s.get("kind").and_then(Value::as_str) == Some("ServiceAccount")
                && let Some(ns) = s.get("namespace").and_then(Value::as_str)
            {
                binding_namespaces.push(ns.to_string());
            }
        }
    }
    let own = x.effective_namespace();
    (0..acc.len())
        .filter(|&j| {
            let c = &acc[j];
            c.cluster_scoped()
                || c.effective_namespace() == own
                || binding_namespaces.iter().any(|n| n == c.namespace())
        })
        .collect()
}

struct Sieve<'a> {
    acc: &'a [KRes],
    referrer: usize,
    target: &'a Gvk,
    path: &'a str,
}

impl Sieve<'_> {
    fn set(&self, node: &mut Value, candidates: &[usize]) -> Result<(), String> {
        match node {
            Value::String(_) => self.scalar(node, candidates),
            Value::Object(_) => self.mapping(node, candidates),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(_) => self.scalar(item, candidates)?,
                        Value::Object(_) => self.mapping(item, candidates)?,
                        _ => {}
                    }
                }
                Ok(())
            }
            // A number or boolean where a name goes: kustomize compares its text.
            Value::Bool(_) | Value::Number(_) => Err("a name reference that is not a string".into()),
            Value::Null => Ok(()),
        }
    }

    fn scalar(&self, node: &mut Value, candidates: &[usize]) -> Result<(), String> {
        let old = node.as_str().unwrap_or_default().to_string();
        let Some(j) = self.select(&old, candidates.to_vec(), false)? else { return Ok(()) };
        let name = self.acc[j].name();
        if name != old {
            *node = Value::String(name.to_string());
        }
        Ok(())
    }

    fn mapping(&self, node: &mut Value, candidates: &[usize]) -> Result<(), String> {
        let Some(m) = node.as_object_mut() else { return Ok(()) };
        let Some(old) = m.get("name") else { return Err("path config error; no 'name' field in node".into()) };
        let old = match old {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            _ => return Err("a name reference that is not a string".into()),
        };
        let candidates = match m.get("namespace") {
            None => candidates.to_vec(),
            Some(ns) => {
                let ns = ns.as_str().unwrap_or_default();
                let original: Vec<usize> =
                    candidates.iter().copied().filter(|&j| self.original_namespace(j) == ns).collect();
                if original.is_empty() {
                    candidates.iter().copied().filter(|&j| self.current_namespace(j) == ns).collect()
                } else {
                    original
                }
            }
        };
        let Some(j) = self.select(&old, candidates, true)? else { return Ok(()) };
        let (name, namespace) = (self.acc[j].name(), self.acc[j].namespace());
        if name == old && namespace.is_empty() {
            return Ok(());
        }
        m.insert("name".into(), Value::String(name.to_string()));
        if !namespace.is_empty() {
            m.insert("namespace".into(), Value::String(namespace.to_string()));
        }
        Ok(())
    }

    /// A candidate's original effective namespace, cluster-scoped ones out of every group.
    fn original_namespace(&self, j: usize) -> String {
        let ns = self.acc[j].original().namespace;
        if ns == NO_NAMESPACE { String::from("\0") } else { ns }
    }

    fn current_namespace(&self, j: usize) -> String {
        let ns = self.acc[j].effective_namespace();
        if ns == NO_NAMESPACE { String::from("\0") } else { ns }
    }

    /// kustomize's `selectReferral`: `Ok(None)` leaves the reference as it is.
    fn select(&self, old: &str, mut c: Vec<usize>, by_namespace_too: bool) -> Result<Option<usize>, String> {
        let acc = self.acc;
        let x = &acc[self.referrer];
        let prev_selected = |j: usize, gvk: &Gvk| {
            let (g, v) = acc[j].group_version();
            acc[j].prev.iter().any(|p| gvk.selects(g, v, &p.kind))
        };
        c.retain(|&j| acc[j].prev.iter().any(|p| p.name == old));
        c.retain(|&j| prev_selected(j, self.target));
        if self.path.ends_with("roleRef/name") {
            let role_ref = x.value.get("roleRef");
            let field = |k: &str| role_ref.and_then(|r| r.get(k)).and_then(Value::as_str);
            if let (Some(group), Some(kind)) = (field("apiGroup"), field("kind")) {
                let part = |want: &str, have: &str| want.is_empty() || want == have;
                c.retain(|&j| {
                    let g = acc[j].group_version().0;
                    acc[j].prev.iter().any(|p| part(group, g) && part(kind, &p.kind))
                });
            }
        }
        if !x.cluster_scoped() {
            let own = x.effective_namespace();
            c.retain(|&j| {
                acc[j].cluster_scoped() || acc[j].kind() == "ServiceAccount" || acc[j].effective_namespace() == own
            });
        }
        if c.len() == 1 {
            return Ok(Some(c[0]));
        }
        c.retain(|&j| affixes_equal(&acc[j], x, true));
        if c.len() > 1 {
            c.retain(|&j| affixes_equal(&acc[j], x, false));
        }
        match c.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            [first, rest @ ..] => {
                let same = |&j: &usize| {
                    acc[j].name() == acc[*first].name()
                        && (!by_namespace_too || acc[j].namespace() == acc[*first].namespace())
                };
                if rest.iter().all(same) {
                    Ok(Some(*first))
                } else {
                    Err(format!("found multiple possible referrals for '{old}'"))
                }
            }
        }
    }
}

/// kustomize's `PrefixesSuffixesEquals`.
fn affixes_equal(a: &KRes, b: &KRes, allow_empty: bool) -> bool {
    let ends = |x: &[String], y: &[String]| {
        let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
        if short.is_empty() {
            return long.is_empty();
        }
        long[long.len() - short.len()..] == *short
    };
    if allow_empty {
        (a.prefixes.is_empty() || b.prefixes.is_empty() || ends(&a.prefixes, &b.prefixes))
            && (a.suffixes.is_empty() || b.suffixes.is_empty() || ends(&a.suffixes, &b.suffixes))
    } else {
        ends(&a.prefixes, &b.prefixes) && ends(&a.suffixes, &b.suffixes)
    }
}
