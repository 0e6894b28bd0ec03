//! The built-in transformers of one kustomization, run on everything accumulated so far, in
//! kustomize's order: `patches` → `namespace` → `namePrefix` → `nameSuffix` → `labels`
//! (then `commonLabels`) → `commonAnnotations` → `patchesJson6902` → `replicas`.

use serde_json::{Map, Value};

use super::fieldspec::{Leaf, set_entries, walk, walk_spec};
use super::file::{Kust, LabelSet, Patch, kerr, unsupported};
use super::json_patch;
use super::res::KRes;
use super::tables::{self, Gvk};
use crate::core::diag::{DiagKind, Diagnostic};
use crate::core::object::ObjectId;
use crate::core::yaml::kustomize_resolves_to_string;
use crate::pipeline::load::ctx::Ctx;

pub(crate) fn transform(ctx: &mut Ctx<'_>, k: &Kust, acc: &mut [KRes]) {
    for p in &k.patches {
        patch(ctx, k, p, acc, true);
    }
    if let Some(ns) = &k.namespace {
        namespace(ctx, k, ns, acc);
    }
    if !k.prefix.is_empty() {
        rename(ctx, k, acc, Affix::Prefix(&k.prefix));
    }
    if !k.suffix.is_empty() {
        rename(ctx, k, acc, Affix::Suffix(&k.suffix));
    }
    for set in &k.labels {
        labels(ctx, k, set, acc);
    }
    if !k.annotations.is_empty() {
        for r in acc.iter_mut() {
            let (group, version) = r.group_version();
            let (group, version, kind) = (group.to_string(), version.to_string(), r.kind().to_string());
            for spec in tables::ANNOTATIONS.iter().filter(|s| s.gvk.selects(&group, &version, &kind)) {
                let result =
                    walk_spec(&mut r.value, spec, Leaf::Map, &mut |m| set_entries(m, &k.annotations, spec.path));
                report(ctx, k, r, result);
            }
        }
    }
    for p in &k.legacy_patches {
        patch(ctx, k, p, acc, false);
    }
    for (name, count) in &k.replicas {
        replicas(ctx, k, name, *count, acc);
    }
}

fn report(ctx: &mut Ctx<'_>, k: &Kust, r: &KRes, result: Result<(), String>) {
    if let Err(e) = result {
        ctx.error(kerr(&k.file, e).at(r.origin.location()));
    }
}

/// A JSON6902 patch on every resource its target selects (`patches`: `stores` the id first,
/// as kustomize does, which also makes its build annotations exist during the patch).
fn patch(ctx: &mut Ctx<'_>, k: &Kust, p: &Patch, acc: &mut [KRes], stores: bool) {
    for r in acc.iter_mut() {
        if !p.target.selects(r) {
            continue;
        }
        if stores {
            r.store_previous_id();
        }
        let internal = r.has_build_annotations();
        let result = if r.retypable {
            let m = "a JSON patch on an object whose annotation is written as a number (or null) in a form \
                     kustomize re-types when it patches: quote the annotation";
            Err(Diagnostic::error(m).kind(DiagKind::Unsupported))
        } else {
            apply_patch(&mut r.value, &p.ops, internal)
        };
        if let Err(d) = result {
            let message = format!("{} from kustomization {}: {}", p.what, k.file, d.message);
            let id = ObjectId::of(&r.value, &ctx.opts.default_namespace).display();
            ctx.error(Diagnostic::error(message).kind(d.kind).at(r.origin.location()).object(id));
        }
    }
}

/// Apply `ops` as kustomize does. `internal`: kustomize's own annotations are on the object
/// while the patch runs, so `metadata.annotations` exists; what could see them (a `test` or
/// a `copy` of the whole map, anything on `/metadata`) is unsupported.
fn apply_patch(v: &mut Value, ops: &Value, internal: bool) -> Result<(), Diagnostic> {
    let unsupported = |m: &str| Diagnostic::error(m.to_string()).kind(DiagKind::Unsupported);
    for op in ops.as_array().into_iter().flatten() {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        for (role, p) in [("path", op.get("path")), ("from", op.get("from"))] {
            let p = p.and_then(Value::as_str).unwrap_or("-");
            let whole_map = p == "/metadata/annotations" && (kind == "test" || role == "from");
            if internal && (p == "/metadata" || whole_map) {
                return Err(unsupported(
                    "an operation on all of metadata or the annotations would see kustomize's own annotations",
                ));
            }
        }
    }
    let added = internal && ensure_annotations(v);
    let mut work = v.clone();
    json_patch::apply(&mut work, ops).map_err(|e| {
        let kind = if e.kustomize_builds() { DiagKind::Unsupported } else { DiagKind::General };
        Diagnostic::error(e.to_string()).kind(kind)
    })?;
    if added {
        drop_if_empty(&mut work);
    }
    // kustomize's patch library goes through float64: integers beyond 2^53 would change.
    if has_big_integer(&work) {
        return Err(unsupported(
            "the patched object holds an integer beyond 2^53, which kustomize's JSON patch rounds",
        ));
    }
    stringify_annotations(&mut work)?;
    *v = work;
    Ok(())
}

/// Make `metadata.annotations` exist; whether it was added.
fn ensure_annotations(v: &mut Value) -> bool {
    let Some(obj) = v.as_object_mut() else { return false };
    let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else { return false };
    if meta.get("annotations").is_some_and(Value::is_object) {
        return false;
    }
    meta.insert("annotations".into(), Value::Object(Map::new()));
    true
}

fn drop_if_empty(v: &mut Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut)
        && meta.get("annotations").is_some_and(|a| a.as_object().is_some_and(Map::is_empty))
    {
        meta.remove("annotations");
    }
}

fn has_big_integer(v: &Value) -> bool {
    const LIMIT: u64 = 1 << 53;
    match v {
        Value::Number(n) => n.as_i64().is_some_and(|i| i.unsigned_abs() > LIMIT),
        Value::Array(a) => a.iter().any(has_big_integer),
        Value::Object(m) => m.values().any(has_big_integer),
        _ => false,
    }
}

/// kustomize writes every annotation value as the text of the value a patch left.
fn stringify_annotations(v: &mut Value) -> Result<(), Diagnostic> {
    let Some(a) = v.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) else { return Ok(()) };
    for value in a.values_mut() {
        let text = match &*value {
            Value::String(_) => continue,
            Value::Null => "null".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) if n.is_i64() => n.to_string(),
            _ => {
                let m = "a patch leaves an annotation that is not a string, integer, boolean or null; make it a string";
                return Err(Diagnostic::error(m).kind(DiagKind::Unsupported));
            }
        };
        *value = Value::String(text);
    }
    Ok(())
}

fn namespace(ctx: &mut Ctx<'_>, k: &Kust, ns: &str, acc: &mut [KRes]) {
    for r in acc.iter_mut() {
        r.store_previous_id();
        if !r.cluster_scoped()
            && let Some(obj) = r.value.as_object_mut()
        {
            let meta = obj.entry("metadata").or_insert_with(|| Value::Object(Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                meta.insert("namespace".into(), Value::String(ns.to_string()));
            }
        }
        if matches!(r.kind(), "RoleBinding" | "ClusterRoleBinding") {
            // Subjects named `default`, of any kind, move to the new namespace.
            for s in r.value.pointer_mut("/subjects").and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(m) = s.as_object_mut()
                    && m.get("name").and_then(Value::as_str) == Some("default")
                {
                    m.insert("namespace".into(), Value::String(ns.to_string()));
                }
            }
        }
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_string(), version.to_string(), r.kind().to_string());
        let v1 = r.api_version() == "v1";
        for spec in tables::NAMESPACE.iter().filter(|s| s.gvk.selects(&group, &version, &kind)) {
            if spec.path == "metadata/name" && !v1 {
                continue;
            }
            let result = walk_spec(&mut r.value, spec, Leaf::Scalar, &mut |s| {
                *s = Value::String(ns.to_string());
                Ok(())
            });
            report(ctx, k, r, result);
        }
    }
    let mut keys: Vec<_> = acc.iter().map(KRes::key).collect();
    keys.sort();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        ctx.error(kerr(&k.file, "namespace transformation produces ID conflict"));
    }
}

enum Affix<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
}

/// namePrefix or nameSuffix on `metadata.name`, recorded in the history; kinds kustomize
/// never renames (matched on the original id) are skipped.
fn rename(ctx: &mut Ctx<'_>, k: &Kust, acc: &mut [KRes], affix: Affix<'_>) {
    for r in acc.iter_mut() {
        let (group, version) = r.group_version();
        let original = r.original();
        if tables::NOT_RENAMED.iter().any(|g: &Gvk| g.selects(group, version, &original.kind)) {
            continue;
        }
        let name = r.name().to_string();
        let new = match affix {
            Affix::Prefix(p) => {
                r.prefixes.push(p.to_string());
                format!("{p}{name}")
            }
            Affix::Suffix(s) => {
                r.suffixes.push(s.to_string());
                format!("{name}{s}")
            }
        };
        r.store_previous_id();
        if !kustomize_resolves_to_string(&new) {
            // kustomize keeps the old name's style: a plain result reads as a number.
            let m = format!("the renamed name '{new}' may read as a number or boolean after kustomize's rename");
            ctx.error(unsupported(&k.file, m).at(r.origin.location()));
        }
        if let Some(meta) = r.value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("name".into(), Value::String(new));
        }
    }
}

fn labels(ctx: &mut Ctx<'_>, k: &Kust, set: &LabelSet, acc: &mut [KRes]) {
    for r in acc.iter_mut() {
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_string(), version.to_string(), r.kind().to_string());
        let specs = set.tables.iter().flat_map(|t| t.iter()).filter(|s| s.gvk.selects(&group, &version, &kind));
        let mut paths: Vec<(&str, bool)> = specs.map(|s| (s.path, s.create)).collect();
        for c in &set.custom {
            let part = |want: &str, have: &str| want.is_empty() || want == have;
            if part(&c.group, &group) && part(&c.version, &version) && part(&c.kind, &kind) {
                paths.push((&c.path, c.create));
            }
        }
        for (path, create) in paths {
            let result = walk(&mut r.value, path, create, Leaf::Map, &mut |m| set_entries(m, &set.pairs, path));
            report(ctx, k, r, result);
        }
    }
}

fn replicas(ctx: &mut Ctx<'_>, k: &Kust, name: &str, count: i64, acc: &mut [KRes]) {
    let mut found = false;
    for r in acc.iter_mut() {
        let named = r.name() == name || r.prev.iter().any(|p| p.name == name);
        let (group, version) = r.group_version();
        let (group, version, kind) = (group.to_string(), version.to_string(), r.kind().to_string());
        let specs: Vec<_> = tables::REPLICAS.iter().filter(|s| s.gvk.selects(&group, &version, &kind)).collect();
        if !named || specs.is_empty() {
            continue;
        }
        found = true;
        for spec in specs {
            let result = walk_spec(&mut r.value, spec, Leaf::Scalar, &mut |v| {
                *v = Value::from(count);
                Ok(())
            });
            report(ctx, k, r, result);
        }
    }
    if !found {
        let m = format!(
            "replicas: resource with name {name} does not match a config with the following GVK [Deployment ReplicationController ReplicaSet StatefulSet]"
        );
        ctx.error(kerr(&k.file, m));
    }
}
