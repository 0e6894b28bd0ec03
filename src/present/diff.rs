//! `diff`: what a change to the repository changes in Envoy, cluster by cluster and field by
//! field, with the policy and file responsible for each change.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::Value;

use crate::core::index::{ClusterIdx, ObjectIdx};
use crate::pipeline::fields::FIELDS;
use crate::pipeline::rendered::Rendered;
use crate::present::manifests;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// `Kind ns/name (file:line)` of what caused it.
    #[serde(rename = "caused_by")]
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClusterDiff {
    Added { name: String, responsible: Vec<String> },
    Removed { name: String, responsible: Vec<String> },
    Changed { name: String, changes: Vec<FieldChange> },
}

/// `{"cluster", "change", "caused_by"}`, or `{"cluster", "change": "changed", "fields"}`.
impl Serialize for ClusterDiff {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("ClusterDiff", 3)?;
        m.serialize_field("cluster", self.name())?;
        match self {
            ClusterDiff::Added { responsible, .. } | ClusterDiff::Removed { responsible, .. } => {
                m.serialize_field(
                    "change",
                    if matches!(self, ClusterDiff::Added { .. }) { "added" } else { "removed" },
                )?;
                m.serialize_field("caused_by", responsible)?;
            }
            ClusterDiff::Changed { changes, .. } => {
                m.serialize_field("change", "changed")?;
                m.serialize_field("fields", changes)?;
            }
        }
        m.end()
    }
}

impl ClusterDiff {
    pub fn name(&self) -> &str {
        match self {
            ClusterDiff::Added { name, .. } | ClusterDiff::Removed { name, .. } | ClusterDiff::Changed { name, .. } => {
                name
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttachmentChange {
    pub policy: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diff {
    pub clusters: Vec<ClusterDiff>,
    pub attachments: Vec<AttachmentChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.attachments.is_empty()
    }
}

fn object_label(r: &Rendered, index: ObjectIdx) -> String {
    let o = &r.objects[index];
    format!("{} ({}:{})", o.id.display(), o.origin.file, o.origin.line)
}

/// Who is responsible for a top-level field of a cluster: the policies whose winning fields
/// write it (the registry says which fields write what), and the BackendTLSPolicy for the
/// transport socket.
fn responsible(r: &Rendered, ci: ClusterIdx, envoy_field: &str) -> Vec<String> {
    let row = &r.clusters[ci];
    let mut out = Vec::new();
    for f in FIELDS.iter().filter(|f| f.envoy.contains(&envoy_field)) {
        if let Some(owner) = row.merged.owner(f.name) {
            let label = object_label(r, r.policies[owner].object);
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    if envoy_field == "transport_socket"
        && let Some(btp) = row.backend_tls
    {
        out.push(object_label(r, btp));
    }
    out
}

fn path_join(base: &str, key: &str) -> String {
    if key.contains('.') || key.contains('/') {
        format!("{base}[{key:?}]")
    } else if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// Leaf-level differences between two values.
pub fn value_changes(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<(String, Option<Value>, Option<Value>)>,
) {
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                value_changes(&path_join(path, k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                value_changes(&format!("{path}[{i}]"), Some(x), Some(y), out);
            }
        }
        (a, b) if a != b => out.push((path.to_string(), a.cloned(), b.cloned())),
        _ => {}
    }
}

fn clusters_by_name(r: &Rendered) -> BTreeMap<String, (ClusterIdx, Value)> {
    manifests::clusters(r).into_iter().map(|(ci, c)| (r.clusters[ci].backend.cluster_name.clone(), (ci, c))).collect()
}

fn policy_targets(r: &Rendered) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = r.policies.iter().map(|p| (p.id.display(), Vec::new())).collect();
    for row in &r.clusters {
        for a in &row.attachments {
            let list = out.entry(r.policies[a.policy].id.display()).or_default();
            let b = &row.backend;
            let name = format!("{} {}", b.target.kind, b.target.ns_name());
            if !list.contains(&name) {
                list.push(name);
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// Compare two renders made with the same options.
pub fn diff(base: &Rendered, head: &Rendered) -> Diff {
    let a = clusters_by_name(base);
    let b = clusters_by_name(head);
    let mut clusters = Vec::new();
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        match (a.get(name), b.get(name)) {
            (Some((bi, _)), None) => clusters.push(ClusterDiff::Removed {
                name: name.clone(),
                responsible: vec![object_label(base, base.clusters[*bi].backend.object)],
            }),
            (None, Some((bi, _))) => clusters.push(ClusterDiff::Added {
                name: name.clone(),
                responsible: vec![object_label(head, head.clusters[*bi].backend.object)],
            }),
            (Some((abi, av)), Some((bbi, bv))) if av != bv => {
                let mut raw = Vec::new();
                value_changes("", Some(av), Some(bv), &mut raw);
                let changes = raw
                    .into_iter()
                    .map(|(path, old, new)| {
                        let top = path.split(['.', '[']).next().unwrap_or("").to_string();
                        let mut who = responsible(head, *bbi, &top);
                        for w in responsible(base, *abi, &top) {
                            if !who.contains(&w) {
                                who.push(w);
                            }
                        }
                        if who.is_empty() {
                            who.push(object_label(head, head.clusters[*bbi].backend.object));
                        }
                        FieldChange { path, old, new, responsible: who }
                    })
                    .collect();
                clusters.push(ClusterDiff::Changed { name: name.clone(), changes });
            }
            _ => {}
        }
    }
    let before = policy_targets(base);
    let after = policy_targets(head);
    let mut attachments = Vec::new();
    let policies: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for p in policies {
        let x = before.get(p).cloned().unwrap_or_default();
        let y = after.get(p).cloned().unwrap_or_default();
        if x != y {
            attachments.push(AttachmentChange { policy: p.clone(), before: x, after: y });
        }
    }
    Diff { clusters, attachments }
}
