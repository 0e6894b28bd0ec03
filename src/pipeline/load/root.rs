//! The repository root and confinement of every read to it.
//!
//! The root is, in order: `--root`; the nearest parent holding a `.git` entry (git itself is
//! never run); the Argo CD checkout (the current dir minus `ARGOCD_APP_SOURCE_PATH`); else the
//! input itself (its parent directory for a file). Every path read is canonicalized (which
//! resolves symlinks) and must lie inside the canonical root.

// Errors here are cold and go straight into the diagnostics list.
#![allow(clippy::result_large_err)]

use std::path::{Component, Path, PathBuf};

use crate::core::diag::Diagnostic;

/// The root for one input path. `path` must exist.
pub fn find_root(path: &Path, explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    let canon = |p: &Path| {
        std::fs::canonicalize(p).map_err(|e| Diagnostic::error(format!("{}: cannot resolve path: {e}", p.display())))
    };
    if let Some(root) = explicit {
        return canon(root);
    }
    let start = canon(path)?;
    // The git top-level of the path *as named*, before symlinks are resolved: a symlinked
    // input that leaves its repository is then refused by confinement instead of silently
    // becoming a repository of its own.
    if let Ok(cwd) = std::env::current_dir()
        && let Some(top) = git_toplevel(&normalize(&cwd.join(path)))
    {
        return canon(&top);
    }
    if let Some(top) = git_toplevel(&start) {
        return Ok(top);
    }
    if let Ok(cwd) = std::env::current_dir() {
        let source_path = std::env::var("ARGOCD_APP_SOURCE_PATH").ok();
        if let Some(root) = argocd_root(&cwd, source_path.as_deref()) {
            let root = canon(&root)?;
            if start.starts_with(&root) {
                return Ok(root);
            }
        }
    }
    if start.is_dir() { Ok(start) } else { Ok(start.parent().map(Path::to_path_buf).unwrap_or(start)) }
}

/// The nearest directory at or above `start` that holds a `.git` entry (file or directory).
pub fn git_toplevel(start: &Path) -> Option<PathBuf> {
    let mut dir = if start.is_dir() { Some(start) } else { start.parent() };
    while let Some(d) = dir {
        if std::fs::symlink_metadata(d.join(".git")).is_ok() {
            return Some(d.to_path_buf());
        }
        dir = d.parent();
    }
    None
}

/// When running as an Argo CD plugin, the checkout root: `cwd` minus the trailing
/// `source_path` (the value of `ARGOCD_APP_SOURCE_PATH`). `None` when not applicable.
pub fn argocd_root(cwd: &Path, source_path: Option<&str>) -> Option<PathBuf> {
    let sp = source_path?.trim_matches('/');
    if sp.is_empty() || sp == "." {
        return Some(cwd.to_path_buf());
    }
    let suffix = Path::new(sp);
    if suffix.is_absolute() || !cwd.ends_with(suffix) {
        return None;
    }
    let mut root = cwd.to_path_buf();
    for _ in suffix.components().filter(|c| !matches!(c, Component::CurDir)) {
        root.pop();
    }
    Some(root)
}

/// Lexically normalize `.` and `..` components (no filesystem access).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `root`, `/`-separated, for messages and origins. Falls back to the path
/// as given when it is not under the root.
pub fn rel(root: &Path, path: &Path) -> String {
    let norm = normalize(path);
    let names = |p: &Path| -> Vec<String> {
        p.components()
            .filter(|c| matches!(c, std::path::Component::Normal(_)))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    // Outside the root, show `../x` relative to it rather than an absolute path, which would
    // differ between machines and say more than needed.
    let (r, p) = (names(root), names(&norm));
    let common = r.iter().zip(&p).take_while(|(a, b)| a == b).count();
    let mut s: Vec<String> = std::iter::repeat_n("..".to_string(), r.len() - common).collect();
    s.extend(p[common..].iter().cloned());
    if s.is_empty() { ".".to_string() } else { s.join("/") }
}

/// Canonicalize `path` and check that it lies inside `root` (already canonical). The error
/// names the entry as written (`shown`), never the target, and nothing is read from it.
pub fn confine(root: &Path, path: &Path, shown: &str) -> Result<PathBuf, Diagnostic> {
    let canonical = std::fs::canonicalize(path)
        .map_err(|e| Diagnostic::error(format!("cannot read: {}", io_reason(&e))).in_file(shown))?;
    if canonical.starts_with(root) {
        if absolute_link(root, path) {
            return Err(Diagnostic::error("absolute symlink is not allowed (Argo CD refuses them too)")
                .in_file(shown)
                .hint("make the link relative, pointing inside the repository root"));
        }
        return Ok(canonical);
    }
    let is_link = std::fs::symlink_metadata(path).map(|m| m.file_type().is_symlink()).unwrap_or(false);
    let message = if is_link || normalize(path) != canonical {
        "symlink points outside the repository root".to_string()
    } else {
        "path is outside the repository root".to_string()
    };
    Err(Diagnostic::error(message)
        .in_file(shown)
        .hint("only files inside the repository root are read; set --root to widen it"))
}

/// Whether `path`, or a directory on its way below `root`, is a symlink with an absolute
/// target. Components above the root are the user's business, not the repository's.
fn absolute_link(root: &Path, path: &Path) -> bool {
    let norm = normalize(path);
    let is_abs_link = |p: &Path| {
        std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
            && std::fs::read_link(p).is_ok_and(|t| t.is_absolute())
    };
    match norm.strip_prefix(root) {
        Ok(below) => {
            let mut cur = root.to_path_buf();
            below.components().any(|c| {
                cur.push(c);
                is_abs_link(&cur)
            })
        }
        Err(_) => is_abs_link(path),
    }
}

/// An I/O error without the OS error number noise.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argocd_root_strips_the_source_path() {
        let cwd = Path::new("/tmp/repo/apps/gw");
        assert_eq!(argocd_root(cwd, Some("apps/gw")), Some(PathBuf::from("/tmp/repo")));
        assert_eq!(argocd_root(cwd, Some("apps/gw/")), Some(PathBuf::from("/tmp/repo")));
        assert_eq!(argocd_root(cwd, Some(".")), Some(PathBuf::from("/tmp/repo/apps/gw")));
        assert_eq!(argocd_root(cwd, Some("other")), None);
        assert_eq!(argocd_root(cwd, None), None);
        // Component-wise, not string suffix.
        assert_eq!(argocd_root(Path::new("/tmp/repo/xgw"), Some("gw")), None);
    }

    #[test]
    fn normalize_and_rel() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(rel(Path::new("/r"), Path::new("/r/apps/../base/x.yaml")), "base/x.yaml");
        assert_eq!(rel(Path::new("/r"), Path::new("/r")), ".");
    }
}
