//! Many renders at once, in different environments and from different copies of the tree,
//! give byte-identical output, and nothing is written anywhere but stdout.

use std::path::{Path, PathBuf};

use crate::util::*;

const SEED_ARGS: &[&str] = &["render", "--global-policy-namespace", "kgateway-system", "."];
const TLS_ARGS: &[&str] = &["render", "."];

fn render_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = command(dir);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    run_with(c, None)
}

/// Every file under `dir` with its bytes, sorted: a snapshot to compare before and after.
fn listing(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

fn parallel_identical(fixture_name: &str, args: &'static [&'static str]) {
    let dir = fixture(fixture_name);
    let tmp = tempfile::tempdir().unwrap();
    let before = listing(&dir);
    let reference = render_in(&dir, args, &[]);
    assert_ok(&reference);
    assert!(!reference.stdout.is_empty());
    let tmpdir = tmp.path().to_str().unwrap().to_string();
    let handles: Vec<_> = (0..12)
        .map(|i| {
            let dir = dir.clone();
            let tmpdir = tmpdir.clone();
            std::thread::spawn(move || {
                // Different time zones, locales and orders of the environment.
                let tz = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"][i % 4];
                let lang = ["C", "de_DE.UTF-8", "tr_TR.UTF-8", "ja_JP.UTF-8"][i % 4];
                let mut env = vec![("TZ", tz), ("LANG", lang), ("LC_ALL", lang), ("TMPDIR", tmpdir.as_str())];
                let n = env.len();
                env.rotate_left(i % n);
                if i % 2 == 1 {
                    env.reverse();
                }
                render_in(&dir, args, &env)
            })
        })
        .collect();
    for h in handles {
        let r = h.join().unwrap();
        assert_ok(&r);
        assert!(r.stdout == reference.stdout, "parallel run differs for {fixture_name}");
        assert_eq!(r.stderr, reference.stderr);
    }
    // No temp files, and the tree is untouched.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "temp files left in TMPDIR: {left:?}");
    assert!(listing(&dir) == before, "the fixture tree was modified");
}

#[test]
fn parallel_renders_of_the_seed_are_identical() {
    parallel_identical("seed", SEED_ARGS);
}

#[test]
fn parallel_renders_of_the_tls_fixture_are_identical() {
    parallel_identical("fields/tls", TLS_ARGS);
}

#[test]
fn copies_of_the_tree_under_different_names_render_identically() {
    for (name, args) in [("seed", SEED_ARGS), ("fields/tls", TLS_ARGS)] {
        let reference = render_in(&fixture(name), args, &[]);
        assert_ok(&reference);
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("checkout-a");
        let b = tmp.path().join("zz").join("another name with spaces");
        copy_tree(&fixture(name), &a);
        copy_tree(&fixture(name), &b);
        for dir in [&a, &b] {
            let r = render_in(dir, args, &[("TZ", "Europe/Paris")]);
            assert_ok(&r);
            assert!(r.stdout == reference.stdout, "{name} copied to {} differs", dir.display());
        }
    }
}
