//! The built-in kustomize (std only, see `rust-ecosystem.md` §3): resources and components
//! accumulated recursively, each kustomization with its own transformers, then kustomize's
//! end of a build: name references fixed once, local-config objects left out, its own
//! annotations removed.
//!
//! It builds exactly what kustomize v5 builds, or refuses: what it does not reproduce is a
//! [`DiagKind::Unsupported`](crate::core::diag::DiagKind::Unsupported) error, for which
//! `--kustomize-engine auto` runs the real kustomize instead.
//!
//! * [`mod@file`]: the kustomization file; [`paths`]: the paths it lists;
//! * [`mod@transform`]: the transformers, on [`res`] resources with their history;
//! * [`tables`]: kustomize's built-in field specs, name references and scopes, walked by
//!   [`fieldspec`]; [`target`]: patch targets; [`json_patch`]: JSON6902; [`nameref`].

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ctx::{Ctx, Res, kustomization_files};
use super::objects::parse_resources;
use super::root;
use crate::core::diag::Diagnostic;
use crate::core::kind::{Kind, TargetKind};
use crate::core::object::ObjectId;
use file::{Kust, Mode, kerr, load_kustomization, unsupported};
use paths::{check_entry, restricted_file};
use res::KRes;
use transform::transform;

pub(crate) mod fieldspec;
pub(crate) mod file;
pub mod json_patch;
pub(crate) mod nameref;
pub(crate) mod paths;
pub(crate) mod res;
pub(crate) mod tables;
pub(crate) mod target;
pub(crate) mod transform;

/// Build the kustomization in `dir` (canonical, inside the root) and append its output.
pub(crate) fn build(ctx: &mut Ctx<'_>, dir: &Path, out: &mut Vec<Res>) {
    let mut chain = vec![dir.to_path_buf()];
    let mut acc = Vec::new();
    let before = ctx.errors.error_count();
    accumulate(ctx, dir, &mut chain, Mode::Top, &mut acc);
    if ctx.errors.error_count() > before {
        return;
    }
    if let Err(e) = nameref::fix(&mut acc) {
        let top = kustomization_files(dir).first().map(|f| ctx.rel(f)).unwrap_or_default();
        ctx.error(kerr(&top, e));
    }
    acc.retain(|r| !is_local_config(&r.value));
    for r in &mut acc {
        finish(r);
    }
    warn_dangling(ctx, &acc);
    out.extend(acc.into_iter().map(|r| (r.value, r.origin)));
}

/// kustomize leaves out objects annotated `config.kubernetes.io/local-config` (with any
/// value but `"false"`), once the whole build is done.
fn is_local_config(v: &Value) -> bool {
    let annotations = v.get("metadata").and_then(|m| m.get("annotations"));
    annotations.and_then(|a| a.get("config.kubernetes.io/local-config")).is_some_and(|l| l != "false")
}

/// What kustomize does to every object it prints: its own annotations removed (a user's
/// copies too), and no `metadata.annotations` that is empty or null.
fn finish(r: &mut KRes) {
    let Some(m) = r.value.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
        a.retain(|k, _| !tables::STRIPPED_ANNOTATIONS.contains(&k.as_str()));
    }
    if m.get("annotations").is_some_and(|a| a.is_null() || a.as_object().is_some_and(|o| o.is_empty())) {
        m.remove("annotations");
    }
}

/// kustomize does not rewrite BackendConfigPolicy targetRefs: a reference to an object the
/// build renamed (and that no longer exists by that name) is a warning.
fn warn_dangling(ctx: &mut Ctx<'_>, acc: &[KRes]) {
    let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    for r in acc {
        let (group, _) = r.group_version();
        if Kind::of(group, r.kind()) != Kind::BackendConfigPolicy {
            continue;
        }
        let ns = r.effective_namespace();
        for (i, t) in r.value.pointer("/spec/targetRefs").and_then(Value::as_array).into_iter().flatten().enumerate() {
            let (group, kind, name) = (s(t, "/group"), s(t, "/kind"), s(t, "/name"));
            // Hostnames are not object names: no rename reaches them.
            if !matches!(TargetKind::of(&group, &kind), Some(TargetKind::Service | TargetKind::Backend)) {
                continue;
            }
            let same = |o: &KRes| o.group_version().0 == group && o.kind() == kind && o.effective_namespace() == ns;
            if acc.iter().any(|o| same(o) && o.name() == name) {
                continue;
            }
            let Some(renamed) = acc.iter().find(|o| same(o) && o.prev.iter().any(|p| p.name == name)) else { continue };
            let new = renamed.name();
            let id = ObjectId::of(&r.value, &ctx.opts.default_namespace);
            ctx.warnings.push(
                Diagnostic::warning(format!(
                    "targetRef names {kind} '{name}', which the kustomization renamed to '{new}'; the reference now \
                     dangles (kustomize does not rewrite targetRefs)"
                ))
                .at(r.origin.location())
                .object(id.display())
                .field(format!("spec.targetRefs[{i}].name"))
                .hint(format!("write the renamed name '{new}' in the policy, or drop namePrefix/nameSuffix")),
            );
        }
    }
}

fn accumulate(ctx: &mut Ctx<'_>, dir: &Path, chain: &mut Vec<PathBuf>, mode: Mode, acc: &mut Vec<KRes>) {
    let Some(k) = load_kustomization(ctx, dir, mode) else {
        return;
    };
    for entry in &k.resources {
        add_entry(ctx, &k, entry, chain, false, acc);
    }
    for entry in &k.components {
        add_entry(ctx, &k, entry, chain, true, acc);
    }
    transform(ctx, &k, acc);
}

/// A resource file's objects, as kustomize reads them. Objects carrying kustomize's own
/// bookkeeping annotations would feed its history: not reproduced.
fn read_resources(ctx: &mut Ctx<'_>, file: &str, text: &str, acc: &mut Vec<KRes>) {
    for (value, origin, retypable) in parse_resources(ctx, file, text) {
        let annotations = value.pointer("/metadata/annotations").and_then(Value::as_object);
        if annotations.is_some_and(|a| a.keys().any(|k| k.starts_with(tables::INTERNAL_PREFIX))) {
            let m = format!("an object with kustomize's own {}* annotations", tables::INTERNAL_PREFIX);
            ctx.error(unsupported(file, m).at(origin.location()));
            continue;
        }
        let mut r = KRes::new(value, origin);
        r.retypable = retypable;
        acc.push(r);
    }
}

fn add_entry(ctx: &mut Ctx<'_>, k: &Kust, entry: &str, chain: &mut Vec<PathBuf>, component: bool, acc: &mut Vec<KRes>) {
    let list = if component { "components" } else { "resources" };
    let fail = |ctx: &mut Ctx<'_>, msg: String| ctx.error(kerr(&k.file, format!("{list}: {msg}")));
    let path = match check_entry(&k.dir, entry) {
        Ok(p) => p,
        Err(e) => return fail(ctx, e),
    };
    let shown = ctx.rel(&path);
    let canonical = match root::confine(&ctx.root, &path, &shown) {
        Ok(c) => c,
        Err(d) => return fail(ctx, format!("'{entry}': {}", d.message)),
    };
    if canonical.is_file() {
        if component {
            return fail(ctx, format!("'{entry}': a component must be a directory"));
        }
        match restricted_file(ctx, &k.dir, entry) {
            Ok(p) => {
                if let Some(text) = ctx.read_text(&p) {
                    let shown = ctx.rel(&p);
                    read_resources(ctx, &shown, &text, acc);
                    ctx.keep_text(&shown, text);
                }
            }
            Err(e) => fail(ctx, e),
        }
        return;
    }
    if let Some(visited) = chain.iter().find(|v| v.starts_with(&canonical)) {
        let msg = format!(
            "cycle detected: candidate root '{}' contains visited root '{}'",
            ctx.rel(&canonical),
            ctx.rel(visited)
        );
        return fail(ctx, msg);
    }
    if kustomization_files(&canonical).is_empty() {
        let msg = format!(
            "'{entry}': unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
            ctx.rel(&canonical)
        );
        return fail(ctx, msg);
    }
    chain.push(canonical.clone());
    if component {
        accumulate(ctx, &canonical, chain, Mode::Component, acc);
    } else {
        let mut sub = Vec::new();
        accumulate(ctx, &canonical, chain, Mode::Resource, &mut sub);
        acc.extend(sub);
    }
    chain.pop();
}

#[cfg(test)]
mod tests;
