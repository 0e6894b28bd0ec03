//! Building a kustomization with std only (see `rust-ecosystem.md` §3): resources and
//! components accumulated recursively, each kustomization with its own transformers.
//!
//! Order inside one kustomization, as in kustomize: resources → components → patches →
//! namespace → prefix → suffix → labels → commonLabels → commonAnnotations.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ctx::{Ctx, Res, kustomization_files};
use super::kustomization::{Kust, Mode, check_entry, kerr, load_kustomization, restricted_file};
use super::kustomize_transform::transform;
use super::objects::{Reading, parse_docs};
use super::root;

/// Build the kustomization in `dir` (canonical, inside the root) and append its output.
pub(crate) fn build(ctx: &mut Ctx<'_>, dir: &Path, out: &mut Vec<Res>) {
    let mut chain = vec![dir.to_path_buf()];
    let mut acc = Vec::new();
    accumulate(ctx, dir, &mut chain, Mode::Top, &mut acc);
    acc.retain(|(v, _)| !is_local_config(v));
    for (v, _) in &mut acc {
        drop_empty_annotations(v);
    }
    out.extend(acc);
}

/// kustomize leaves out objects annotated `config.kubernetes.io/local-config` (with any
/// value but `"false"`), once the whole build is done.
fn is_local_config(v: &Value) -> bool {
    let annotations = v.get("metadata").and_then(|m| m.get("annotations"));
    annotations.and_then(|a| a.get("config.kubernetes.io/local-config")).is_some_and(|l| l != "false")
}

/// kustomize writes no `metadata.annotations` that is empty or null.
fn drop_empty_annotations(v: &mut Value) {
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut)
        && m.get("annotations").is_some_and(|a| a.is_null() || a.as_object().is_some_and(|o| o.is_empty()))
    {
        m.remove("annotations");
    }
}

fn accumulate(ctx: &mut Ctx<'_>, dir: &Path, chain: &mut Vec<PathBuf>, mode: Mode, acc: &mut Vec<Res>) {
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

fn add_entry(ctx: &mut Ctx<'_>, k: &Kust, entry: &str, chain: &mut Vec<PathBuf>, component: bool, acc: &mut Vec<Res>) {
    let list = if component { "components" } else { "resources" };
    let fail = |ctx: &mut Ctx<'_>, msg: String| ctx.error(kerr(&k.file, format!("{list}: {msg}")));
    let path = match check_entry(k, entry) {
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
        match restricted_file(ctx, k, entry) {
            Ok(p) => {
                if let Some(text) = ctx.read_text(&p) {
                    let shown = ctx.rel(&p);
                    parse_docs(ctx, &shown, &text, acc, Reading::Kustomize);
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
#[path = "kustomize_tests.rs"]
mod tests;
