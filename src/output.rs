//! What `render` prints: annotated manifests plus cluster ConfigMaps, or clusters only.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::backends::BackendKind;
use crate::model::{Object, ObjectId, Origin};
use crate::options::{Format, Options, OutputKind};
use crate::render::Render;
use crate::yaml;

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

/// [`clusters`], moved out of the render instead of copied.
fn take_clusters(r: &mut Render) -> Vec<(usize, Value)> {
    let mut out: Vec<(usize, Value)> = r
        .translated
        .iter_mut()
        .enumerate()
        .map(|(i, t)| {
            let mut v = Value::Object(std::mem::take(&mut t.cluster));
            sort_keys(&mut v);
            (i, v)
        })
        .collect();
    out.sort_by(|a, b| r.backends[a.0].cluster_name.cmp(&r.backends[b.0].cluster_name));
    out
}

/// Feeds everything written into a hash, so that values are hashed without a buffer.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// sha256 over the canonical JSON of a target's clusters, in name order.
fn config_hash(clusters: &[&Value]) -> String {
    let mut h = Sha256::new();
    for c in clusters {
        // Serializing a Value into a writer that cannot fail cannot fail.
        let _ = serde_json::to_writer(HashWriter(&mut h), c);
        h.update(b"\n");
    }
    hex(&h.finalize())
}

fn set_annotations(value: &mut Value, annotations: &BTreeMap<String, String>) {
    if annotations.is_empty() {
        return;
    }
    let Some(obj) = value.as_object_mut() else { return };
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    let Some(meta) = meta.as_object_mut() else { return };
    let ann = meta.entry("annotations").or_insert_with(|| json!({}));
    if !ann.is_object() {
        *ann = json!({});
    }
    if let Some(ann) = ann.as_object_mut() {
        for (k, v) in annotations {
            ann.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

/// `PREFIX` + name, without the formatting machinery (called several times per object).
fn annotation_key(name: &str) -> String {
    let mut key = String::with_capacity(PREFIX.len() + name.len());
    key.push_str(PREFIX);
    key.push_str(name);
    key
}

/// Annotations per object index.
fn annotations(r: &Render, clusters: &[(usize, Value)]) -> BTreeMap<usize, BTreeMap<String, String>> {
    let mut out: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
    // Targets: the object each cluster comes from.
    let mut per_target: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (bi, _) in clusters {
        per_target.entry(r.backends[*bi].object).or_default().push(*bi);
    }
    let cluster_of: BTreeMap<usize, &Value> = clusters.iter().map(|(i, v)| (*i, v)).collect();
    for (obj, bis) in &per_target {
        let names: Vec<&str> = bis.iter().map(|&b| r.backends[b].cluster_name.as_str()).collect();
        let mut policies: Vec<usize> = Vec::new();
        for &b in bis {
            for a in &r.attached.by_backend[b] {
                if !policies.contains(&a.policy) {
                    policies.push(a.policy);
                }
            }
        }
        let ann = out.entry(*obj).or_default();
        ann.insert(annotation_key("clusters"), names.join(","));
        let policy_names: Vec<String> = policies.iter().map(|&p| r.attached.policies[p].id.ns_name()).collect();
        ann.insert(annotation_key("policies"), policy_names.join(","));
        let rendered: Vec<&Value> = bis.iter().map(|b| cluster_of[b]).collect();
        ann.insert(annotation_key("config-hash"), format!("sha256:{}", config_hash(&rendered)));
    }
    // Policies: what each attached to, and its state.
    let mut attached_to: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut invalid: BTreeMap<usize, bool> = BTreeMap::new();
    let mut overridden: BTreeMap<usize, bool> = BTreeMap::new();
    for (bi, atts) in r.attached.by_backend.iter().enumerate() {
        let b = &r.backends[bi];
        let t = &r.translated[bi];
        for (ai, a) in atts.iter().enumerate() {
            let target = target_label(&b.target, b.kind);
            let list = attached_to.entry(a.policy).or_default();
            if !list.contains(&target) {
                list.push(target);
            }
            if t.errors.iter().any(|e| e.policy == ai) {
                invalid.insert(a.policy, true);
            }
            if t.tls_overridden.contains(&ai) {
                overridden.insert(a.policy, true);
            }
        }
    }
    for (pi, p) in r.attached.policies.iter().enumerate() {
        let ann = out.entry(p.object).or_default();
        let mut targets = attached_to.get(&pi).cloned().unwrap_or_default();
        targets.sort();
        let status = if invalid.contains_key(&pi) {
            "Invalid"
        } else if targets.is_empty() {
            "NotAttached"
        } else if overridden.contains_key(&pi) {
            "Attached, tls Overridden by BackendTLSPolicy"
        } else {
            "Attached"
        };
        ann.insert(annotation_key("attached-to"), if targets.is_empty() { "none".into() } else { targets.join(",") });
        ann.insert(annotation_key("status"), status.into());
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
/// Each cluster is freed once emitted.
fn config_maps(r: &Render, clusters: Vec<(usize, Value)>, opts: &Options) -> Vec<Object> {
    let mut by_ns: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for (bi, c) in clusters {
        let b = &r.backends[bi];
        by_ns.entry(&b.namespace).or_default().push((&b.cluster_name, yaml::emit_yaml(&c)));
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
            out.push(Object { value, origin: Origin { file: "<generated>".into(), ..Origin::default() }, id });
        }
    }
    out
}

/// The documents `render` prints, in order. The render is consumed: objects are moved into
/// the output (annotated in place) and everything else is freed before serialization.
pub fn documents(mut r: Render, opts: &Options) -> Vec<Value> {
    let clusters = take_clusters(&mut r);
    match opts.output {
        OutputKind::Clusters => clusters.into_iter().map(|(_, c)| c).collect(),
        OutputKind::All => {
            let mut ann = annotations(&r, &clusters);
            let config_maps = config_maps(&r, clusters, opts);
            let objects = std::mem::take(&mut r.objects);
            drop(r);
            // Sort keys are computed once per object, not per comparison.
            let mut order: Vec<((i32, String, String), usize)> = objects
                .iter()
                .chain(&config_maps)
                .map(crate::order::legacy_key)
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect();
            // Stable in the objects' order for equal keys, as a stable sort by key is.
            order.sort();
            let n = objects.len();
            let mut values: Vec<Option<Value>> =
                objects.into_iter().chain(config_maps).map(|o| Some(o.value)).collect();
            order
                .into_iter()
                .map(|(_, i)| {
                    let mut v = values[i].take().expect("each document is emitted once");
                    if i < n
                        && let Some(a) = ann.remove(&i)
                    {
                        set_annotations(&mut v, &a);
                    }
                    v
                })
                .collect()
        }
    }
}

/// Serialize documents in the chosen format.
/// Documents are consumed: each one is freed once written.
pub fn serialize(docs: Vec<Value>, format: Format) -> String {
    serialize_chunks(docs, format).concat()
}

/// [`serialize`] as one string per document (concatenated, they are the output): the output
/// then fills memory freed by the documents instead of a second large buffer.
pub fn serialize_chunks(docs: Vec<Value>, format: Format) -> Vec<String> {
    match format {
        Format::Json => yaml::emit_json_chunks(docs),
        _ => yaml::emit_yaml_chunks(docs),
    }
}
