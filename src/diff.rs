//! `diff`: what a change to the repository changes in Envoy, cluster by cluster and field by
//! field, with the policy and file responsible for each change.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::output;
use crate::render::Render;

#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// `Kind ns/name (file:line)` of what caused it.
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClusterDiff {
    Added { name: String, responsible: Vec<String> },
    Removed { name: String, responsible: Vec<String> },
    Changed { name: String, changes: Vec<FieldChange> },
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

#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentChange {
    pub policy: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    pub clusters: Vec<ClusterDiff>,
    pub attachments: Vec<AttachmentChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty() && self.attachments.is_empty()
    }
}

/// The BCP fields that produce a top-level Envoy cluster field.
fn bcp_fields_for(envoy_field: &str) -> &'static [&'static str] {
    match envoy_field {
        "connect_timeout" => &["connectTimeout"],
        "per_connection_buffer_limit_bytes" => &["perConnectionBufferLimitBytes"],
        "upstream_connection_options" => &["tcpKeepalive"],
        "typed_extension_protocol_options" => {
            &["commonHttpProtocolOptions", "http1ProtocolOptions", "http2ProtocolOptions"]
        }
        "transport_socket" => &["tls", "upstreamProxyProtocol"],
        "common_lb_config" | "load_balancing_policy" => &["loadBalancer"],
        "health_checks" => &["healthCheck"],
        "outlier_detection" => &["outlierDetection"],
        "circuit_breakers" => &["circuitBreakers"],
        "cluster_type" => &["dns"],
        _ => &[],
    }
}

fn object_label(r: &Render, index: usize) -> String {
    let o = &r.objects[index];
    format!("{} ({}:{})", o.id.display(), o.origin.file, o.origin.line)
}

/// Who is responsible for a top-level field of a cluster in a render.
fn responsible(r: &Render, bi: usize, envoy_field: &str) -> Vec<String> {
    let t = &r.translated[bi];
    let atts = &r.attached.by_backend[bi];
    let mut out = Vec::new();
    for f in bcp_fields_for(envoy_field) {
        if let Some(owner) = t.merged.owner(f) {
            let label = object_label(r, r.attached.policies[atts[owner].policy].object);
            if !out.contains(&label) {
                out.push(label);
            }
        }
    }
    if envoy_field == "transport_socket"
        && let Some(btp) = r.backend_tls[bi]
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
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
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

fn clusters_by_name(r: &Render) -> BTreeMap<String, (usize, Value)> {
    output::clusters(r).into_iter().map(|(bi, c)| (r.backends[bi].cluster_name.clone(), (bi, c))).collect()
}

fn policy_targets(r: &Render) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> =
        r.attached.policies.iter().map(|p| (p.id.display(), Vec::new())).collect();
    for (bi, atts) in r.attached.by_backend.iter().enumerate() {
        for a in atts {
            let list = out.entry(r.attached.policies[a.policy].id.display()).or_default();
            let b = &r.backends[bi];
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
pub fn diff(base: &Render, head: &Render) -> Diff {
    let a = clusters_by_name(base);
    let b = clusters_by_name(head);
    let mut clusters = Vec::new();
    let names: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        match (a.get(name), b.get(name)) {
            (Some((bi, _)), None) => clusters.push(ClusterDiff::Removed {
                name: name.clone(),
                responsible: vec![object_label(base, base.backends[*bi].object)],
            }),
            (None, Some((bi, _))) => clusters.push(ClusterDiff::Added {
                name: name.clone(),
                responsible: vec![object_label(head, head.backends[*bi].object)],
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
                            who.push(object_label(head, head.backends[*bbi].object));
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
    let policies: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for p in policies {
        let x = before.get(p).cloned().unwrap_or_default();
        let y = after.get(p).cloned().unwrap_or_default();
        if x != y {
            attachments.push(AttachmentChange { policy: p.clone(), before: x, after: y });
        }
    }
    Diff { clusters, attachments }
}

fn show(v: &Option<Value>) -> String {
    match v {
        None => "(unset)".into(),
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn list(v: &[String]) -> String {
    if v.is_empty() { "nothing".into() } else { v.join(", ") }
}

pub fn text(d: &Diff) -> String {
    let mut out = String::new();
    for c in &d.clusters {
        match c {
            ClusterDiff::Added { name, responsible } => {
                out.push_str(&format!("+ cluster {name}  ({})\n", responsible.join("; ")))
            }
            ClusterDiff::Removed { name, responsible } => {
                out.push_str(&format!("- cluster {name}  ({})\n", responsible.join("; ")))
            }
            ClusterDiff::Changed { name, changes } => {
                out.push_str(&format!("~ cluster {name}\n"));
                for ch in changes {
                    out.push_str(&format!(
                        "    {}: {} -> {}  ({})\n",
                        ch.path,
                        show(&ch.old),
                        show(&ch.new),
                        ch.responsible.join("; ")
                    ));
                }
            }
        }
    }
    if !d.attachments.is_empty() {
        out.push_str("policy attachments:\n");
        for a in &d.attachments {
            out.push_str(&format!("  {}: {} -> {}\n", a.policy, list(&a.before), list(&a.after)));
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(d: &Diff) -> String {
    let mut out = String::from("### bcp-render: Envoy cluster changes\n\n");
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    for c in &d.clusters {
        match c {
            ClusterDiff::Added { .. } => added += 1,
            ClusterDiff::Removed { .. } => removed += 1,
            ClusterDiff::Changed { .. } => changed += 1,
        }
    }
    out.push_str(&format!(
        "{added} added, {removed} removed, {changed} changed cluster(s); {} policy attachment change(s).\n\n",
        d.attachments.len()
    ));
    if !d.clusters.is_empty() {
        out.push_str("| cluster | change | fields | caused by |\n|---|---|---|---|\n");
        for c in &d.clusters {
            let (kind, fields, who) = match c {
                ClusterDiff::Added { responsible, .. } => ("added", String::new(), responsible.clone()),
                ClusterDiff::Removed { responsible, .. } => ("removed", String::new(), responsible.clone()),
                ClusterDiff::Changed { changes, .. } => {
                    let mut who: Vec<String> = Vec::new();
                    for ch in changes {
                        for w in &ch.responsible {
                            if !who.contains(w) {
                                who.push(w.clone());
                            }
                        }
                    }
                    ("changed", format!("{}", changes.len()), who)
                }
            };
            out.push_str(&format!("| `{}` | {kind} | {fields} | {} |\n", c.name(), md_cell(&who.join("<br>"))));
        }
        out.push('\n');
    }
    for c in &d.clusters {
        if let ClusterDiff::Changed { name, changes } = c {
            out.push_str(&format!("<details><summary><code>{name}</code>: {} field(s)</summary>\n\n", changes.len()));
            out.push_str("| Envoy field | before | after | caused by |\n|---|---|---|---|\n");
            for ch in changes {
                out.push_str(&format!(
                    "| `{}` | `{}` | `{}` | {} |\n",
                    md_cell(&ch.path),
                    md_cell(&show(&ch.old)),
                    md_cell(&show(&ch.new)),
                    md_cell(&ch.responsible.join("<br>"))
                ));
            }
            out.push_str("\n</details>\n\n");
        }
    }
    if !d.attachments.is_empty() {
        out.push_str("**Policy attachments**\n\n| policy | before | after |\n|---|---|---|\n");
        for a in &d.attachments {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                md_cell(&a.policy),
                md_cell(&list(&a.before)),
                md_cell(&list(&a.after))
            ));
        }
    }
    out
}

pub fn json(d: &Diff) -> Value {
    let clusters: Vec<Value> = d
        .clusters
        .iter()
        .map(|c| match c {
            ClusterDiff::Added { name, responsible } => {
                json!({"cluster": name, "change": "added", "caused_by": responsible})
            }
            ClusterDiff::Removed { name, responsible } => {
                json!({"cluster": name, "change": "removed", "caused_by": responsible})
            }
            ClusterDiff::Changed { name, changes } => {
                json!({"cluster": name, "change": "changed", "fields": changes.iter().map(|ch| json!({
                "path": ch.path, "old": ch.old, "new": ch.new, "caused_by": ch.responsible})).collect::<Vec<_>>()})
            }
        })
        .collect();
    let attachments: Vec<Value> =
        d.attachments.iter().map(|a| json!({"policy": a.policy, "before": a.before, "after": a.after})).collect();
    json!({"clusters": clusters, "attachments": attachments})
}
