//! What `render` prints: the input manifests annotated with what attaches to what, plus
//! ConfigMaps holding the clusters; or the clusters only.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::core::index::{ClusterIdx, Idx, PolicyIdx};
use crate::core::object::{Object, ObjectId, Origin, Printable};
use crate::core::options::{Options, OutputKind};
use crate::core::order::OrderKey;
use crate::core::yaml::{self, DocFormat, DocWriter};
use crate::pipeline::backends::BackendKind;
use crate::pipeline::rendered::{ClusterOut, Rendered};
use crate::pipeline::translate::print::{PrintedCluster, print_cluster, sort_keys};

pub const PREFIX: &str = "bcp-render.dev/";
/// Kubernetes rejects objects over 1 MiB; keep each ConfigMap's data well under it.
const CONFIGMAP_DATA_BUDGET: usize = 900 * 1024;

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Every cluster as a tree, keys sorted, by cluster index (in name order). Blackhole
/// clusters (only present with --allow-invalid) are included, as kgateway's translator
/// shows them.
pub fn clusters(r: &Rendered) -> Vec<(ClusterIdx, Value)> {
    r.clusters
        .enumerate()
        .map(|(ci, row)| {
            let tree = match &row.cluster {
                ClusterOut::Tree(c) => {
                    let mut v = Value::Object(c.clone());
                    sort_keys(&mut v);
                    v
                }
                ClusterOut::Printed(p) => parse_printed(&p.yaml),
            };
            (ci, tree)
        })
        .collect()
}

/// A document this program printed, read back.
fn parse_printed(text: &str) -> Value {
    let limits = yaml::ParseLimits::default();
    yaml::parse_stream(text, &limits).ok().and_then(|mut d| d.pop()).map_or(Value::Null, |d| d.value)
}

/// Every cluster printed, moved out of the result (printed now where the pipeline kept
/// trees), by cluster index.
fn take_printed(r: &mut Rendered, format: DocFormat) -> Vec<(ClusterIdx, PrintedCluster)> {
    let mut w = DocWriter::default();
    let mut out = Vec::with_capacity(r.clusters.len());
    for (i, row) in r.clusters.iter_mut().enumerate() {
        let printed = match std::mem::replace(&mut row.cluster, ClusterOut::Tree(Map::new())) {
            ClusterOut::Printed(p) => p,
            ClusterOut::Tree(c) => print_cluster(&mut w, c, format),
        };
        out.push((ClusterIdx::new(i), printed));
    }
    out
}

/// sha256 over a target's clusters as `--output clusters` prints them (YAML, in name order).
fn config_hash(clusters: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, c) in clusters.iter().enumerate() {
        if i > 0 {
            h.update(DocFormat::Yaml.separator());
        }
        h.update(c);
    }
    hex(&h.finalize())
}

/// Annotations of one object (key, value).
pub type Annotations = Vec<(&'static str, String)>;

const CLUSTERS: &str = "bcp-render.dev/clusters";
const POLICIES: &str = "bcp-render.dev/policies";
const CONFIG_HASH: &str = "bcp-render.dev/config-hash";
const ATTACHED_TO: &str = "bcp-render.dev/attached-to";
const STATUS: &str = "bcp-render.dev/status";

fn set_annotations(value: &mut Value, mut annotations: Annotations) {
    if annotations.is_empty() {
        return;
    }
    annotations.sort_by_key(|(k, _)| *k);
    let Some(obj) = value.as_object_mut() else { return };
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else { return };
    let fresh = || Value::Object(Map::with_capacity(annotations.len()));
    let ann = meta.entry("annotations").or_insert_with(fresh);
    if !ann.is_object() {
        *ann = fresh();
    }
    if let Some(ann) = ann.as_object_mut() {
        for (k, v) in annotations {
            ann.insert(k.to_string(), Value::String(v));
        }
    }
}

/// Annotations per object index. Indexed by dense vectors rather than maps: this runs once
/// per object of a large repository.
fn annotations(r: &Rendered, clusters: &[(ClusterIdx, PrintedCluster)]) -> Vec<Annotations> {
    let mut out: Vec<Annotations> = vec![Vec::new(); r.objects.len()];
    target_annotations(r, clusters, &mut out);
    policy_annotations(r, &mut out);
    out
}

/// On each target: its clusters, in name order, the policies attached to them, and the hash
/// of the clusters as printed.
fn target_annotations(r: &Rendered, clusters: &[(ClusterIdx, PrintedCluster)], out: &mut [Annotations]) {
    let mut per_target: Vec<Vec<ClusterIdx>> = vec![Vec::new(); r.objects.len()];
    let mut cluster_of: Vec<&str> = vec![""; r.clusters.len()];
    for (ci, c) in clusters {
        per_target[r.clusters[*ci].backend.object.get()].push(*ci);
        cluster_of[ci.get()] = &c.yaml;
    }
    for (obj, cis) in per_target.iter().enumerate().filter(|(_, cis)| !cis.is_empty()) {
        let names: Vec<&str> = cis.iter().map(|&c| r.clusters[c].backend.cluster_name.as_str()).collect();
        let mut policies: Vec<PolicyIdx> = Vec::new();
        for &c in cis {
            for a in &r.clusters[c].attachments {
                if !policies.contains(&a.policy) {
                    policies.push(a.policy);
                }
            }
        }
        let policy_names: Vec<String> = policies.iter().map(|&p| r.policies[p].id.ns_name()).collect();
        let rendered: Vec<&str> = cis.iter().map(|&c| cluster_of[c.get()]).collect();
        out[obj].extend([
            (CLUSTERS, names.join(",")),
            (POLICIES, policy_names.join(",")),
            (CONFIG_HASH, format!("sha256:{}", config_hash(&rendered))),
        ]);
    }
}

/// On each policy: what it attached to (targets sorted and deduplicated, once per policy),
/// and its state.
fn policy_annotations(r: &Rendered, out: &mut [Annotations]) {
    let labels: Vec<String> =
        r.clusters.iter().map(|row| target_label(&row.backend.target, row.backend.kind)).collect();
    let n = r.policies.len();
    let mut attached_to: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut invalid = vec![false; n];
    let mut overridden = vec![false; n];
    for (ci, row) in r.clusters.enumerate() {
        for a in &row.attachments {
            let p = a.policy.get();
            attached_to[p].push(ci.get());
            invalid[p] |= row.errors.iter().any(|e| e.policy == a.policy);
            overridden[p] |= row.tls_overridden.contains(&a.policy);
        }
    }
    for (pi, p) in r.policies.iter().enumerate() {
        let mut targets: Vec<&str> = attached_to[pi].iter().map(|&c| labels[c].as_str()).collect();
        targets.sort_unstable();
        targets.dedup();
        let status = if invalid[pi] {
            "Invalid"
        } else if targets.is_empty() {
            "NotAttached"
        } else if overridden[pi] {
            "Attached, tls Overridden by BackendTLSPolicy"
        } else {
            "Attached"
        };
        let attached = if targets.is_empty() { "none".into() } else { targets.join(",") };
        out[p.object.get()].extend([(ATTACHED_TO, attached), (STATUS, status.into())]);
    }
}

fn target_label(id: &ObjectId, kind: BackendKind) -> String {
    match kind {
        BackendKind::GlobalService => format!("ServiceEntry {}/{} (global service)", id.namespace, id.name),
        _ => format!("{} {}/{}", id.kind, id.namespace, id.name),
    }
}

/// Per-namespace ConfigMaps holding the clusters, split to stay under the size limit.
fn config_maps(r: &Rendered, clusters: Vec<(ClusterIdx, PrintedCluster)>, opts: &Options) -> Vec<Object> {
    let mut by_ns: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for (ci, c) in clusters {
        let b = &r.clusters[ci].backend;
        by_ns.entry(&b.namespace).or_default().push((&b.cluster_name, c.yaml));
    }
    let mut out = Vec::new();
    for (ns, entries) in by_ns {
        let mut chunks: Vec<Map<String, Value>> = vec![Map::new()];
        let mut size = 0;
        for (name, text) in entries {
            let len = name.len() + text.len() + 16;
            if size + len > CONFIGMAP_DATA_BUDGET && !chunks.last().is_some_and(Map::is_empty) {
                chunks.push(Map::new());
                size = 0;
            }
            size += len;
            if let Some(last) = chunks.last_mut() {
                last.insert(format!("{name}.yaml"), Value::String(text));
            }
        }
        for (i, data) in chunks.into_iter().enumerate() {
            let name = if i == 0 { opts.configmap_name.clone() } else { format!("{}-{}", opts.configmap_name, i + 1) };
            let value = json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "labels": {"app.kubernetes.io/managed-by": "bcp-render"},
                    "annotations": {format!("{PREFIX}kgateway-version"): opts.release.name()},
                },
                "data": data,
            });
            let id = ObjectId { group: String::new(), kind: "ConfigMap".into(), namespace: ns.into(), name };
            out.push(Object::new(value, Origin { file: "<generated>".into(), ..Origin::default() }, id));
        }
    }
    out
}

/// A document of the output: a tree still to print (with the annotations it gets as it is
/// printed, while it is in cache), or a document already printed.
pub enum Doc {
    Tree(Value, Annotations),
    Printed(String),
}

/// The documents `render` prints, in order. The render is consumed: objects are moved into
/// the output (annotated in place) and everything else is freed before serialization.
pub fn documents(mut r: Rendered, opts: &Options, format: DocFormat) -> Vec<Doc> {
    let clusters = take_printed(&mut r, format);
    match opts.output {
        OutputKind::Clusters => clusters
            .into_iter()
            .map(|(_, c)| {
                Doc::Printed(match format {
                    DocFormat::Json => c.json.unwrap_or_else(|| reformat_json(&c.yaml)),
                    DocFormat::Yaml => c.yaml,
                })
            })
            .collect(),
        OutputKind::All => {
            let mut ann = annotations(&r, &clusters);
            let config_maps = config_maps(&r, clusters, opts);
            let objects = std::mem::take(&mut r.objects).into_vec();
            drop(r);
            let n = objects.len();
            // (output position, input index, document): keys are computed once per object,
            // and ties keep the input order, as a stable sort by key does.
            let mut items: Vec<(OrderKey, usize, Option<Doc>)> = Vec::with_capacity(n + config_maps.len());
            for (i, o) in objects.into_iter().chain(config_maps).enumerate() {
                let (key, printable) = o.into_output();
                let doc = match printable {
                    Printable::Tree(v) => {
                        let annotations = if i < n { std::mem::take(&mut ann[i]) } else { Vec::new() };
                        Some(Doc::Tree(v, annotations))
                    }
                    Printable::Text(text) => Some(Doc::Printed(text)),
                    // Sealed for a command that prints no manifests.
                    Printable::Nothing => None,
                };
                items.push((key, i, doc));
            }
            items.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            items.into_iter().filter_map(|(_, _, doc)| doc).collect()
        }
    }
}

/// A cluster printed in YAML, as JSON (only when the render printed YAML only).
fn reformat_json(yaml_text: &str) -> String {
    yaml::emit_doc(&parse_printed(yaml_text), DocFormat::Json)
}

/// Serialize documents; each one is freed once written.
pub fn serialize(docs: Vec<Doc>, format: DocFormat) -> String {
    serialize_chunks(docs, format).concat()
}

/// [`serialize`] as pieces (concatenated, they are the output): the output then fills memory
/// freed by the documents instead of a second large buffer.
pub fn serialize_chunks(docs: Vec<Doc>, format: DocFormat) -> Vec<Cow<'static, str>> {
    let mut out = Vec::with_capacity(docs.len() * 2);
    let mut w = DocWriter::default();
    for (i, doc) in docs.into_iter().enumerate() {
        if i > 0 && !format.separator().is_empty() {
            out.push(Cow::Borrowed(format.separator()));
        }
        out.push(Cow::Owned(match doc {
            Doc::Tree(mut v, annotations) => {
                set_annotations(&mut v, annotations);
                w.emit(&v, format)
            }
            Doc::Printed(text) => text,
        }));
    }
    out
}
