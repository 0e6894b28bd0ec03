//! Reading one kustomization file into a [`Kust`], as kustomize v5 reads it (YAML 1.1, then
//! its fields; an unknown field is an error).
//!
//! Built: `resources`/`bases`, `components`, `namespace`, `namePrefix`, `nameSuffix`,
//! `labels` (with `includeSelectors`, `includeTemplates` and `fields`), `commonLabels`,
//! `commonAnnotations`, JSON6902 `patches` and `patchesJson6902`, `replicas`, and
//! `sortOptions` when it is plain `legacy`. Every other field, and every use of these the
//! built-in engine does not reproduce exactly, is [`DiagKind::Unsupported`]: `auto` then
//! builds the kustomization with the real kustomize.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::json_patch;
use super::paths::restricted_file;
use super::tables::{self, FieldSpec};
use super::target::{Target, TargetError};
use crate::core::diag::{DiagKind, Diagnostic};
use crate::pipeline::load::ctx::{Ctx, kustomization_files};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The directory named on the command line: Kustomization or Component.
    Top,
    /// Listed under `resources`: must be a Kustomization.
    Resource,
    /// Listed under `components`: must be a Component.
    Component,
}

/// A field spec a kustomization gives (`labels[].fields`).
#[derive(Debug, Clone)]
pub(crate) struct CustomSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub path: String,
    pub create: bool,
}

/// One label transformer: the pairs and where they go.
pub(crate) struct LabelSet {
    pub pairs: Vec<(String, String)>,
    pub tables: Vec<&'static [FieldSpec]>,
    pub custom: Vec<CustomSpec>,
}

pub(crate) struct Patch {
    pub ops: Value,
    pub target: Target,
    pub what: String,
}

/// One parsed kustomization.
pub(crate) struct Kust {
    /// The kustomization file, relative to the root.
    pub file: String,
    /// Its canonical directory (the load-restrictor root).
    pub dir: PathBuf,
    pub resources: Vec<String>,
    pub components: Vec<String>,
    pub patches: Vec<Patch>,
    pub namespace: Option<String>,
    pub prefix: String,
    pub suffix: String,
    /// `labels` entries, then `commonLabels`.
    pub labels: Vec<LabelSet>,
    pub annotations: Vec<(String, String)>,
    pub legacy_patches: Vec<Patch>,
    pub replicas: Vec<(String, i64)>,
}

const UNSUPPORTED: [&str; 18] = [
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
    "generators",
    "transformers",
    "validators",
    "openapi",
    "crds",
    "configurations",
    "buildMetadata",
    "patchesStrategicMerge",
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
pub(crate) fn unsupported(file: &str, msg: impl std::fmt::Display) -> Diagnostic {
    kerr(file, msg).kind(DiagKind::Unsupported)
}

/// Why a kustomization field is refused.
enum FieldError {
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

impl From<&str> for FieldError {
    fn from(msg: &str) -> Self {
        FieldError::Invalid(msg.into())
    }
}

impl From<TargetError> for FieldError {
    fn from(e: TargetError) -> Self {
        match e {
            TargetError::Invalid(m) => FieldError::Invalid(m),
            TargetError::Unsupported(m) => FieldError::Unsupported(m),
        }
    }
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
        legacy_patches: Vec::new(),
        replicas: Vec::new(),
    };
    let mut common_labels = Vec::new();
    for (key, v) in &map {
        let r = read_field(ctx, &mut k, key, v, &mut common_labels);
        match r {
            Ok(()) => {}
            Err(FieldError::Unsupported(msg)) => ctx.error(unsupported(&file, format!("{key}: {msg}"))),
            Err(FieldError::Unknown) => ctx.error(kerr(&file, format!("unknown field '{key}'"))),
            Err(FieldError::Invalid(msg)) => ctx.error(kerr(&file, format!("{key}: {msg}"))),
        }
    }
    // `commonLabels` runs after every `labels` entry, with selectors and templates.
    if !common_labels.is_empty() {
        k.labels.push(LabelSet {
            pairs: common_labels,
            tables: vec![tables::SELECTOR_LABELS, tables::TEMPLATE_LABELS],
            custom: Vec::new(),
        });
    }
    check_kind(ctx, &k.file, &map, mode);
    if is_empty(&map) {
        ctx.error(kerr(&file, "kustomization.yaml is empty"));
    }
    (ctx.errors.error_count() == before).then_some(k)
}

/// kustomize refuses a kustomization with nothing in it but its kind and apiVersion.
fn is_empty(map: &Map<String, Value>) -> bool {
    map.iter().all(|(k, v)| matches!(k.as_str(), "apiVersion" | "kind") || v.is_null() || v == "")
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
        [] => Some(Map::new()),
        [doc] => doc.value.as_object().cloned(),
        _ => None,
    };
    if map.is_none() {
        let why = if docs.len() == 1 { "must be a mapping" } else { "must hold exactly one document" };
        ctx.error(kerr(&file, why));
    }
    Some((file, map?))
}

/// Read one top-level field into `k` (commonLabels aside, applied last).
fn read_field(
    ctx: &mut Ctx<'_>,
    k: &mut Kust,
    key: &str,
    v: &Value,
    common_labels: &mut Vec<(String, String)>,
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
        "patchesJson6902" => k.legacy_patches = parse_patches(ctx, k, v, "patchesJson6902")?,
        "replicas" => k.replicas = parse_replicas(v)?,
        "sortOptions"
            if v.get("order").and_then(Value::as_str) == Some("legacy")
                && v.as_object().is_some_and(|m| m.len() == 1) => {}
        "sortOptions" => return Err(FieldError::Unsupported("only the plain legacy order is built".into())),
        other if UNSUPPORTED.contains(&other) => {
            return Err(FieldError::Unsupported("not supported by the built-in kustomize".into()));
        }
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
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        v => v.as_array().ok_or("must be a list")?,
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let m = item.as_object().ok_or(format!("[{i}] must be a mapping"))?;
        let (mut pairs, mut selectors, mut templates, mut custom) = (Vec::new(), false, false, Vec::new());
        for (key, v) in m {
            let flag = || v.as_bool().ok_or(format!("[{i}].{key} must be a boolean"));
            match key.as_str() {
                "pairs" => pairs = str_map(v).map_err(|e| format!("[{i}].pairs: {e}"))?,
                "includeSelectors" => selectors = flag()?,
                "includeTemplates" => templates = flag()?,
                "fields" => custom = parse_fields(v).map_err(|e| format!("[{i}].fields: {e}"))?,
                other => return Err(format!("[{i}]: unknown field '{other}'").into()),
            }
        }
        let tables = match (selectors, templates) {
            (true, _) => vec![tables::SELECTOR_LABELS, tables::TEMPLATE_LABELS],
            (false, true) => vec![tables::TEMPLATE_LABELS],
            (false, false) => vec![tables::METADATA_LABELS],
        };
        // kustomize merges custom specs into the table, refusing a conflicting duplicate;
        // the built-in engine builds only custom specs on paths of their own.
        if custom.iter().any(|c| tables.iter().any(|t| t.iter().any(|s| s.path == c.path))) {
            return Err(FieldError::Unsupported(format!("[{i}].fields: a path the built-in table also has")));
        }
        out.push(LabelSet { pairs, tables, custom });
    }
    Ok(out)
}

fn parse_fields(v: &Value) -> Result<Vec<CustomSpec>, String> {
    let items = v.as_array().ok_or("must be a list")?;
    items
        .iter()
        .map(|item| {
            let m = item.as_object().ok_or("each field must be a mapping")?;
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            for key in m.keys() {
                if !matches!(key.as_str(), "group" | "version" | "kind" | "path" | "create") {
                    return Err(format!("unknown field '{key}'"));
                }
            }
            let path = s("path");
            if path.is_empty() {
                return Err("a field needs a path".into());
            }
            let create = match m.get("create") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err("create must be a boolean".into()),
            };
            Ok(CustomSpec { group: s("group"), version: s("version"), kind: s("kind"), path, create })
        })
        .collect()
}

fn parse_replicas(v: &Value) -> Result<Vec<(String, i64)>, FieldError> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        v => v.as_array().ok_or("must be a list")?,
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let m = item.as_object().ok_or(format!("[{i}] must be a mapping"))?;
        for key in m.keys() {
            if !matches!(key.as_str(), "name" | "count") {
                return Err(format!("[{i}]: unknown field '{key}'").into());
            }
        }
        let name = m.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let count = m.get("count").map_or(Some(0), Value::as_i64).ok_or(format!("[{i}].count must be an integer"))?;
        out.push((name, count));
    }
    Ok(out)
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
            let known: &[&str] =
                if field == "patches" { &["path", "patch", "target", "options"] } else { &["path", "patch", "target"] };
            if !known.contains(&key.as_str()) {
                return Err(format!("[{i}]: unknown field '{key}'").into());
            }
        }
        if m.get("options").is_some_and(|o| !o.is_null()) {
            return Err(FieldError::Unsupported(format!("[{i}].options are not supported by the built-in kustomize")));
        }
        let (text, file) = match (m.get("path").and_then(Value::as_str), m.get("patch").and_then(Value::as_str)) {
            (Some(_), Some(_)) => return Err(format!("[{i}]: patch and path can't be set at the same time").into()),
            (None, None) => return Err(format!("[{i}]: must specify one of patch and path").into()),
            (None, Some(inline)) => (inline.trim().to_string(), k.file.clone()),
            (Some(p), None) => {
                let path = restricted_file(ctx, &k.dir, p).map_err(|e| format!("[{i}].path: {e}"))?;
                let shown = ctx.rel(&path);
                let Some(text) = ctx.read_text(&path) else {
                    continue;
                };
                (text, shown)
            }
        };
        let ops = json_patch::parse_ops(&text, &ctx.opts.parse).map_err(|e| match e {
            json_patch::ParseError::NotJson6902 => FieldError::Unsupported(format!(
                "[{i}]: strategic merge patches are not supported by the built-in kustomize"
            )),
            json_patch::ParseError::Invalid(m) => {
                FieldError::Invalid(format!("[{i}]: cannot parse the patch ({file}): {m}"))
            }
        })?;
        let target = match m.get("target") {
            Some(Value::Object(t)) => Target::parse(t).map_err(FieldError::from).map_err(|e| prefixed(e, i))?,
            Some(_) => return Err(format!("[{i}].target must be a mapping").into()),
            None => return Err(format!("[{i}]: must specify a target for JSON patch").into()),
        };
        if field == "patchesJson6902"
            && m.get("target").and_then(|t| t.get("name")).and_then(Value::as_str).unwrap_or("").is_empty()
        {
            return Err(format!("[{i}]: must specify the target name").into());
        }
        out.push(Patch { ops, target, what });
    }
    Ok(out)
}

fn prefixed(e: FieldError, i: usize) -> FieldError {
    match e {
        FieldError::Unsupported(m) => FieldError::Unsupported(format!("[{i}].{m}")),
        FieldError::Invalid(m) => FieldError::Invalid(format!("[{i}].{m}")),
        other => other,
    }
}
