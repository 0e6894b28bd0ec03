//! The kustomize subset, built with std only (see `rust-ecosystem.md` §3).
//!
//! Supported: `resources`/`bases` (files, and directories holding a kustomization, each built
//! recursively with its own transformers), `components`, JSON6902 `patches` (and the legacy
//! `patchesJson6902`) with exact-match targets, `namespace`, `namePrefix`, `nameSuffix`,
//! `labels`, `commonLabels`, `commonAnnotations`, and `sortOptions` when it is `legacy`.
//! Everything else is refused with an explicit error rather than half-implemented.
//!
//! Order inside one kustomization, as in kustomize: resources → components → patches →
//! namespace → prefix → suffix → labels → commonLabels → commonAnnotations.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Ctx, Res, json_patch, kustomization_files, root};
use crate::diag::Diagnostic;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The directory named on the command line: Kustomization or Component.
    Top,
    /// Listed under `resources`: must be a Kustomization.
    Resource,
    /// Listed under `components`: must be a Component.
    Component,
}

struct LabelSet {
    pairs: Vec<(String, String)>,
    selectors: bool,
    templates: bool,
}

#[derive(Default)]
struct Target {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<String>,
    namespace: Option<String>,
}

struct Patch {
    ops: Value,
    target: Target,
    what: String,
}

/// One parsed kustomization.
struct Kust {
    /// The kustomization file, relative to the root.
    file: String,
    /// Its canonical directory (the load-restrictor root).
    dir: PathBuf,
    resources: Vec<String>,
    components: Vec<String>,
    patches: Vec<Patch>,
    namespace: Option<String>,
    prefix: String,
    suffix: String,
    labels: Vec<LabelSet>,
    annotations: Vec<(String, String)>,
}

const UNSUPPORTED: [&str; 21] = [
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "replacements",
    "vars",
    "images",
    "imageTags",
    "replicas",
    "generators",
    "transformers",
    "validators",
    "openapi",
    "crds",
    "configurations",
    "buildMetadata",
    "patchesStrategicMerge",
    "inventory",
    "sortOptions",
];

/// Build the kustomization in `dir` (canonical, inside the root) and append its output.
pub(crate) fn build(ctx: &mut Ctx<'_>, dir: &Path, out: &mut Vec<Res>) {
    let mut chain = vec![dir.to_path_buf()];
    let mut acc = Vec::new();
    accumulate(ctx, dir, &mut chain, Mode::Top, &mut acc);
    out.extend(acc);
}

fn kerr(file: &str, msg: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("kustomization {file}: {msg}")).in_file(file)
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

fn load_kustomization(ctx: &mut Ctx<'_>, dir: &Path, mode: Mode) -> Option<Kust> {
    let files = kustomization_files(dir);
    let dir_rel = ctx.rel(dir);
    if files.len() > 1 {
        ctx.error(Diagnostic::error(format!("Found multiple kustomization files under: {dir_rel}")).in_file(&dir_rel));
        return None;
    }
    let path = files.first()?;
    let file = ctx.rel(path);
    let text = ctx.read_text(path)?;
    let docs = match crate::yaml::parse_stream(&text, &ctx.opts.parse) {
        Ok(d) => d,
        Err(e) => {
            ctx.error(Diagnostic::error(e.message).in_file(&file).line(e.line, e.col));
            return None;
        }
    };
    let map = match docs.as_slice() {
        [] => {
            ctx.error(kerr(&file, "kustomization.yaml is empty"));
            return None;
        }
        [doc] => match doc.value.as_object() {
            Some(m) => m.clone(),
            None => {
                ctx.error(kerr(&file, "must be a mapping"));
                return None;
            }
        },
        _ => {
            ctx.error(kerr(&file, "must hold exactly one document"));
            return None;
        }
    };
    let before = ctx.errors.error_count();
    let mut k = Kust {
        file: file.clone(),
        dir: dir.to_path_buf(),
        resources: Vec::new(),
        components: Vec::new(),
        patches: Vec::new(),
        namespace: None,
        prefix: String::new(),
        suffix: String::new(),
        labels: Vec::new(),
        annotations: Vec::new(),
    };
    let mut common_labels = Vec::new();
    let mut legacy_patches = Vec::new();
    let str_field = |v: &Value| v.as_str().map(str::to_string).ok_or("must be a string".to_string());
    for (key, v) in &map {
        let r: Result<(), String> = match key.as_str() {
            "apiVersion" | "kind" | "metadata" => Ok(()),
            "resources" | "bases" => str_list(v).map(|l| k.resources.extend(l)),
            "components" => str_list(v).map(|l| k.components = l),
            "namespace" => str_field(v).map(|s| k.namespace = Some(s).filter(|s| !s.is_empty())),
            "namePrefix" => str_field(v).map(|s| k.prefix = s),
            "nameSuffix" => str_field(v).map(|s| k.suffix = s),
            "commonLabels" => str_map(v).map(|m| common_labels = m),
            "commonAnnotations" => str_map(v).map(|m| k.annotations = m),
            "labels" => parse_labels(v).map(|l| k.labels = l),
            "patches" => parse_patches(ctx, &k, v, "patches").map(|p| k.patches = p),
            "patchesJson6902" => parse_patches(ctx, &k, v, "patchesJson6902").map(|p| legacy_patches = p),
            "sortOptions"
                if v.get("order").and_then(Value::as_str) == Some("legacy")
                    && v.as_object().is_some_and(|m| m.len() == 1) =>
            {
                Ok(())
            }
            other if UNSUPPORTED.contains(&other) => {
                ctx.error(
                    kerr(&file, format!("field '{other}' is not supported by bcp-render (offline)"))
                        .hint(hint_for(other)),
                );
                Ok(())
            }
            other => Err(format!("unknown field '{other}'")),
        };
        if let Err(msg) = r {
            let msg = if msg.starts_with("unknown field") { msg } else { format!("{key}: {msg}") };
            ctx.error(kerr(&file, msg));
        }
    }
    // `commonLabels` is `labels` with includeSelectors, run last; legacy JSON6902 patches join `patches`.
    if !common_labels.is_empty() {
        k.labels.push(LabelSet { pairs: common_labels, selectors: true, templates: true });
    }
    k.patches.extend(legacy_patches);
    check_kind(ctx, &k.file, &map, mode);
    (ctx.errors.error_count() == before).then_some(k)
}

fn hint_for(field: &str) -> &'static str {
    match field {
        "configMapGenerator" | "secretGenerator" | "generatorOptions" => {
            "generated names need kustomize's content hash; commit the generated object instead"
        }
        "helmCharts" | "helmGlobals" | "helmChartInflationGenerator" => "render the chart and commit its output",
        "patchesStrategicMerge" => "write the patch as a JSON6902 list of operations under 'patches' with a target",
        "sortOptions" => "only sortOptions {order: legacy} is supported; output is always in legacy order",
        _ => "render with `kustomize build` and commit the output, or remove the field",
    }
}

fn check_kind(ctx: &mut Ctx<'_>, file: &str, map: &Map<String, Value>, mode: Mode) {
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    let kind = if kind.is_empty() { "Kustomization" } else { kind };
    let required_version = match kind {
        "Kustomization" => "kustomize.config.k8s.io/v1beta1",
        "Component" => "kustomize.config.k8s.io/v1alpha1",
        _ => {
            ctx.error(kerr(file, "kind should be Kustomization or Component"));
            return;
        }
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !api_version.is_empty() && api_version != required_version {
        ctx.error(kerr(file, format!("apiVersion for {kind} should be {required_version}")));
    }
    match (mode, kind) {
        (Mode::Component, "Kustomization") => {
            ctx.error(kerr(file, "expected kind 'Component' for a path listed under components"))
        }
        (Mode::Resource, "Component") => {
            ctx.error(kerr(file, "expected kind 'Kustomization' for a path listed under resources, got 'Component'"))
        }
        _ => {}
    }
}

fn str_list(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or("must be a list of strings".to_string()))
            .collect(),
        _ => Err("must be a list of strings".into()),
    }
}

fn str_map(v: &Value) -> Result<Vec<(String, String)>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_string())),
                None => Err(format!("value of '{k}' must be a string (quote it)")),
            })
            .collect(),
        _ => Err("must be a map of strings".into()),
    }
}

fn parse_labels(v: &Value) -> Result<Vec<LabelSet>, String> {
    let items = v.as_array().ok_or("must be a list")?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let m = item.as_object().ok_or(format!("[{i}] must be a mapping"))?;
        let mut set = LabelSet { pairs: Vec::new(), selectors: false, templates: false };
        for (key, v) in m {
            let flag = || v.as_bool().ok_or(format!("[{i}].{key} must be a boolean"));
            match key.as_str() {
                "pairs" => set.pairs = str_map(v).map_err(|e| format!("[{i}].pairs: {e}"))?,
                "includeSelectors" => set.selectors = flag()?,
                "includeTemplates" => set.templates = flag()?,
                "fields" | "includeVolumeClaimTemplates" => {
                    return Err(format!("[{i}].{key} is not supported by bcp-render (offline)"));
                }
                other => return Err(format!("[{i}]: unknown field '{other}'")),
            }
        }
        out.push(set);
    }
    Ok(out)
}

/// Regex metacharacters refused in targets. `.` is allowed and matched literally: a literal
/// match is a subset of kustomize's regex match, and group names are full of dots.
const REGEX_META: &[char] = &['*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\'];

fn parse_target(v: &Value) -> Result<Target, String> {
    let m = v.as_object().ok_or("target must be a mapping")?;
    let mut t = Target::default();
    for (key, v) in m {
        let s = v.as_str().ok_or(format!("target.{key} must be a string"))?.to_string();
        if s.contains(REGEX_META) {
            return Err(format!("target.{key} '{s}': regex targets are not supported by bcp-render (offline)"));
        }
        let slot = match key.as_str() {
            "group" => &mut t.group,
            "version" => &mut t.version,
            "kind" => &mut t.kind,
            "name" => &mut t.name,
            "namespace" => &mut t.namespace,
            "labelSelector" | "annotationSelector" => {
                return Err(format!("target.{key} is not supported by bcp-render (offline); select by kind and name"));
            }
            other => return Err(format!("target: unknown field '{other}'")),
        };
        *slot = Some(s).filter(|s| !s.is_empty());
    }
    Ok(t)
}

fn parse_patches(ctx: &mut Ctx<'_>, k: &Kust, v: &Value, field: &str) -> Result<Vec<Patch>, String> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err("must be a list".into()),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let what = format!("{field}[{i}]");
        let m = item.as_object().ok_or(format!("[{i}] must be a mapping"))?;
        for key in m.keys() {
            if !matches!(key.as_str(), "path" | "patch" | "target" | "options") {
                return Err(format!("[{i}]: unknown field '{key}'"));
            }
        }
        let (text, file) = match (m.get("path").and_then(Value::as_str), m.get("patch").and_then(Value::as_str)) {
            (Some(_), Some(_)) => {
                return Err(format!("[{i}]: patch and path can't be set at the same time"));
            }
            (None, None) => return Err(format!("[{i}]: one of 'path' or 'patch' is required")),
            (None, Some(inline)) => (inline.to_string(), k.file.clone()),
            (Some(p), None) => {
                let path = restricted_file(ctx, k, p).map_err(|e| format!("[{i}].path: {e}"))?;
                let shown = ctx.rel(&path);
                let Some(text) = ctx.read_text(&path) else {
                    continue;
                };
                (text, shown)
            }
        };
        let docs = crate::yaml::parse_stream(&text, &ctx.opts.parse)
            .map_err(|e| format!("[{i}]: cannot parse patch ({file}:{}:{}): {}", e.line, e.col, e.message))?;
        let ops = match docs.as_slice() {
            [doc] if json_patch::is_json6902(&doc.value) => doc.value.clone(),
            [] => return Err(format!("[{i}]: the patch is empty")),
            _ => {
                return Err(format!(
                    "[{i}]: strategic merge patches are not supported by bcp-render (offline); \
                     write a JSON6902 list of operations with a target"
                ));
            }
        };
        let target = match m.get("target") {
            Some(t) => parse_target(t).map_err(|e| format!("[{i}].{e}"))?,
            None => return Err(format!("[{i}]: must specify a target for JSON patch")),
        };
        out.push(Patch { ops, target, what });
    }
    Ok(out)
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || ["?ref=", "?timeout=", "?submodules=", "&ref="].iter().any(|q| entry.contains(q))
}

/// `github.com/org/repo`-like: a first segment with a dot, followed by more segments.
fn looks_like_host(entry: &str) -> bool {
    match entry.split_once('/') {
        Some((first, rest)) => first.contains('.') && first != "." && first != ".." && !rest.is_empty(),
        None => false,
    }
}

fn remote_error(file: &str, entry: &str) -> String {
    let _ = file;
    format!("remote resource '{entry}': remote resources are not supported (offline); vendor them into the repository")
}

/// Common checks on a path entry; returns the joined (not yet canonical) path.
fn check_entry(k: &Kust, entry: &str) -> Result<PathBuf, String> {
    if is_remote(entry) {
        return Err(remote_error(&k.file, entry));
    }
    if Path::new(entry).is_absolute() {
        return Err(format!("'{entry}': absolute paths are not allowed in a kustomization"));
    }
    if entry.split('/').any(|s| s.contains("..") && s != "..") {
        return Err(format!("'{entry}': path is ambiguous (a segment contains '..')"));
    }
    let path = k.dir.join(entry);
    if std::fs::metadata(&path).is_err() {
        if looks_like_host(entry) {
            return Err(remote_error(&k.file, entry));
        }
        return Err(format!("'{entry}': no such file or directory"));
    }
    Ok(path)
}

/// A file entry under the load restrictor: it must lie in or below the kustomization's dir.
fn restricted_file(ctx: &Ctx<'_>, k: &Kust, entry: &str) -> Result<PathBuf, String> {
    let path = check_entry(k, entry)?;
    let shown = ctx.rel(&path);
    let canonical = root::confine(&ctx.root, &path, &shown).map_err(|d| format!("'{entry}': {}", d.message))?;
    if !canonical.starts_with(&k.dir) {
        return Err(format!("security; file '{shown}' is not in or below '{}'", ctx.rel(&k.dir)));
    }
    if canonical.is_dir() {
        return Err(format!("'{entry}' must resolve to a file"));
    }
    Ok(path)
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
                    ctx.parse_docs(&shown, &text, acc);
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

#[path = "kustomize_transform.rs"]
mod transform;
use transform::transform;

#[cfg(test)]
#[path = "kustomize_tests.rs"]
mod tests;
