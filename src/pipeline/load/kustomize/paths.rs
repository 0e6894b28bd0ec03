//! The paths a kustomization lists: remote ones refused (offline), absolute or ambiguous
//! ones refused, files under kustomize's load restrictor (inside the kustomization's own
//! directory), everything confined to the repository root.

use std::path::{Path, PathBuf};

use crate::pipeline::load::ctx::Ctx;
use crate::pipeline::load::root;

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
pub(crate) fn check_entry(dir: &Path, entry: &str) -> Result<PathBuf, String> {
    if is_remote(entry) {
        return Err(remote_error(entry));
    }
    if Path::new(entry).is_absolute() {
        return Err(format!("'{entry}': absolute paths are not allowed in a kustomization"));
    }
    if entry.split('/').any(|s| s.contains("..") && s != "..") {
        return Err(format!("'{entry}': path is ambiguous (a segment contains '..')"));
    }
    let path = dir.join(entry);
    if std::fs::metadata(&path).is_err() {
        if looks_like_host(entry) {
            return Err(remote_error(entry));
        }
        return Err(format!("'{entry}': no such file or directory"));
    }
    Ok(path)
}

/// A file entry under the load restrictor: it must lie in or below the kustomization's `dir`.
pub(crate) fn restricted_file(ctx: &Ctx<'_>, dir: &Path, entry: &str) -> Result<PathBuf, String> {
    let path = check_entry(dir, entry)?;
    let shown = ctx.rel(&path);
    let canonical = root::confine(&ctx.root, &path, &shown).map_err(|d| format!("'{entry}': {}", d.message))?;
    if !canonical.starts_with(dir) {
        return Err(format!("security; file '{shown}' is not in or below '{}'", ctx.rel(dir)));
    }
    if canonical.is_dir() {
        return Err(format!("'{entry}' must resolve to a file"));
    }
    Ok(path)
}
