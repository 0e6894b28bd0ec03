//! The loader's state: limits, the current root, errors, kept texts; reading files confined
//! to the root and parsing them into documents; and collecting the final objects.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::root;
use crate::core::diag::{Diagnostic, Diagnostics};
use crate::core::object::{Object, ObjectId, Origin};
use crate::core::options::KustomizeEngine;
use crate::core::yaml::{DocFormat, DocWriter, ParseLimits};

/// A document as loaded, before it becomes an [`Object`].
pub(crate) type Res = (Value, Origin);

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
    /// Directory levels a walk descends below its input.
    pub max_dir_depth: usize,
    pub passthrough: Passthrough,
    pub kustomize: KustomizeSettings,
}

/// Which kustomize builds a kustomization, and how the real one runs.
#[derive(Debug, Clone)]
pub struct KustomizeSettings {
    pub engine: KustomizeEngine,
    /// The real kustomize's command line; `None`: found on `PATH`.
    pub command: Option<Vec<String>>,
    pub timeout: std::time::Duration,
}

impl KustomizeSettings {
    /// The built-in engine only (tests, fuzzing).
    pub fn builtin() -> Self {
        KustomizeSettings {
            engine: KustomizeEngine::Builtin,
            command: None,
            timeout: std::time::Duration::from_secs(60),
        }
    }
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
            let id = ObjectId::of(&value, &ctx.opts.default_namespace);
            let mut obj = Object::new(value, origin, id);
            let text = match ctx.opts.passthrough {
                _ if obj.kind.is_read() => None,
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

    /// The objects, duplicates reported and dropped (the first definition stays). Two
    /// versions of one object (apps/v1 and extensions/v1beta1 Deployments of one name) are
    /// distinct to kustomize and Argo CD, and pass; of a kind bcp-render reads they would
    /// make its reading ambiguous, and are refused.
    pub(crate) fn finish(mut self, ctx: &mut Ctx<'_>) -> Vec<Object> {
        // Only looked up, never iterated, so its order cannot reach the output.
        let mut first: HashMap<(&ObjectId, &str), usize> = HashMap::with_capacity(self.objects.len());
        let mut by_id: HashMap<&ObjectId, usize> = HashMap::with_capacity(self.objects.len());
        let mut duplicate = vec![false; self.objects.len()];
        for (i, o) in self.objects.iter().enumerate() {
            // The legacy order's GVK string tells versions apart.
            let f = match first.get(&(&o.id, o.order.1.as_str())) {
                Some(&f) => f,
                None => {
                    first.insert((&o.id, &o.order.1), i);
                    match by_id.get(&o.id) {
                        Some(&f) if o.kind.is_read() => f,
                        Some(_) => continue,
                        None => {
                            by_id.insert(&o.id, i);
                            continue;
                        }
                    }
                }
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
        drop(by_id);
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

/// What [`Ctx::rollback`] restores.
pub(crate) struct Checkpoint {
    errors: usize,
    warnings: usize,
    total_bytes: u64,
    total_reported: bool,
    total_documents: usize,
    texts: std::collections::BTreeSet<String>,
}

impl Checkpoint {
    /// How many errors there were.
    pub(crate) fn errors(&self) -> usize {
        self.errors
    }
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

    /// The state to go back to when an attempt is abandoned (`auto` kustomize).
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            errors: self.errors.len(),
            warnings: self.warnings.len(),
            total_bytes: self.total_bytes,
            total_reported: self.total_reported,
            total_documents: self.total_documents,
            texts: self.texts.keys().cloned().collect(),
        }
    }

    /// The errors reported since `cp`.
    pub(crate) fn errors_since(&self, cp: &Checkpoint) -> &[Diagnostic] {
        &self.errors.as_slice()[cp.errors..]
    }

    pub(crate) fn rollback(&mut self, cp: Checkpoint) {
        self.errors.truncate(cp.errors);
        self.warnings.truncate(cp.warnings);
        self.total_bytes = cp.total_bytes;
        self.total_reported = cp.total_reported;
        self.total_documents = cp.total_documents;
        self.texts.retain(|k, _| cp.texts.contains(k));
    }

    pub fn rel(&self, path: &Path) -> String {
        root::rel(&self.root, path)
    }

    /// Count a file's documents against `--max-documents` (the whole input's); false (and
    /// one error) when over.
    pub(crate) fn count_documents(&mut self, file: &str, docs: &[crate::core::yaml::YamlDoc]) -> bool {
        let before = self.total_documents;
        self.total_documents = before.saturating_add(docs.len());
        let limit = self.opts.parse.max_documents;
        if self.total_documents <= limit {
            return true;
        }
        if before <= limit {
            let d = Diagnostic::error(format!("the input holds more than {limit} documents (limit --max-documents)"))
                .in_file(file);
            let d = match docs.get(limit - before) {
                Some(doc) => d.line(doc.line, 1),
                None => d,
            };
            self.error(d.hint("option --max-documents raises it"));
        }
        false
    }

    /// Keep a file's text to locate diagnostics in it later.
    pub fn keep_text(&mut self, file: &str, text: String) {
        self.texts.insert(file.to_string(), text);
    }

    /// Count `len` bytes against `--max-input-bytes`; false (and one error) when over.
    pub(crate) fn charge(&mut self, shown: &str, len: u64) -> bool {
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

    pub(crate) fn decode(&mut self, shown: &str, bytes: Vec<u8>) -> Option<String> {
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
        let cannot =
            |e: &std::io::Error| Diagnostic::error(format!("cannot read: {}", root::io_reason(e))).in_file(shown);
        // Opened without blocking, then judged by what was opened: a FIFO or device is refused
        // at once instead of hanging or streaming without end.
        let mut file = match open_nonblocking(canonical) {
            Ok(f) => f,
            Err(e) => {
                self.error(cannot(&e));
                return None;
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(e) => {
                self.error(cannot(&e));
                return None;
            }
        };
        if !meta.is_file() {
            self.error(
                Diagnostic::error("not a regular file (a FIFO, socket or device): only regular files are read")
                    .in_file(shown)
                    .hint("remove it from the repository, or rename it so it does not end in .yaml, .yml or .json"),
            );
            return None;
        }
        let limit = self.opts.max_file_bytes;
        if meta.len() > limit {
            self.error(file_too_big(shown, Some(meta.len()), limit));
            return None;
        }
        if !self.charge(shown, meta.len()) {
            return None;
        }
        // Bounded as well: the file may grow between fstat and read.
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        if let Err(e) = std::io::Read::read_to_end(&mut std::io::Read::take(&mut file, limit + 1), &mut bytes) {
            self.error(cannot(&e));
            return None;
        }
        if bytes.len() as u64 > limit {
            self.error(file_too_big(shown, None, limit));
            return None;
        }
        self.decode(shown, bytes)
    }
}

/// Open for reading; on Linux with O_NONBLOCK, so that opening a FIFO does not wait for a writer.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        const O_NONBLOCK: i32 = 0o4000; // Linux's value on every architecture Rust targets
        o.custom_flags(O_NONBLOCK);
    }
    o.open(path)
}

pub(crate) fn file_too_big(shown: &str, size: Option<u64>, limit: u64) -> Diagnostic {
    let size = size.map(|s| format!("is {s} bytes, ")).unwrap_or_default();
    Diagnostic::error(format!("file {size}over the limit of {limit} bytes"))
        .in_file(shown)
        .hint("option --max-file-bytes raises it")
}
