//! Reading one kustomization file: its fields, as kustomize reads them, into a [`Kust`];
//! and the checks on the paths it lists (remote, absolute, ambiguous, load restrictor).
//!
//! Supported: `resources`/`bases`, `components`, JSON6902 `patches` (and the legacy
//! `patchesJson6902`) with exact-match targets, `namespace`, `namePrefix`, `nameSuffix`,
//! `labels`, `commonLabels`, `commonAnnotations`, and `sortOptions` when it is `legacy`.
//! Everything else is refused with an explicit error rather than half-implemented.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ctx::{Ctx, kustomization_files};
use super::{json_patch, root};
use crate::core::diag::{DiagKind, Diagnostic};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The directory named on the command line: Kustomization or Component.
    Top,
    /// Listed under `resources`: must be a Kustomization.
    Resource,
    /// Listed under `components`: must be a Component.
    Component,
}

pub(crate) struct LabelSet {
    pub(crate) pairs: Vec<(String, String)>,
    pub(crate) selectors: bool,
    pub(crate) templates: bool,
}

#[derive(Default)]
pub(crate) struct Target {
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) namespace: Option<String>,
}

pub(crate) struct Patch {
    pub(crate) ops: Value,
    pub(crate) target: Target,
    pub(crate) what: String,
}

/// One parsed kustomization.
pub(crate) struct Kust {
    /// The kustomization file, relative to the root.
    pub(crate) file: String,
    /// Its canonical directory (the load-restrictor root).
    pub(crate) dir: PathBuf,
    pub(crate) resources: Vec<String>,
    pub(crate) components: Vec<String>,
    pub(crate) patches: Vec<Patch>,
    pub(crate) namespace: Option<String>,
    pub(crate) prefix: String,
    pub(crate) suffix: String,
    pub(crate) labels: Vec<LabelSet>,
    pub(crate) annotations: Vec<(String, String)>,
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

pub(crate) fn kerr(file: &str, msg: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error(format!("kustomization {file}: {msg}")).in_file(file)
}

/// How to build a kustomization the built-in engine refuses, `dir` as the user names it.
pub(crate) fn way_out(dir: &str) -> String {
    format!(
        "build it with the real kustomize: bcp-render render --kustomize-engine exec {dir} \
         (auto does so when kustomize or kubectl is on PATH), or kubectl kustomize {dir} | bcp-render render -"
    )
}

/// A kustomize feature the built-in engine does not build exactly (the way out is added
/// where the build started, which knows the directory the user named).
fn unsupported(file: &str, msg: impl std::fmt::Display) -> Diagnostic {
    kerr(file, msg).kind(DiagKind::Unsupported)
}

/// Read and check the kustomization file of `dir`, as kustomize reads it for `mode`.
pub(crate) fn load_kustomization(ctx: &mut Ctx<'_>, dir: &Path, mode: Mode) -> Option<Kust> {
    let (file, map) = read_kustomization(ctx, dir)?;
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
    for (key, v) in &map {
        let r = read_field(ctx, &mut k, key, v, &mut common_labels, &mut legacy_patches);
        match r {
            Ok(()) => {}
            Err(FieldError::UnsupportedField) => {
                ctx.error(unsupported(&file, format!("field '{key}' is not supported by the built-in kustomize")));
            }
            Err(FieldError::Unsupported(msg)) => ctx.error(unsupported(&file, format!("{key}: {msg}"))),
            Err(FieldError::Unknown) => ctx.error(kerr(&file, format!("unknown field '{key}'"))),
            Err(FieldError::Invalid(msg)) => ctx.error(kerr(&file, format!("{key}: {msg}"))),
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

/// The kustomization file of `dir` (relative name) and its one document.
fn read_kustomization(ctx: &mut Ctx<'_>, dir: &Path) -> Option<(String, Map<String, Value>)> {
    let files = kustomization_files(dir);
    let dir_rel = ctx.rel(dir);
    if files.len() > 1 {
        ctx.error(Diagnostic::error(format!("Found multiple kustomization files under: {dir_rel}")).in_file(&dir_rel));
        return None;
    }
    let path = files.first()?;
    let file = ctx.rel(path);
    let text = ctx.read_text(path)?;
    let docs = match crate::core::yaml::parse_stream(&text, &ctx.opts.parse) {
        Ok(d) => d,
        Err(e) => {
            ctx.error(Diagnostic::error(e.message).in_file(&file).line(e.line, e.col));
            return None;
        }
    };
    let map = match docs.as_slice() {
        [doc] => doc.value.as_object().cloned(),
        _ => None,
    };
    if map.is_none() {
        let why = match docs.len() {
            0 => "kustomization.yaml is empty",
            1 => "must be a mapping",
            _ => "must hold exactly one document",
        };
        ctx.error(kerr(&file, why));
    }
    Some((file, map?))
}

/// Why a kustomization field is refused.
enum FieldError {
    /// A kustomize field the built-in engine does not implement.
    UnsupportedField,
    /// A use of a field the built-in engine does not implement exactly.
    Unsupported(String),
    /// Not a kustomize field.
    Unknown,
    /// A kustomize field with a bad value.
    Invalid(String),
}

impl From<String> for FieldError {
    fn from(msg: String) -> Self {
        FieldError::Invalid(msg)
    }
}

impl FieldError {
    /// The same error, its message prefixed (the entry it is about).
    fn prefixed(self, prefix: &str) -> FieldError {
        match self {
            FieldError::Unsupported(m) => FieldError::Unsupported(format!("{prefix}{m}")),
            FieldError::Invalid(m) => FieldError::Invalid(format!("{prefix}{m}")),
            other => other,
        }
    }
}

impl From<&str> for FieldError {
    fn from(msg: &str) -> Self {
        FieldError::Invalid(msg.into())
    }
}

/// Read one top-level field into `k` (commonLabels and legacy patches aside, applied last).
fn read_field(
    ctx: &mut Ctx<'_>,
    k: &mut Kust,
    key: &str,
    v: &Value,
    common_labels: &mut Vec<(String, String)>,
    legacy_patches: &mut Vec<Patch>,
) -> Result<(), FieldError> {
    let str_field = |v: &Value| v.as_str().map(str::to_string).ok_or("must be a string".to_string());
    match key {
        "apiVersion" | "kind" | "metadata" => {}
        "resources" | "bases" => k.resources.extend(str_list(v)?),
        "components" => k.components = str_list(v)?,
        "namespace" => k.namespace = Some(str_field(v)?).filter(|s| !s.is_empty()),
        "namePrefix" => k.prefix = str_field(v)?,
        "nameSuffix" => k.suffix = str_field(v)?,
        "commonLabels" => *common_labels = str_map(v)?,
        "commonAnnotations" => k.annotations = str_map(v)?,
        "labels" => k.labels = parse_labels(v)?,
        "patches" => k.patches = parse_patches(ctx, k, v, "patches")?,
        "patchesJson6902" => *legacy_patches = parse_patches(ctx, k, v, "patchesJson6902")?,
        "sortOptions"
            if v.get("order").and_then(Value::as_str) == Some("legacy")
                && v.as_object().is_some_and(|m| m.len() == 1) => {}
        other if UNSUPPORTED.contains(&other) => return Err(FieldError::UnsupportedField),
        _ => return Err(FieldError::Unknown),
    }
    Ok(())
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

fn parse_labels(v: &Value) -> Result<Vec<LabelSet>, FieldError> {
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
                    return Err(FieldError::Unsupported(format!(
                        "[{i}].{key} is not supported by the built-in kustomize"
                    )));
                }
                other => return Err(format!("[{i}]: unknown field '{other}'").into()),
            }
        }
        out.push(set);
    }
    Ok(out)
}

/// Regex metacharacters refused in targets. `.` is allowed and matched literally: a literal
/// match is a subset of kustomize's regex match, and group names are full of dots.
const REGEX_META: &[char] = &['*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '^', '$', '\\'];

fn parse_target(v: &Value) -> Result<Target, FieldError> {
    let m = v.as_object().ok_or("target must be a mapping")?;
    let mut t = Target::default();
    for (key, v) in m {
        let s = v.as_str().ok_or(format!("target.{key} must be a string"))?.to_string();
        if s.contains(REGEX_META) {
            return Err(FieldError::Unsupported(format!(
                "target.{key} '{s}': regex targets are not supported by the built-in kustomize"
            )));
        }
        let slot = match key.as_str() {
            "group" => &mut t.group,
            "version" => &mut t.version,
            "kind" => &mut t.kind,
            "name" => &mut t.name,
            "namespace" => &mut t.namespace,
            "labelSelector" | "annotationSelector" => {
                return Err(FieldError::Unsupported(format!(
                    "target.{key} is not supported by the built-in kustomize"
                )));
            }
            other => return Err(format!("target: unknown field '{other}'").into()),
        };
        *slot = Some(s).filter(|s| !s.is_empty());
    }
    Ok(t)
}

fn parse_patches(ctx: &mut Ctx<'_>, k: &Kust, v: &Value, field: &str) -> Result<Vec<Patch>, FieldError> {
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
                return Err(format!("[{i}]: unknown field '{key}'").into());
            }
        }
        let (text, file) = match (m.get("path").and_then(Value::as_str), m.get("patch").and_then(Value::as_str)) {
            (Some(_), Some(_)) => {
                return Err(format!("[{i}]: patch and path can't be set at the same time").into());
            }
            (None, None) => return Err(format!("[{i}]: one of 'path' or 'patch' is required").into()),
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
        let docs = crate::core::yaml::parse_stream(&text, &ctx.opts.parse)
            .map_err(|e| format!("[{i}]: cannot parse patch ({file}:{}:{}): {}", e.line, e.col, e.message))?;
        let ops = match docs.as_slice() {
            [doc] if json_patch::is_json6902(&doc.value) => doc.value.clone(),
            [] => return Err(format!("[{i}]: the patch is empty").into()),
            _ => {
                return Err(FieldError::Unsupported(format!(
                    "[{i}]: strategic merge patches are not supported by the built-in kustomize"
                )));
            }
        };
        let target = match m.get("target") {
            Some(t) => parse_target(t).map_err(|e| e.prefixed(&format!("[{i}].")))?,
            None => return Err(format!("[{i}]: must specify a target for JSON patch").into()),
        };
        out.push(Patch { ops, target, what });
    }
    Ok(out)
}

pub(crate) fn is_remote(entry: &str) -> bool {
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

pub(crate) fn remote_error(entry: &str) -> String {
    format!("remote resource '{entry}': remote resources are not supported (offline); vendor them into the repository")
}

/// Common checks on a path entry; returns the joined (not yet canonical) path.
pub(crate) fn check_entry(k: &Kust, entry: &str) -> Result<PathBuf, String> {
    if is_remote(entry) {
        return Err(remote_error(entry));
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
            return Err(remote_error(entry));
        }
        return Err(format!("'{entry}': no such file or directory"));
    }
    Ok(path)
}

/// A file entry under the load restrictor: it must lie in or below the kustomization's dir.
pub(crate) fn restricted_file(ctx: &Ctx<'_>, k: &Kust, entry: &str) -> Result<PathBuf, String> {
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
