//! Input loading: the directory walk, stdin, kustomize, root confinement and limits.
//!
//! Output is a flat list of [`Object`]s in a stable order, each with its origin.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{Object, ObjectId, Origin, get, group_of, is_cluster_scoped, pipeline_reads};
use crate::yaml::{DocFormat, DocWriter, ParseLimits};

/// A document as loaded, before it becomes an [`Object`].
pub(crate) type Res = (Value, Origin);

pub mod json_patch;
pub mod kustomize;
pub mod root;
pub mod walk;

/// One path given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    /// `-`: a YAML or JSON stream on stdin.
    Stdin,
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Explicit `--root`; otherwise it is derived (see [`root`]).
    pub root: Option<PathBuf>,
    /// Namespace for objects that have none and get none from a kustomization.
    pub default_namespace: String,
    pub parse: ParseLimits,
    /// Total input bytes, checked before reading.
    pub max_total_bytes: u64,
    pub max_file_bytes: u64,
    pub passthrough: Passthrough,
}

/// What the loader produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    /// Non-fatal findings (for example refs left dangling by namePrefix).
    pub warnings: Vec<Diagnostic>,
    /// Text of every file read, by the origin file name, to locate fields on error.
    pub texts: BTreeMap<String, String>,
}

pub fn load(inputs: &[Input], opts: &LoadOptions) -> Result<Loaded, Diagnostics> {
    let mut ctx = Ctx::new(opts, PathBuf::new());
    let mut out = Collector::default();
    for input in inputs {
        match input {
            Input::Stdin => ctx.load_stdin(&mut out),
            Input::Path(path) => ctx.load_path(path, &mut out),
        }
    }
    let objects = out.finish(&mut ctx);
    if ctx.errors.has_errors() {
        return Err(ctx.errors);
    }
    Ok(Loaded { objects, warnings: ctx.warnings, texts: ctx.texts })
}

/// What becomes of an object of a kind the pipeline never reads once it is final
/// (see [`Object::seal`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Passthrough {
    /// Keep its tree (library use and tests).
    #[default]
    Keep,
    /// Seal it with its printed document (`render`).
    Print(DocFormat),
    /// Seal it without text: the command prints no manifests.
    Drop,
}

/// The final objects, in input order: identities computed and pass-through objects sealed as
/// they arrive, so that they never all exist as trees at once.
#[derive(Default)]
pub(crate) struct Collector {
    objects: Vec<Object>,
    writer: DocWriter,
}

impl Collector {
    /// Add final documents. Returns whether any of them is still held as a tree (then its
    /// file's text is needed to locate diagnostics).
    pub fn add(&mut self, ctx: &Ctx<'_>, docs: Vec<Res>) -> bool {
        let mut trees = false;
        for (value, origin) in docs {
            let id = object_id(&value, &ctx.opts.default_namespace);
            let mut obj = Object::new(value, origin, id);
            let text = match ctx.opts.passthrough {
                _ if pipeline_reads(&obj.id) => None,
                Passthrough::Keep => None,
                Passthrough::Print(format) => Some(Some(self.writer.emit(obj.value(), format))),
                Passthrough::Drop => Some(None),
            };
            match text {
                Some(text) => obj.seal(text),
                None => trees = true,
            }
            self.objects.push(obj);
        }
        trees
    }

    /// The objects, duplicates reported and dropped (the first definition stays).
    fn finish(mut self, ctx: &mut Ctx<'_>) -> Vec<Object> {
        // Only looked up, never iterated, so its order cannot reach the output.
        let mut first: HashMap<&ObjectId, usize> = HashMap::with_capacity(self.objects.len());
        let mut duplicate = vec![false; self.objects.len()];
        for (i, o) in self.objects.iter().enumerate() {
            let Some(&f) = first.get(&o.id) else {
                first.insert(&o.id, i);
                continue;
            };
            duplicate[i] = true;
            let f = &self.objects[f];
            let d = Diagnostic::error(format!(
                "duplicate object {}: defined at {}:{} and at {}:{}",
                o.id.display(),
                f.origin.file,
                f.origin.line,
                o.origin.file,
                o.origin.line
            ))
            .at(o.origin.location())
            .object(o.id.display());
            ctx.error(d);
        }
        drop(first);
        let mut i = 0;
        self.objects.retain(|_| {
            i += 1;
            !duplicate[i - 1]
        });
        self.objects
    }
}

/// The names a kustomization file may have, in kustomize's order.
pub const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization files present in `dir` (more than one is an error for the caller).
pub fn kustomization_files(dir: &Path) -> Vec<PathBuf> {
    KUSTOMIZATION_NAMES.iter().map(|n| dir.join(n)).filter(|p| std::fs::symlink_metadata(p).is_ok()).collect()
}

/// State shared by the walk and kustomize while loading.
pub(crate) struct Ctx<'a> {
    pub opts: &'a LoadOptions,
    /// Canonical repository root of the current input.
    pub root: PathBuf,
    pub total_bytes: u64,
    total_reported: bool,
    /// Documents parsed so far, against `--max-documents` (which counts the whole input).
    total_documents: usize,
    pub texts: BTreeMap<String, String>,
    pub errors: Diagnostics,
    pub warnings: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    pub fn new(opts: &'a LoadOptions, root: PathBuf) -> Self {
        Ctx {
            opts,
            root,
            total_bytes: 0,
            total_reported: false,
            total_documents: 0,
            texts: BTreeMap::new(),
            errors: Diagnostics::new(),
            warnings: Vec::new(),
        }
    }

    pub fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    pub fn rel(&self, path: &Path) -> String {
        root::rel(&self.root, path)
    }

    fn load_stdin(&mut self, out: &mut Collector) {
        let name = "<stdin>";
        let mut buf = Vec::new();
        let limit = self.opts.max_file_bytes;
        if let Err(e) = std::io::stdin().lock().take(limit.saturating_add(1)).read_to_end(&mut buf) {
            self.error(Diagnostic::error(format!("cannot read stdin: {e}")).in_file(name));
            return;
        }
        if buf.len() as u64 > limit {
            self.error(file_too_big(name, None, limit));
            return;
        }
        if !self.charge(name, buf.len() as u64) {
            return;
        }
        if let Some(text) = self.decode(name, buf) {
            self.parse_final(name, text, out);
        }
    }

    fn load_path(&mut self, path: &Path, out: &mut Collector) {
        let shown = path.display().to_string();
        if let Err(e) = std::fs::symlink_metadata(path) {
            self.error(Diagnostic::error(format!("cannot read: {}", root::io_reason(&e))).in_file(shown));
            return;
        }
        match root::find_root(path, self.opts.root.as_deref()) {
            Ok(r) => self.root = r,
            Err(d) => return self.error(d),
        }
        // Everything below works on the canonical input path, so that relative names are stable.
        let canonical = match root::confine(&self.root, path, &shown) {
            Ok(c) => c,
            Err(d) => return self.error(d),
        };
        if canonical.is_dir() {
            let files = kustomization_files(&canonical);
            if files.is_empty() {
                walk::walk_dir(self, &canonical, out);
            } else {
                let mut built = Vec::new();
                kustomize::build(self, &canonical, &mut built);
                out.add(self, built);
            }
        } else if let Some(text) = self.read_text(&canonical) {
            let rel = self.rel(&canonical);
            self.parse_final(&rel, text, out);
        }
    }

    /// Parse a file whose documents are final objects (not a kustomize resource), keeping its
    /// text only while an object from it is held as a tree.
    pub(crate) fn parse_final(&mut self, file: &str, text: String, out: &mut Collector) {
        let mut docs = Vec::new();
        self.parse_docs(file, &text, &mut docs);
        if out.add(self, docs) {
            self.keep_text(file, text);
        }
    }

    /// Keep a file's text to locate diagnostics in it later.
    pub fn keep_text(&mut self, file: &str, text: String) {
        self.texts.insert(file.to_string(), text);
    }

    /// Count `len` bytes against `--max-input-bytes`; false (and one error) when over.
    fn charge(&mut self, shown: &str, len: u64) -> bool {
        self.total_bytes = self.total_bytes.saturating_add(len);
        if self.total_bytes > self.opts.max_total_bytes {
            if !self.total_reported {
                self.total_reported = true;
                self.error(
                    Diagnostic::error(format!("total input exceeds the limit of {} bytes", self.opts.max_total_bytes))
                        .in_file(shown)
                        .hint("option --max-input-bytes raises it"),
                );
            }
            return false;
        }
        true
    }

    fn decode(&mut self, shown: &str, bytes: Vec<u8>) -> Option<String> {
        match String::from_utf8(bytes) {
            Ok(s) => Some(s),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let before = &e.as_bytes()[..offset];
                let line = before.iter().filter(|b| **b == b'\n').count() + 1;
                let col = offset - before.iter().rposition(|b| *b == b'\n').map(|i| i + 1).unwrap_or(0) + 1;
                self.error(
                    Diagnostic::error(format!("invalid UTF-8 at byte {offset}"))
                        .in_file(shown)
                        .line(line, col)
                        .hint("manifests must be UTF-8 text"),
                );
                None
            }
        }
    }

    /// Read one file (confined, size-checked, UTF-8). `path` is the path as reached (not
    /// necessarily canonical); messages name it relative to the root. Callers keep the text
    /// with [`Ctx::keep_text`] when diagnostics may point into it.
    pub fn read_text(&mut self, path: &Path) -> Option<String> {
        let shown = self.rel(path);
        match root::confine(&self.root, path, &shown) {
            Ok(canonical) => self.read_confined(&canonical, &shown),
            Err(d) => {
                self.error(d);
                None
            }
        }
    }

    /// [`Ctx::read_text`] of a path known to be canonical and inside the root (a regular
    /// file met in a confined directory), named `shown` in messages.
    pub(crate) fn read_confined(&mut self, canonical: &Path, shown: &str) -> Option<String> {
        let meta = match std::fs::metadata(canonical) {
            Ok(m) => m,
            Err(e) => {
                self.error(Diagnostic::error(format!("cannot read: {}", root::io_reason(&e))).in_file(shown));
                return None;
            }
        };
        if meta.len() > self.opts.max_file_bytes {
            self.error(file_too_big(shown, Some(meta.len()), self.opts.max_file_bytes));
            return None;
        }
        if !self.charge(shown, meta.len()) {
            return None;
        }
        let bytes = match std::fs::read(canonical) {
            Ok(b) => b,
            Err(e) => {
                self.error(Diagnostic::error(format!("cannot read: {}", root::io_reason(&e))).in_file(shown));
                return None;
            }
        };
        self.decode(shown, bytes)
    }

    /// Parse a stream into objects: every document must be a mapping with string
    /// `apiVersion`, `kind` and `metadata.name`; `List`s are flattened and local-config
    /// objects dropped.
    pub fn parse_docs(&mut self, file: &str, text: &str, out: &mut Vec<Res>) {
        let docs = match crate::yaml::parse_stream(text, &self.opts.parse) {
            Ok(d) => d,
            Err(e) => {
                self.error(Diagnostic::error(e.message).in_file(file).line(e.line, e.col));
                return;
            }
        };
        let before = self.total_documents;
        self.total_documents = before.saturating_add(docs.len());
        let limit = self.opts.parse.max_documents;
        if self.total_documents > limit {
            if before <= limit {
                let d =
                    Diagnostic::error(format!("the input holds more than {limit} documents (limit --max-documents)"))
                        .in_file(file);
                let d = match docs.get(limit - before) {
                    Some(doc) => d.line(doc.line, 1),
                    None => d,
                };
                self.error(d.hint("option --max-documents raises it"));
            }
            return;
        }
        for (i, doc) in docs.into_iter().enumerate() {
            let origin =
                Origin { file: file.to_string(), doc: i, line: doc.line, span: doc.span, span_line: doc.span_line };
            self.push_object(doc.value, origin, out);
        }
    }

    fn push_object(&mut self, value: Value, origin: Origin, out: &mut Vec<Res>) {
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.ends_with("List") && value.get("items").is_some() {
            match value.get("items") {
                Some(Value::Array(items)) => {
                    for item in items.clone() {
                        self.push_object(item, origin.clone(), out);
                    }
                }
                Some(Value::Null) => {}
                _ => self.error(
                    Diagnostic::error(format!("{kind}: items must be a list")).at(origin.location()).field("items"),
                ),
            }
            return;
        }
        if let Err(what) = check_object(&value) {
            self.error(
                Diagnostic::error(format!("document {}: {what}", origin.doc))
                    .at(origin.location())
                    .hint("every document needs string apiVersion, kind and metadata.name"),
            );
            return;
        }
        let local = value
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .and_then(Value::as_str)
            .is_some_and(|v| v == "true");
        if !local {
            out.push((value, origin));
        }
    }
}

fn file_too_big(shown: &str, size: Option<u64>, limit: u64) -> Diagnostic {
    let size = size.map(|s| format!("is {s} bytes, ")).unwrap_or_default();
    Diagnostic::error(format!("file {size}over the limit of {limit} bytes"))
        .in_file(shown)
        .hint("option --max-file-bytes raises it")
}

fn check_object(v: &Value) -> Result<(), String> {
    let Some(map) = v.as_object() else {
        return Err("not a mapping".into());
    };
    for key in ["apiVersion", "kind"] {
        match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => return Err(format!("{key} must be a non-empty string")),
            None => return Err(format!("missing {key}")),
        }
    }
    match map.get("metadata").and_then(|m| m.get("name")) {
        Some(Value::String(s)) if !s.is_empty() => Ok(()),
        Some(_) => Err("metadata.name must be a non-empty string".into()),
        None => Err("missing metadata.name".into()),
    }
}

/// The identity of a value, with the effective namespace.
pub fn object_id(value: &Value, default_namespace: &str) -> ObjectId {
    // Plain lookups: `Value::pointer` allocates per segment, and this runs for every object.
    fn field<'a>(v: Option<&'a Value>, key: &str) -> &'a str {
        v.and_then(|v| get(v, key)).and_then(Value::as_str).unwrap_or("")
    }
    let metadata = get(value, "metadata");
    let group = group_of(field(Some(value), "apiVersion")).to_string();
    let kind = field(Some(value), "kind").to_string();
    let namespace = if is_cluster_scoped(&group, &kind) {
        String::new()
    } else {
        let own = field(metadata, "namespace");
        if own.is_empty() { default_namespace } else { own }.to_string()
    };
    ObjectId { group, kind, namespace, name: field(metadata, "name").to_string() }
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static COUNTER: AtomicUsize = AtomicUsize::new(0);

    /// A temporary repository (with a `.git` directory) removed on drop.
    pub struct TempRepo {
        pub root: PathBuf,
    }

    impl TempRepo {
        pub fn new() -> Self {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let root = std::env::temp_dir().join(format!("bcp-render-src-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(root.join(".git")).unwrap();
            TempRepo { root: std::fs::canonicalize(&root).unwrap() }
        }

        pub fn write(&self, rel: &str, text: &str) -> PathBuf {
            let p = self.root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            p
        }

        pub fn path(&self, rel: &str) -> PathBuf {
            self.root.join(rel)
        }

        pub fn load(&self, rels: &[&str]) -> Result<Loaded, Diagnostics> {
            let inputs: Vec<Input> = rels.iter().map(|r| Input::Path(self.path(r))).collect();
            load(&inputs, &opts())
        }
    }

    impl Drop for TempRepo {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }

    pub fn opts() -> LoadOptions {
        LoadOptions {
            root: None,
            default_namespace: "default".into(),
            parse: ParseLimits::default(),
            max_total_bytes: 1 << 30,
            max_file_bytes: 1 << 24,
            passthrough: Passthrough::Keep,
        }
    }

    pub fn obj(kind: &str, name: &str) -> String {
        format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n")
    }

    pub fn names(l: &Loaded) -> Vec<String> {
        l.objects.iter().map(|o| o.id.display()).collect()
    }

    pub fn messages(e: &Diagnostics) -> String {
        e.sorted().iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests;
