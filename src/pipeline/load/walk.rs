//! The plain directory walk (std only).
//!
//! Entries are visited sorted byte-wise by file name; hidden entries (`.git` included) are
//! skipped; `*.yaml`, `*.yml` and `*.json` files are read; subdirectories are walked.
//!
//! Decision: a *subdirectory* that holds a kustomization is not built as kustomize during a
//! plain walk; its files are walked like any others. Only the kustomization file itself is
//! skipped (it is not a Kubernetes object), with a warning saying it was not built, because
//! silently mixing "walk" and "build" would make the output depend on which directory the user
//! happened to name. To build it, name that directory as an input.
//!
//! Symlinks are followed only when their canonical target lies inside the repository root.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::ctx::{Collector, Ctx, KUSTOMIZATION_NAMES};
use super::objects::parse_final;
use super::root;
use crate::core::diag::Diagnostic;

/// Walk `dir` (canonical, inside the root), appending objects in sorted path order.
pub(crate) fn walk_dir(ctx: &mut Ctx<'_>, dir: &Path, out: &mut Collector) {
    let mut stack = Vec::new();
    walk_inner(ctx, dir, &mut stack, out);
}

fn walk_inner(ctx: &mut Ctx<'_>, dir: &Path, stack: &mut Vec<PathBuf>, out: &mut Collector) {
    let shown = ctx.rel(dir);
    let canonical = match root::confine(&ctx.root, dir, &shown) {
        Ok(c) => c,
        Err(d) => return ctx.error(d),
    };
    if stack.len() > ctx.opts.max_dir_depth {
        let limit = ctx.opts.max_dir_depth;
        ctx.error(
            Diagnostic::error(format!("directory nested more than {limit} levels below the input"))
                .in_file(&shown)
                .hint("option --max-dir-depth raises the limit"),
        );
        return;
    }
    if stack.contains(&canonical) {
        ctx.error(Diagnostic::error("symlink cycle: directory already being walked").in_file(&shown));
        return;
    }
    let read = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            ctx.error(Diagnostic::error(format!("cannot read directory: {}", root::io_reason(&e))).in_file(&shown));
            return;
        }
    };
    let mut names: Vec<std::ffi::OsString> = Vec::new();
    for entry in read {
        match entry {
            Ok(e) => names.push(e.file_name()),
            Err(e) => {
                ctx.error(Diagnostic::error(format!("cannot read directory: {}", root::io_reason(&e))).in_file(&shown))
            }
        }
    }
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    stack.push(canonical.clone());
    for name in names {
        if name.as_bytes().starts_with(b".") {
            continue;
        }
        let path = dir.join(&name);
        let entry_shown = ctx.rel(&path);
        let link = std::fs::symlink_metadata(&path).map(|m| m.file_type().is_symlink()).unwrap_or(false);
        if link {
            // Check the target before even looking at what it is.
            if let Err(d) = root::confine(&ctx.root, &path, &entry_shown) {
                ctx.error(d);
                continue;
            }
        }
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                ctx.error(Diagnostic::error(format!("cannot read: {}", root::io_reason(&e))).in_file(&entry_shown));
                continue;
            }
        };
        if meta.is_dir() {
            walk_inner(ctx, &path, stack, out);
        } else if meta.is_file() && is_manifest(&name) {
            let name_str = name.to_string_lossy();
            if KUSTOMIZATION_NAMES.contains(&name_str.as_ref()) && stack.len() > 1 {
                ctx.warnings.push(
                    Diagnostic::warning(
                        "kustomization not built during a directory walk; its directory's files are read as plain manifests",
                    )
                    .in_file(&entry_shown)
                    .hint("name that directory as an input to build it with kustomize"),
                );
                continue;
            }
            // A regular file of a confined directory is confined: only links need resolving.
            let text =
                if link { ctx.read_text(&path) } else { ctx.read_confined(&canonical.join(&name), &entry_shown) };
            if let Some(text) = text {
                parse_final(ctx, &entry_shown, text, out);
            }
        } else if !meta.is_file() && is_manifest(&name) {
            ctx.error(
                Diagnostic::error("not a regular file (a FIFO, socket or device): only regular files are read")
                    .in_file(&entry_shown)
                    .hint("remove it from the repository, or rename it so it does not end in .yaml, .yml or .json"),
            );
        } else if meta.is_file() && name.as_bytes() == b"Kustomization" && stack.len() > 1 {
            ctx.warnings.push(
                Diagnostic::warning("kustomization not built during a directory walk")
                    .in_file(&entry_shown)
                    .hint("name that directory as an input to build it with kustomize"),
            );
        }
    }
    stack.pop();
}

fn is_manifest(name: &std::ffi::OsStr) -> bool {
    let b = name.as_bytes();
    b.ends_with(b".yaml") || b.ends_with(b".yml") || b.ends_with(b".json")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn sorted_order_hidden_and_git_skipped() {
        let repo = TempRepo::new();
        repo.write("apps/b.yaml", &obj("ConfigMap", "b"));
        repo.write("apps/a.yml", &obj("ConfigMap", "a"));
        repo.write("apps/B.json", r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"B"}}"#);
        repo.write("apps/sub/c.yaml", &obj("ConfigMap", "c"));
        repo.write("apps/.hidden.yaml", &obj("ConfigMap", "hidden"));
        repo.write("apps/.dir/d.yaml", &obj("ConfigMap", "d"));
        repo.write(".git/x.yaml", &obj("ConfigMap", "git"));
        repo.write("apps/notes.txt", "not yaml");
        let l = repo.load(&["."]).unwrap();
        assert_eq!(
            names(&l),
            vec!["ConfigMap default/B", "ConfigMap default/a", "ConfigMap default/b", "ConfigMap default/c"]
        );
        assert_eq!(l.objects[3].origin.file, "apps/sub/c.yaml");
    }

    #[test]
    fn nested_kustomization_is_walked_not_built() {
        let repo = TempRepo::new();
        repo.write("apps/k/kustomization.yaml", "resources: [a.yaml]\nnamespace: x\n");
        repo.write("apps/k/a.yaml", &obj("ConfigMap", "a"));
        let l = repo.load(&["apps"]).unwrap();
        assert_eq!(names(&l), vec!["ConfigMap default/a"]);
        assert_eq!(l.warnings.len(), 1);
    }

    #[test]
    fn symlink_escape_is_refused_without_reading() {
        let repo = TempRepo::new();
        let outside = TempRepo::new();
        outside.write("secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: TOPSECRETVALUE}\n");
        repo.write("apps/ok.yaml", &obj("ConfigMap", "ok"));
        std::os::unix::fs::symlink(outside.path("secret.yaml"), repo.path("apps/x.yaml")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", repo.path("apps/y.yaml")).unwrap();
        std::os::unix::fs::symlink(outside.path("."), repo.path("apps/zdir")).unwrap();
        let e = repo.load(&["apps"]).unwrap_err();
        let m = messages(&e);
        assert!(m.contains("apps/x.yaml: error: symlink points outside the repository root"), "{m}");
        assert!(m.contains("apps/y.yaml: error: symlink points outside the repository root"), "{m}");
        assert!(m.contains("apps/zdir: error: symlink points outside the repository root"), "{m}");
        assert!(!m.contains("TOPSECRETVALUE"), "{m}");
        assert!(!m.contains(outside.root.to_str().unwrap()), "{m}");
        assert_eq!(e.error_count(), 3, "{m}");
    }

    #[test]
    fn symlink_inside_root_is_followed() {
        let repo = TempRepo::new();
        repo.write("base/ok.yaml", &obj("ConfigMap", "ok"));
        std::os::unix::fs::symlink("base", repo.path("apps")).unwrap();
        let l = repo.load(&["apps"]).unwrap();
        assert_eq!(names(&l), vec!["ConfigMap default/ok"]);
        // An absolute link is refused even when it points inside the root, as Argo CD does.
        std::os::unix::fs::symlink(repo.path("base"), repo.path("abs")).unwrap();
        let e = repo.load(&["abs"]).unwrap_err();
        assert!(messages(&e).contains("abs: error: absolute symlink is not allowed"), "{}", messages(&e));
    }
}
