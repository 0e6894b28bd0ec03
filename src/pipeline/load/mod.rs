//! Loading the input: the directory walk, stdin, kustomize, root confinement and limits.
//!
//! Output is a flat list of [`Object`]s in a stable order, each with its origin, plus the
//! text of every file an object still held as a tree came from (to locate diagnostics).
//!
//! * [`ctx`]: limits, confined reads, parsing documents, collecting objects;
//! * [`root`]: finding the repository root and confining paths to it;
//! * [`walk`]: plain directories; [`kustomize`]: the built-in kustomize; [`exec`]: the real one;
//! * [`git`]: a tree at another revision, for `diff --git`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::core::diag::{DiagKind, Diagnostic, Diagnostics};
use crate::core::object::Object;
use crate::core::options::KustomizeEngine;

pub mod ctx;
pub mod exec;
pub mod git;
pub mod kustomize;
mod objects;
pub mod root;
pub mod walk;

use ctx::{Collector, Ctx, file_too_big, kustomization_files};
pub use ctx::{KustomizeSettings, LoadOptions, Passthrough};
use kustomize::file::way_out;

/// One path given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Path(PathBuf),
    /// `-`: a YAML or JSON stream on stdin.
    Stdin,
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
            Input::Stdin => load_stdin(&mut ctx, &mut out),
            Input::Path(path) => load_path(&mut ctx, path, &mut out),
        }
    }
    let objects = out.finish(&mut ctx);
    if ctx.errors.has_errors() {
        return Err(ctx.errors);
    }
    Ok(Loaded { objects, warnings: ctx.warnings, texts: ctx.texts })
}

fn load_stdin(ctx: &mut Ctx<'_>, out: &mut Collector) {
    let name = "<stdin>";
    let mut buf = Vec::new();
    let limit = ctx.opts.max_file_bytes;
    if let Err(e) = std::io::stdin().lock().take(limit.saturating_add(1)).read_to_end(&mut buf) {
        ctx.error(Diagnostic::error(format!("cannot read stdin: {e}")).in_file(name));
        return;
    }
    if buf.len() as u64 > limit {
        ctx.error(file_too_big(name, None, limit));
        return;
    }
    if !ctx.charge(name, buf.len() as u64) {
        return;
    }
    if let Some(text) = ctx.decode(name, buf) {
        objects::parse_final(ctx, name, text, out);
    }
}

fn load_path(ctx: &mut Ctx<'_>, path: &Path, out: &mut Collector) {
    let shown = path.display().to_string();
    if let Err(e) = std::fs::symlink_metadata(path) {
        ctx.error(Diagnostic::error(format!("cannot read: {}", root::io_reason(&e))).in_file(shown));
        return;
    }
    match root::find_root(path, ctx.opts.root.as_deref()) {
        Ok(r) => ctx.root = r,
        Err(d) => return ctx.error(d),
    }
    // Everything below works on the canonical input path, so that relative names are stable.
    let canonical = match root::confine(&ctx.root, path, &shown) {
        Ok(c) => c,
        Err(d) => return ctx.error(d),
    };
    if canonical.is_dir() {
        let files = kustomization_files(&canonical);
        if files.is_empty() {
            walk::walk_dir(ctx, &canonical, out);
        } else {
            build_kustomization(ctx, &canonical, &shown, out);
        }
    } else if let Some(text) = ctx.read_text(&canonical) {
        let rel = ctx.rel(&canonical);
        objects::parse_final(ctx, &rel, text, out);
    }
}

/// Build the kustomization in `dir` with the engine the options choose; `named` is the
/// directory as the user named it (for the commands a refusal suggests).
fn build_kustomization(ctx: &mut Ctx<'_>, dir: &Path, named: &str, out: &mut Collector) {
    let settings = ctx.opts.kustomize.clone();
    let command = || exec::command(settings.command.as_deref());
    if settings.engine == KustomizeEngine::Exec {
        match command() {
            Some(c) => exec::build(ctx, dir, &c, out),
            None => ctx.error(no_kustomize(named)),
        }
        return;
    }
    let before = ctx.checkpoint();
    let mut built = Vec::new();
    kustomize::build(ctx, dir, &mut built);
    let refused = ctx.errors_since(&before);
    if refused.is_empty() {
        out.add(ctx, built);
        return;
    }
    let all_unsupported = refused.iter().all(|d| d.kind == DiagKind::Unsupported);
    if settings.engine == KustomizeEngine::Auto
        && all_unsupported
        && let Some(c) = command()
    {
        // What the built-in engine cannot build exactly, the real one builds.
        ctx.rollback(before);
        return exec::build(ctx, dir, &c, out);
    }
    let hint = match settings.engine {
        KustomizeEngine::Auto => format!("neither kustomize nor kubectl is on PATH; {}", way_out(named)),
        _ => way_out(named),
    };
    for d in ctx.errors.since_mut(before.errors()) {
        if d.kind == DiagKind::Unsupported {
            d.hint = Some(hint.clone());
        }
    }
}

fn no_kustomize(dir: &str) -> Diagnostic {
    Diagnostic::error("--kustomize-engine exec: neither kustomize nor kubectl is on PATH")
        .in_file(dir)
        .hint(format!(
            "install kustomize (or kubectl), name it with --kustomize-command, or pipe its output: kubectl kustomize {dir} | bcp-render render -"
        ))
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use crate::core::yaml::ParseLimits;
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
            max_dir_depth: 64,
            passthrough: Passthrough::Keep,
            kustomize: KustomizeSettings::builtin(),
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
