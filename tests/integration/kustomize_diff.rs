//! The built-in kustomize against the real one (`kustomize build` or `kubectl kustomize`),
//! on every kustomization under `fixtures/`, the overlay corpus of
//! `fixtures/kustomize-corpus` included: `bcp-render render DIR` either fails, or prints
//! exactly the objects the real kustomize prints, in its order, plus only bcp-render's own
//! annotations and cluster ConfigMaps; and its clusters are those rendered from the real
//! kustomize's output. Never DIFFERENT. Both engines are checked: `builtin` and `auto` (the
//! default, which hands what the built-in engine refuses to the real one).
//!
//! The real kustomize's output of each kustomization is also recorded next to it
//! (`.kustomize-build.yaml`, written with `BCP_RENDER_UPDATE=1`): the built-in engine is
//! checked against the recordings by `cargo test` alone, and against the real kustomize, and
//! the recordings kept current, where one is installed. Without a real kustomize that part
//! says it skipped; under `CI=true` that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use bcp_render::yaml::{ParseLimits, parse_stream};
use serde_json::Value;

use crate::util::*;

/// Every directory under `dir` holding a kustomization file, sorted.
fn kustomizations(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    if ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().any(|n| dir.join(n).is_file()) {
        out.push(dir.to_path_buf());
    }
    for e in entries {
        if e.is_dir() {
            kustomizations(&e, out);
        }
    }
}

/// A stream's documents, as values.
fn documents(text: &str) -> Vec<Value> {
    let limits = ParseLimits { max_documents: 100_000, max_depth: 128 };
    parse_stream(text, &limits).expect("the stream parses").into_iter().map(|d| d.value).collect()
}

/// bcp-render's output without what bcp-render adds: its ConfigMaps and its annotations.
fn without_ours(docs: Vec<Value>) -> Vec<Value> {
    let ours = |d: &Value| d.pointer("/metadata/labels/app.kubernetes.io~1managed-by") == Some(&"bcp-render".into());
    docs.into_iter()
        .filter(|d| !ours(d))
        .map(|mut d| {
            if let Some(meta) = d.get_mut("metadata").and_then(Value::as_object_mut) {
                if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                    a.retain(|k, _| !k.starts_with("bcp-render.dev/"));
                }
                if meta.get("annotations").is_some_and(|a| a.as_object().is_some_and(|a| a.is_empty())) {
                    meta.remove("annotations");
                }
            }
            d
        })
        .collect()
}

/// The recorded output of the real kustomize for `dir`.
fn recording(dir: &Path) -> PathBuf {
    dir.join(".kustomize-build.yaml")
}

fn real(kustomize: &[String], dir: &Path) -> Option<String> {
    let out = Command::new(&kustomize[0]).args(&kustomize[1..]).arg(dir).output().expect("run kustomize");
    out.status.success().then(|| String::from_utf8(out.stdout).unwrap())
}

fn bcp(args: &[&str], dir: &Path, stdin: Option<&str>) -> Run {
    let mut c = command(&project_dir());
    c.arg("render").args(args).arg(dir);
    run_with(c, stdin)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Identical,
    Refused,
    /// The real kustomize fails too.
    BothFail,
    Different,
}

/// One engine on one kustomization, against the real kustomize's output.
fn verdict(engine: &str, dir: &Path, real_out: Option<&str>, why: &mut String) -> Verdict {
    let ours = bcp(&["--kustomize-engine", engine], dir, None);
    match (real_out, ours.code) {
        (None, 0) => {
            *why = "the real kustomize fails, bcp-render builds it".into();
            Verdict::Different
        }
        (None, _) => Verdict::BothFail,
        (Some(_), _) if ours.code != 0 => {
            assert!(ours.stdout.is_empty(), "{}: output on failure", dir.display());
            *why = ours.stderr.lines().next().unwrap_or("").chars().take(160).collect();
            Verdict::Refused
        }
        (Some(text), _) => {
            let want = documents(text);
            let got = without_ours(documents(&ours.stdout));
            if want != got {
                *why = first_difference(&want, &got);
                return Verdict::Different;
            }
            let clusters = bcp(&["--kustomize-engine", engine, "--output", "clusters"], dir, None);
            let from_real = bcp(&["--output", "clusters"], Path::new("-"), Some(text));
            if (clusters.code, &clusters.stdout) != (from_real.code, &from_real.stdout) {
                *why = "the clusters differ from those rendered from the real kustomize's output".into();
                return Verdict::Different;
            }
            Verdict::Identical
        }
    }
}

fn first_difference(want: &[Value], got: &[Value]) -> String {
    let id = |v: &Value| format!("{} {}", v["kind"], v["metadata"]["name"]);
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w != g {
            return format!("object {i}: kustomize {} vs bcp-render {}:\n  {w}\n  {g}", id(w), id(g));
        }
    }
    format!("{} objects from kustomize, {} from bcp-render", want.len(), got.len())
}

#[test]
fn builtin_and_auto_kustomize_are_identical_to_the_real_one_or_refuse() {
    let Some(kustomize) = kustomize_oracle() else { return };
    let mut dirs = Vec::new();
    kustomizations(&fixture(""), &mut dirs);
    let corpus = dirs.iter().filter(|d| d.parent() == Some(&fixture("kustomize-corpus"))).count();
    assert!(corpus >= 60, "the overlay corpus has {corpus} cases");
    let mut different = Vec::new();
    let mut auto_refused = Vec::new();
    let mut tally = std::collections::BTreeMap::new();
    for dir in &dirs {
        let rel = dir.strip_prefix(project_dir()).unwrap_or(dir);
        let real_out = real(&kustomize, rel);
        let recorded = std::fs::read_to_string(recording(dir)).ok();
        match (&real_out, std::env::var("BCP_RENDER_UPDATE").is_ok()) {
            (Some(text), true) => std::fs::write(recording(dir), text).unwrap(),
            (None, true) => {
                let _ = std::fs::remove_file(recording(dir));
            }
            (_, false) => assert_eq!(
                real_out,
                recorded,
                "{}: the recording of the real kustomize's output is stale (BCP_RENDER_UPDATE=1 rewrites it)",
                rel.display()
            ),
        }
        for engine in ["builtin", "auto"] {
            let mut why = String::new();
            let v = verdict(engine, rel, real_out.as_deref(), &mut why);
            *tally.entry((engine, v)).or_insert(0) += 1;
            if v == Verdict::Different {
                different.push(format!("{} ({engine}): {why}", rel.display()));
            }
            if v == Verdict::Refused {
                eprintln!("{engine} refused {}: {why}", rel.display());
                if engine == "auto" {
                    auto_refused.push(rel.display().to_string());
                }
            }
        }
    }
    eprintln!("{} kustomizations: {tally:?}", dirs.len());
    assert!(different.is_empty(), "DIFFERENT from the real kustomize:\n{}", different.join("\n"));
    // What the built-in engine builds exactly: losing it would go unnoticed otherwise.
    let builtin = tally.get(&("builtin", Verdict::Identical)).copied().unwrap_or(0);
    assert!(builtin >= 70, "the built-in engine builds only {builtin} kustomizations identically");
    // auto refuses only what cannot be applied as the real kustomize builds it.
    assert_eq!(
        auto_refused,
        [
            // An invalid policy, by design.
            "fixtures/invalid/target-kinds",
            // A label kustomize leaves a number: Kubernetes refuses it.
            "fixtures/kustomize-corpus/22-cl-label-typing",
            // Two versions of a BackendConfigPolicy: which one kgateway sees is not known.
            "fixtures/kustomize-corpus/64-res-apiversion-variants",
            // namePrefix makes a name that kustomize writes as a number.
            "fixtures/kustomize-corpus/80-np-numeric-style",
        ]
    );
}

#[test]
fn builtin_kustomize_is_identical_to_the_recorded_real_one_or_refuses() {
    let mut dirs = Vec::new();
    kustomizations(&fixture(""), &mut dirs);
    let (mut identical, mut different) = (0, Vec::new());
    for dir in &dirs {
        let rel = dir.strip_prefix(project_dir()).unwrap_or(dir);
        let recorded = std::fs::read_to_string(recording(dir)).ok();
        let mut why = String::new();
        match verdict("builtin", rel, recorded.as_deref(), &mut why) {
            Verdict::Identical => identical += 1,
            Verdict::Different => different.push(format!("{}: {why}", rel.display())),
            Verdict::Refused | Verdict::BothFail => {}
        }
    }
    assert!(different.is_empty(), "DIFFERENT from the recorded kustomize output:\n{}", different.join("\n"));
    assert!(identical >= 70, "the built-in engine builds only {identical} kustomizations identically");
}
