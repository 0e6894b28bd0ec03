//! What Argo CD reads from the input, and what it reads from bcp-render's output, are the
//! same objects, for every fixture: each manifest file rendered alone (`--output all`), and
//! each kustomization (the real kustomize's output against bcp-render's). Read by an
//! independent oracle, `tests/oracles/k8s_yaml.py`: go-yaml v2's reading rebuilt on
//! PyYAML's parser events, kubectl's splitting, sigs.k8s.io/yaml's JSON and Argo CD's list
//! flattening.
//!
//! Without python3 and PyYAML (or, for kustomizations, a real kustomize) the parts say they
//! skipped; under `CI=true` that is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            files(&e, out);
        } else if e.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") {
            out.push(e);
        }
    }
}

fn is_kustomization(p: &Path) -> bool {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"].iter().any(|n| p.join(n).is_file())
}

fn pyyaml() -> Result<(), String> {
    match Command::new("python3").args(["-c", "import yaml"]).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(_) => Err("python3 cannot import yaml (pip install pyyaml)".into()),
        Err(e) => Err(format!("python3 not found: {e}")),
    }
}

/// Run the oracle on the pairs in `dir`; every pair must read the same.
fn compare(dir: &Path, what: &[String]) {
    let oracle = project_dir().join("tests/oracles/k8s_yaml.py");
    let out = Command::new("python3").arg(oracle).arg("compare").arg(dir).output().expect("run the oracle");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the oracle failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut wrong = Vec::new();
    let mut same = 0;
    for line in report.lines() {
        let (n, verdict) = line.split_once(' ').unwrap_or((line, ""));
        if verdict == "SAME" {
            same += 1;
        } else {
            let i: usize = n.parse().unwrap();
            wrong.push(format!("{}: {verdict}", what[i]));
        }
    }
    assert_eq!(same + wrong.len(), what.len(), "the oracle answered for every pair");
    assert!(wrong.is_empty(), "Argo CD would read these differently:\n{}", wrong.join("\n"));
}

#[test]
fn argo_cd_reads_each_fixture_file_and_its_output_alike() {
    if !oracle_available("PyYAML", pyyaml()) {
        return;
    }
    let mut all = Vec::new();
    files(&fixture(""), &mut all);
    let pairs = tempfile::tempdir().unwrap();
    let mut what = Vec::new();
    for f in &all {
        if f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("kustomization")) {
            continue;
        }
        let mut c = command(&project_dir());
        c.args(["render", "--output", "all"]).arg(f);
        let r = run_with(c, None);
        if r.code != 0 {
            // Refused (an invalid fixture, a patch file): nothing reaches Argo CD.
            continue;
        }
        let n = what.len();
        std::fs::copy(f, pairs.path().join(format!("{n}.in"))).unwrap();
        std::fs::write(pairs.path().join(format!("{n}.out")), &r.stdout).unwrap();
        what.push(f.strip_prefix(project_dir()).unwrap_or(f).display().to_string());
    }
    assert!(what.len() >= 150, "only {} fixture files rendered", what.len());
    compare(pairs.path(), &what);
}

#[test]
fn argo_cd_reads_each_kustomization_from_kustomize_and_from_bcp_render_alike() {
    if !oracle_available("PyYAML", pyyaml()) {
        return;
    }
    let Some(kustomize) = kustomize_oracle() else { return };
    let mut all = Vec::new();
    files(&fixture(""), &mut all);
    let mut dirs: Vec<PathBuf> = all.iter().filter_map(|f| f.parent().map(Path::to_path_buf)).collect();
    dirs.sort();
    dirs.dedup();
    dirs.retain(|d| is_kustomization(d));
    let pairs = tempfile::tempdir().unwrap();
    let mut what = Vec::new();
    for d in &dirs {
        let real = Command::new(&kustomize[0]).args(&kustomize[1..]).arg(d).output().unwrap();
        let mut c = command(&project_dir());
        c.arg("render").arg(d);
        let ours = run_with(c, None);
        if !real.status.success() || ours.code != 0 {
            continue;
        }
        let n = what.len();
        std::fs::write(pairs.path().join(format!("{n}.in")), &real.stdout).unwrap();
        std::fs::write(pairs.path().join(format!("{n}.out")), &ours.stdout).unwrap();
        what.push(d.strip_prefix(project_dir()).unwrap_or(d).display().to_string());
    }
    assert!(what.len() >= 90, "only {} kustomizations built", what.len());
    compare(pairs.path(), &what);
}
