//! Running the real binary on fixture repositories.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    project_dir().join("fixtures").join(name)
}

/// A command for the binary with a clean environment: no Argo CD or BCP_RENDER variables
/// leak in from the developer's shell.
pub fn command(cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bcp-render"));
    c.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(cwd);
    c
}

pub fn run_with(mut c: Command, stdin: Option<&str>) -> Run {
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn bcp-render");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `bcp-render ARGS` from the project directory.
pub fn bcp(args: &[&str]) -> Run {
    let mut c = command(&project_dir());
    c.args(args);
    run_with(c, None)
}

pub fn bcp_stdin(args: &[&str], stdin: &str) -> Run {
    let mut c = command(&project_dir());
    c.args(args);
    run_with(c, Some(stdin))
}

/// A failing run: non-zero, nothing on stdout.
pub fn assert_failed(r: &Run, code: i32) {
    assert_eq!(r.code, code, "exit code; stderr:\n{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout must be empty on error, got:\n{}", r.stdout);
}

pub fn assert_ok(r: &Run) {
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
}

/// A temporary repository with the given files (relative path, content).
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// `bcp-render ARGS .` in a temporary repository holding `files`, with `env` set.
pub fn run_in_repo(files: &[(&str, &str)], args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = repo(files);
    let mut c = command(dir.path());
    c.args(args).arg(".").envs(env.iter().copied());
    run_with(c, None)
}

/// `bcp-render render --output clusters ARGS .` in a temporary repository holding `files`.
pub fn render_clusters_in(files: &[(&str, &str)], args: &[&str]) -> Run {
    let mut all = vec!["render", "--output", "clusters"];
    all.extend_from_slice(args);
    run_in_repo(files, &all, &[])
}

/// Strings that YAML 1.1 or 1.2 readers could take for something else, or that need quoting
/// for other reasons: shared by the YAML safety tests.
pub const NASTY: &[&str] = &[
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "Y",
    "n",
    "~",
    "null",
    "NULL",
    "true",
    "False",
    "0755",
    "0x1F",
    "0X1f",
    "5s",
    "1h30m",
    "64Ki",
    "1E3",
    "0b1",
    "0b101",
    "0o17",
    "1_000",
    "1_000.5",
    "1e3",
    ".5",
    "1.",
    "+1",
    "-1",
    "+12",
    ".inf",
    "-.Inf",
    ".nan",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "1:20",
    "190:20:30.15",
    "=",
    "<<",
    "- a",
    "-",
    "?",
    ":",
    "a: b",
    "a:",
    "a #b",
    "#",
    " lead",
    "trail ",
    "''",
    "'",
    "\"",
    "@x",
    "`x",
    "!x",
    "&x",
    "*x",
    "%x",
    "|",
    ">",
    "{}",
    "[]",
    "a,b",
    "\t",
    "line\nline",
    "a\n",
    "\n\n",
    " a\nb\n",
    "a\n\n",
    "é",
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{a0}",
    "\u{feff}",
    "\u{1}",
    "\u{7f}",
    "\r\n",
    "\\",
    "---",
    "...",
    "--- a",
    "http://x:80/a",
    "plain words",
    "😀",
    "a\u{0}b",
    "\u{fffe}",
    "",
    "%TAG",
    "&a",
    "*a",
    "a\nb",
    "\u{feff}x",
    "0",
    "-0",
    "0.0",
    "1_0",
    "0b11",
];

/// Copy a directory tree (regular files and directories).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Whether an independent oracle (kustomize, PyYAML, Envoy) can run. Without it the test
/// says it skipped; under `CI=true` a missing oracle fails the test instead.
pub fn oracle_available(name: &str, probe: Result<(), String>) -> bool {
    match probe {
        Ok(()) => true,
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("oracle {name} is required under CI=true: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: oracle {name} is not available ({why}); this test checked nothing");
            false
        }
    }
}

/// The real kustomize's command line, if one is installed: `kustomize build` or
/// `kubectl kustomize`.
pub fn real_kustomize() -> Option<Vec<String>> {
    let works = |args: &[&str]| Command::new(args[0]).args(&args[1..]).output().is_ok_and(|o| o.status.success());
    if works(&["kustomize", "version"]) {
        return Some(vec!["kustomize".into(), "build".into()]);
    }
    works(&["kubectl", "version", "--client"]).then(|| vec!["kubectl".into(), "kustomize".into()])
}

/// `real_kustomize`, through the oracle rule.
pub fn kustomize_oracle() -> Option<Vec<String>> {
    let found = real_kustomize();
    let probe = found.as_ref().map(|_| ()).ok_or_else(|| "neither kustomize nor kubectl is on PATH".to_string());
    oracle_available("kustomize", probe).then(|| found.unwrap())
}

/// Whether Argo CD can carry a string through a plugin's output (bcp-render refuses DEL, C1
/// controls, U+FEFF, U+FFFE and U+FFFF on reading).
pub fn carriable(s: &str) -> bool {
    !s.chars().any(|c| matches!(c, '\u{7f}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
}
