//! What `render` prints: annotated manifests plus cluster ConfigMaps, or clusters only.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::backends::BackendKind;
use crate::envoy::Cluster;
use crate::model::{Object, ObjectId, Origin, Printable};
use crate::options::{Options, OutputKind};
use crate::order::OrderKey;
use crate::render::Render;
use crate::yaml::{self, DocFormat, DocWriter};

pub const PREFIX: &str = "bcp-render.dev/";
/// Kubernetes rejects objects over 1 MiB; keep each ConfigMap's data well under it.
const CONFIGMAP_DATA_BUDGET: usize = 900 * 1024;

/// Keys sorted recursively, so output never depends on construction order.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => canonical_map(m),
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn canonical_map(m: &Map<String, Value>) -> Value {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), canonical(v))).collect())
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Sort object keys recursively, in place.
fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// The rendered clusters, canonical and sorted by name. Blackhole clusters (only present
/// with --allow-invalid) are included, as kgateway's translator shows them.
pub fn clusters(r: &Render) -> Vec<(usize, Value)> {
    let mut out: Vec<(usize, Value)> =
        r.translated.iter().enumerate().map(|(i, t)| (i, canonical_map(&t.cluster))).collect();
    out.sort_by(|a, b| r.backends[a.0].cluster_name.cmp(&r.backends[b.0].cluster_name));
    out
}

/// A cluster as printed. `render` prints each cluster right after translating it and drops
/// its tree, so that thousands of clusters are held as text, not as trees.
#[derive(Debug, Clone)]
pub struct PrintedCluster {
    /// Keys sorted; the ConfigMaps hold it and the config hash is taken over it.
    pub yaml: String,
    /// With `--format json`, the document `--output clusters` prints.
    pub json: Option<String>,
}

pub fn print_cluster(w: &mut DocWriter, cluster: Cluster, format: DocFormat) -> PrintedCluster {
    let mut v = Value::Object(cluster);
    sort_keys(&mut v);
    let yaml = w.emit(&v, DocFormat::Yaml);
    let json = (format == DocFormat::Json).then(|| w.emit(&v, DocFormat::Json));
    PrintedCluster { yaml, json }
}

/// Every backend's printed cluster, moved out of the render (printed now where the render
/// kept trees), with backend indexes sorted by cluster name.
fn take_printed(r: &mut Render, format: DocFormat) -> Vec<(usize, PrintedCluster)> {
    let mut w = DocWriter::default();
    let mut out: Vec<(usize, PrintedCluster)> = r
        .translated
        .iter_mut()
        .enumerate()
        .map(|(i, t)| {
            let printed =
                t.printed.take().unwrap_or_else(|| print_cluster(&mut w, std::mem::take(&mut t.cluster), format));
            (i, printed)
        })
        .collect();
    out.sort_by(|a, b| r.backends[a.0].cluster_name.cmp(&r.backends[b.0].cluster_name));
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
fn annotations(r: &Render, clusters: &[(usize, PrintedCluster)]) -> Vec<Annotations> {
    let mut out: Vec<Annotations> = vec![Vec::new(); r.objects.len()];
    // Targets: each object's clusters, in name order.
    let mut per_target: Vec<Vec<usize>> = vec![Vec::new(); r.objects.len()];
    let mut cluster_of: Vec<&str> = vec![""; r.backends.len()];
    for (bi, c) in clusters {
        per_target[r.backends[*bi].object].push(*bi);
        cluster_of[*bi] = &c.yaml;
    }
    for (obj, bis) in per_target.iter().enumerate().filter(|(_, bis)| !bis.is_empty()) {
        let names: Vec<&str> = bis.iter().map(|&b| r.backends[b].cluster_name.as_str()).collect();
        let mut policies: Vec<usize> = Vec::new();
        for &b in bis {
            for a in &r.attached.by_backend[b] {
                if !policies.contains(&a.policy) {
                    policies.push(a.policy);
                }
            }
        }
        let policy_names: Vec<String> = policies.iter().map(|&p| r.attached.policies[p].id.ns_name()).collect();
        let rendered: Vec<&str> = bis.iter().map(|&b| cluster_of[b]).collect();
        out[obj].extend([
            (CLUSTERS, names.join(",")),
            (POLICIES, policy_names.join(",")),
            (CONFIG_HASH, format!("sha256:{}", config_hash(&rendered))),
        ]);
    }
    // Policies: what each attached to (backend indexes; labels sorted and deduplicated
    // below, once per policy), and its state.
    let labels: Vec<String> = r.backends.iter().map(|b| target_label(&b.target, b.kind)).collect();
    let n = r.attached.policies.len();
    let mut attached_to: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut invalid = vec![false; n];
    let mut overridden = vec![false; n];
    for (bi, atts) in r.attached.by_backend.iter().enumerate() {
        let t = &r.translated[bi];
        for (ai, a) in atts.iter().enumerate() {
            attached_to[a.policy].push(bi);
            invalid[a.policy] |= t.errors.iter().any(|e| e.policy == ai);
            overridden[a.policy] |= t.tls_overridden.contains(&ai);
        }
    }
    for (pi, p) in r.attached.policies.iter().enumerate() {
        let mut targets: Vec<&str> = attached_to[pi].iter().map(|&b| labels[b].as_str()).collect();
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
        out[p.object].extend([(ATTACHED_TO, attached), (STATUS, status.into())]);
    }
    out
}

fn target_label(id: &ObjectId, kind: BackendKind) -> String {
    match kind {
        BackendKind::GlobalService => format!("ServiceEntry {}/{} (global service)", id.namespace, id.name),
        _ => format!("{} {}/{}", id.kind, id.namespace, id.name),
    }
}

/// Per-namespace ConfigMaps holding the clusters, split to stay under the size limit.
fn config_maps(r: &Render, clusters: Vec<(usize, PrintedCluster)>, opts: &Options) -> Vec<Object> {
    let mut by_ns: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for (bi, c) in clusters {
        let b = &r.backends[bi];
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
pub fn documents(mut r: Render, opts: &Options, format: DocFormat) -> Vec<Doc> {
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
            let objects = std::mem::take(&mut r.objects);
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
    let limits = yaml::ParseLimits::default();
    let v = yaml::parse_stream(yaml_text, &limits).ok().and_then(|mut d| d.pop()).map(|d| d.value);
    yaml::emit_doc(&v.unwrap_or(Value::Null), DocFormat::Json)
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
