//! Why a policy attaches to nothing, one reason per target reference or selector: kgateway
//! accepts such a policy silently (no status), so a typo in a target would go unnoticed.

use std::fmt;

use serde_json::Value;

use crate::core::kind::TargetKind;
use crate::core::object::Object;
use crate::core::value::string_map;
use crate::pipeline::backends::Backend;

/// One reason a policy attaches to nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unattached {
    NoTargets,
    /// `targetRefs[index]` names nothing in the input.
    NoSuchTarget {
        index: usize,
        kind: String,
        name: String,
    },
    /// `targetRefs[index]` names a target of other namespaces only.
    WrongNamespace {
        index: usize,
        kind: String,
        name: String,
        namespaces: Vec<String>,
        from_global: bool,
    },
    EmptySelector {
        index: usize,
    },
    /// `targetSelectors[index]` matches nothing; `elsewhere` names the policy's namespace when
    /// the selector would match in other namespaces were it the global policy namespace.
    SelectorMatchesNothing {
        index: usize,
        kind: String,
        global: bool,
        namespace: String,
        labels: String,
        elsewhere: bool,
    },
    /// Nothing more precise could be said.
    Unknown,
}

impl fmt::Display for Unattached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unattached::NoTargets => write!(f, "it has neither targetRefs nor targetSelectors"),
            Unattached::NoSuchTarget { index, kind, name } => {
                write!(f, "targetRefs[{index}]: no {kind} {name:?} in the input (no such target)")
            }
            Unattached::WrongNamespace { index, kind, name, namespaces, from_global } => {
                write!(
                    f,
                    "targetRefs[{index}]: {kind} {name:?} exists only in namespace {} (wrong namespace: targetRefs are namespace-local)",
                    namespaces.join(", ")
                )?;
                if *from_global {
                    write!(f, "; from the global policy namespace only targetSelectors reach other namespaces")?;
                }
                Ok(())
            }
            Unattached::EmptySelector { index } => {
                write!(f, "targetSelectors[{index}]: empty matchLabels matches nothing")
            }
            Unattached::SelectorMatchesNothing { index, kind, global, namespace, labels, elsewhere } => {
                let scope = if *global { "any namespace".to_string() } else { format!("namespace {namespace}") };
                write!(
                    f,
                    "targetSelectors[{index}]: selector matches nothing: no {kind} in {scope} has labels {labels}"
                )?;
                if *elsewhere {
                    write!(
                        f,
                        "; it would match in other namespaces if {namespace} were the global policy namespace \
                         (--global-policy-namespace {namespace}, kgateway's KGW_GLOBAL_POLICY_NAMESPACE)"
                    )?;
                }
                Ok(())
            }
            Unattached::Unknown => write!(f, "no target found"),
        }
    }
}

fn s(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

fn list<'v>(spec: Option<&'v Value>, key: &str) -> &'v [Value] {
    spec.and_then(|s| s.get(key)).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Why the policy `obj` attaches to none of `backends`.
pub fn unattached(obj: &Object, backends: &[&Backend], global_ns: Option<&str>) -> Vec<Unattached> {
    let spec = obj.spec();
    let (refs, sels) = (list(spec, "targetRefs"), list(spec, "targetSelectors"));
    let mut out = Vec::new();
    if refs.is_empty() && sels.is_empty() {
        out.push(Unattached::NoTargets);
    }
    let ns = &obj.id.namespace;
    let from_global = global_ns == Some(ns.as_str());
    for (index, t) in refs.iter().enumerate() {
        out.extend(unattached_ref(index, t, ns, from_global, backends));
    }
    for (index, t) in sels.iter().enumerate() {
        let labels = string_map(t.get("matchLabels"));
        if labels.is_empty() {
            out.push(Unattached::EmptySelector { index });
            continue;
        }
        // The same selector matches elsewhere: probably the global policy namespace is unset.
        let target = TargetKind::of(&s(t, "group"), &s(t, "kind"));
        let matches_elsewhere = backends.iter().any(|b| {
            Some(b.kind.target_kind()) == target && b.namespace != *ns && labels.iter().all(|l| b.labels.contains(l))
        });
        out.push(Unattached::SelectorMatchesNothing {
            index,
            kind: s(t, "kind"),
            global: from_global,
            namespace: ns.clone(),
            labels: labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
            elsewhere: !from_global && matches_elsewhere,
        });
    }
    if out.is_empty() {
        out.push(Unattached::Unknown);
    }
    out
}

/// Why `targetRefs[index]` names no backend in the policy's namespace `ns`, if it does not.
fn unattached_ref(index: usize, t: &Value, ns: &str, from_global: bool, backends: &[&Backend]) -> Option<Unattached> {
    let (kind, name) = (s(t, "kind"), s(t, "name"));
    let target = TargetKind::of(&s(t, "group"), &kind);
    let named = |b: &&&Backend| match target {
        Some(TargetKind::Hostname) => b.hostnames.contains(&name),
        Some(k) => b.kind.target_kind() == k && b.target.name == name,
        None => false,
    };
    let mut namespaces: Vec<String> = backends.iter().filter(named).map(|b| b.namespace.clone()).collect();
    if namespaces.iter().any(|n| n == ns) {
        return None;
    }
    namespaces.sort();
    namespaces.dedup();
    Some(if namespaces.is_empty() {
        Unattached::NoSuchTarget { index, kind, name }
    } else {
        Unattached::WrongNamespace { index, kind, name, namespaces, from_global }
    })
}
