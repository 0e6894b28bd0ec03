//! The built-in transformers of one kustomization, run on everything accumulated so far:
//! patches → namespace → prefix/suffix → labels (then commonLabels) → commonAnnotations.

use serde_json::{Map, Value};

use super::ctx::{Ctx, Res};
use super::json_patch;
use super::kustomization::{Kust, Target};
use crate::core::diag::Diagnostic;
use crate::core::kind::{Kind, TargetKind, group_of, is_cluster_scoped};
use crate::core::object::ObjectId;

fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn matches_target(v: &Value, t: &Target) -> bool {
    let api_version = s(v, "/apiVersion");
    let version = api_version.rsplit('/').next().unwrap_or("");
    let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
    eq(&t.group, group_of(api_version))
        && eq(&t.version, version)
        && eq(&t.kind, s(v, "/kind"))
        && eq(&t.name, s(v, "/metadata/name"))
        && eq(&t.namespace, s(v, "/metadata/namespace"))
}

/// The map at `path` inside `v`, created when `create` (replacing a null).
fn map_at<'a>(v: &'a mut Value, path: &[&str], create: bool) -> Option<&'a mut Map<String, Value>> {
    let mut cur = v;
    for key in path {
        let m = cur.as_object_mut()?;
        if !m.contains_key(*key) {
            if !create {
                return None;
            }
            m.insert((*key).to_string(), Value::Object(Map::new()));
        }
        cur = m.get_mut(*key)?;
        if cur.is_null() && create {
            *cur = Value::Object(Map::new());
        }
    }
    cur.as_object_mut()
}

fn set_pairs(v: &mut Value, path: &[&str], create: bool, pairs: &[(String, String)]) {
    if let Some(m) = map_at(v, path, create) {
        for (k, val) in pairs {
            m.insert(k.clone(), Value::String(val.clone()));
        }
    }
}

const TEMPLATE_KINDS: [&str; 6] =
    ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"];

/// Pod-template metadata paths of workload kinds, ending before `labels`/`annotations`.
fn template_paths(kind: &str) -> Vec<Vec<&'static str>> {
    if TEMPLATE_KINDS.contains(&kind) {
        vec![vec!["spec", "template", "metadata"]]
    } else if kind == "CronJob" {
        vec![vec!["spec", "jobTemplate", "metadata"], vec!["spec", "jobTemplate", "spec", "template", "metadata"]]
    } else {
        Vec::new()
    }
}

/// Selector maps for `includeSelectors`: (path, create).
fn selector_paths(group: &str, kind: &str) -> Vec<(Vec<&'static str>, bool)> {
    match kind {
        "Service" | "ReplicationController" if group.is_empty() => {
            vec![(vec!["spec", "selector"], true)]
        }
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            vec![(vec!["spec", "selector", "matchLabels"], true)]
        }
        "Job" | "PodDisruptionBudget" => vec![(vec!["spec", "selector", "matchLabels"], false)],
        "CronJob" => vec![(vec!["spec", "jobTemplate", "spec", "selector", "matchLabels"], false)],
        "NetworkPolicy" => vec![(vec!["spec", "podSelector", "matchLabels"], false)],
        _ => Vec::new(),
    }
}

pub(super) fn transform(ctx: &mut Ctx<'_>, k: &Kust, acc: &mut [Res]) {
    for p in &k.patches {
        let mut matched = 0;
        for (v, origin) in acc.iter_mut() {
            if !matches_target(v, &p.target) {
                continue;
            }
            matched += 1;
            if let Err(e) = json_patch::apply(v, &p.ops) {
                let id = ObjectId::of(v, &ctx.opts.default_namespace);
                ctx.error(
                    Diagnostic::error(format!("{} from kustomization {}: {e}", p.what, k.file))
                        .at(origin.location())
                        .object(id.display()),
                );
            }
        }
        if matched == 0 {
            ctx.warnings.push(
                Diagnostic::warning(format!("kustomization {}: {}: the target matches no resource", k.file, p.what))
                    .in_file(&k.file),
            );
        }
    }
    if let Some(ns) = &k.namespace {
        for (v, _) in acc.iter_mut() {
            let group = group_of(s(v, "/apiVersion")).to_string();
            let kind = s(v, "/kind").to_string();
            if !is_cluster_scoped(&group, &kind) {
                set_pairs(v, &["metadata"], true, &[("namespace".into(), ns.clone())]);
            }
            if kind == "Namespace" && s(v, "/apiVersion") == "v1" {
                set_pairs(v, &["metadata"], true, &[("name".into(), ns.clone())]);
            }
        }
    }
    if !k.prefix.is_empty() || !k.suffix.is_empty() {
        rename(ctx, k, acc);
    }
    for set in &k.labels {
        for (v, _) in acc.iter_mut() {
            let group = group_of(s(v, "/apiVersion")).to_string();
            let kind = s(v, "/kind").to_string();
            set_pairs(v, &["metadata", "labels"], true, &set.pairs);
            if set.templates || set.selectors {
                for mut p in template_paths(&kind) {
                    p.push("labels");
                    set_pairs(v, &p, true, &set.pairs);
                }
            }
            if set.selectors {
                for (p, create) in selector_paths(&group, &kind) {
                    set_pairs(v, &p, create, &set.pairs);
                }
            }
        }
    }
    if !k.annotations.is_empty() {
        for (v, _) in acc.iter_mut() {
            let kind = s(v, "/kind").to_string();
            set_pairs(v, &["metadata", "annotations"], true, &k.annotations);
            for mut p in template_paths(&kind) {
                p.push("annotations");
                set_pairs(v, &p, true, &k.annotations);
            }
        }
    }
}

/// namePrefix/nameSuffix on `metadata.name`, like kustomize: references are not rewritten, so
/// BackendConfigPolicy targetRefs to renamed objects now dangle; each is reported as a warning.
fn rename(ctx: &mut Ctx<'_>, k: &Kust, acc: &mut [Res]) {
    let mut renamed: Vec<(String, String, String, String, String)> = Vec::new();
    for (v, _) in acc.iter_mut() {
        let group = group_of(s(v, "/apiVersion")).to_string();
        let kind = s(v, "/kind").to_string();
        let skip = kind == "CustomResourceDefinition"
            || kind == "Namespace"
            || (kind == "APIService" && group == "apiregistration.k8s.io");
        if skip {
            continue;
        }
        let old = s(v, "/metadata/name").to_string();
        let new = format!("{}{old}{}", k.prefix, k.suffix);
        let ns = s(v, "/metadata/namespace").to_string();
        set_pairs(v, &["metadata"], true, &[("name".into(), new.clone())]);
        renamed.push((group, kind, ns, old, new));
    }
    for (v, origin) in acc.iter() {
        if Kind::of(group_of(s(v, "/apiVersion")), s(v, "/kind")) != Kind::BackendConfigPolicy {
            continue;
        }
        let ns = s(v, "/metadata/namespace");
        let Some(refs) = v.pointer("/spec/targetRefs").and_then(Value::as_array) else {
            continue;
        };
        for (i, r) in refs.iter().enumerate() {
            let (group, kind, name) = (s(r, "/group"), s(r, "/kind"), s(r, "/name"));
            // Hostnames are not object names: no rename reaches them.
            if !matches!(TargetKind::of(group, kind), Some(TargetKind::Service | TargetKind::Backend)) {
                continue;
            }
            let hit = renamed.iter().find(|(g, kd, n, old, _)| g == group && kd == kind && n == ns && old == name);
            if let Some((_, _, _, _, new)) = hit {
                let id = ObjectId::of(v, &ctx.opts.default_namespace);
                ctx.warnings.push(
                    Diagnostic::warning(format!(
                        "targetRef names {kind} '{name}', which namePrefix/nameSuffix in {} renamed to '{new}'; \
                         the reference now dangles (kustomize does not rewrite targetRefs)",
                        k.file
                    ))
                    .at(origin.location())
                    .object(id.display())
                    .field(format!("spec.targetRefs[{i}].name"))
                    .hint(format!("write the renamed name '{new}' in the policy, or drop namePrefix/nameSuffix")),
                );
            }
        }
    }
}
