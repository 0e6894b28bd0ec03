//! The hostile-input matrix: every case runs the real binary and must exit 1, print nothing on
//! stdout, say specifically what is wrong (naming the entry, or the limit and its option), and
//! never leak a Secret's data or the contents of a file outside the repository root.

use std::path::{Path, PathBuf};

use crate::util::*;

/// A Secret planted in every hostile repository; its values must never appear in any stream.
const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0LXZhbHVlLTQyCg==\nstringData:\n  token: secret-value-42\n";
/// Contents of a file outside the root, reachable only through an escape.
const OUTSIDE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside-marker-77\ndata:\n  k: outside-marker-77\n";
const MARKERS: [&str; 4] = ["c2VjcmV0LXZhbHVlLTQyCg", "secret-value-42", "outside-marker-77", "c2VjcmV0"];

const SERVICE: &str =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - name: http\n    port: 80\n";

/// `<tmp>/repo` (a git root holding the Secret and a Service) next to `<tmp>/outside`.
struct Hostile {
    _tmp: tempfile::TempDir,
    repo: PathBuf,
    outside: PathBuf,
}

impl Hostile {
    fn new(files: &[(&str, &str)]) -> Hostile {
        let tmp = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(tmp.path()).unwrap();
        let repo = base.join("repo");
        let outside = base.join("outside");
        let mut all = vec![(".git/HEAD", "ref: refs/heads/main\n"), ("apps/secret.yaml", SECRET)];
        all.extend_from_slice(files);
        for (path, content) in all {
            write(&repo.join(path), content.as_bytes());
        }
        write(&outside.join("leak.yaml"), OUTSIDE.as_bytes());
        Hostile { _tmp: tmp, repo, outside }
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        write(&self.repo.join(rel), bytes);
    }

    fn symlink(&self, target: impl AsRef<Path>, link: &str) {
        std::os::unix::fs::symlink(target, self.repo.join(link)).unwrap();
    }

    /// `bcp-render render ARGS` from the repository root.
    fn render(&self, args: &[&str]) -> Run {
        let mut c = command(&self.repo);
        c.arg("render").args(args);
        run_with(c, None)
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Exit 1, empty stdout, every `needles` on stderr, and no secret in any stream.
fn refused(r: &Run, needles: &[&str]) {
    assert_failed(r, 1);
    for n in needles {
        assert!(r.stderr.contains(n), "stderr lacks {n:?}:\n{}", r.stderr);
    }
    assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
    for m in MARKERS {
        assert!(!r.stdout.contains(m) && !r.stderr.contains(m), "{m} leaked:\n{}", r.stderr);
    }
}

/// The line and column of the first error in `file`: where reading stopped. Refusing
/// near the start of a huge input shows the work was bounded (no wall clock is asserted).
fn stopped_at(r: &Run, file: &str) -> (usize, usize) {
    let at = r.stderr.find(&format!("{file}:")).unwrap_or_else(|| panic!("no error in {file}:\n{}", r.stderr));
    let mut parts = r.stderr[at + file.len() + 1..].split(':');
    let mut number = || parts.next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
    (number(), number())
}

// ---------------------------------------------------------------------------------------
// Confinement

#[test]
fn file_symlink_escaping_the_root() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    h.symlink("../../outside/leak.yaml", "apps/leak.yaml");
    refused(&h.render(&["apps"]), &["apps/leak.yaml: error: symlink points outside the repository root"]);
}

#[test]
fn directory_symlink_escaping_the_root() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    h.symlink("../../outside", "apps/vendor");
    refused(&h.render(&["apps"]), &["apps/vendor: error: symlink points outside the repository root"]);
}

#[test]
fn absolute_symlink_out_of_the_root() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    h.symlink(h.outside.join("leak.yaml"), "apps/leak.yaml");
    refused(&h.render(&["apps"]), &["apps/leak.yaml: error: symlink points outside the repository root"]);
}

#[test]
fn absolute_symlink_even_inside_the_root() {
    // Argo CD refuses every absolute symlink; so do we, wherever it points.
    let h = Hostile::new(&[("base/svc.yaml", SERVICE)]);
    h.symlink(h.repo.join("base/svc.yaml"), "apps/svc.yaml");
    refused(&h.render(&["apps"]), &["apps/svc.yaml: error: absolute symlink"]);
}

#[test]
fn symlinked_input_path_escaping_the_root() {
    let h = Hostile::new(&[]);
    h.symlink("../outside", "linked");
    refused(&h.render(&["linked"]), &["linked", "outside the repository root"]);
}

#[test]
fn dotdot_escape_in_kustomization_resources() {
    let h = Hostile::new(&[
        ("apps/kustomization.yaml", "resources:\n- secret.yaml\n- ../../outside/leak.yaml\n"),
        ("apps/svc.yaml", SERVICE),
    ]);
    refused(
        &h.render(&["apps"]),
        &["apps/kustomization.yaml", "'../../outside/leak.yaml'", "outside the repository root"],
    );
}

#[test]
fn dotdot_escape_of_the_load_restrictor() {
    let h =
        Hostile::new(&[("apps/kustomization.yaml", "resources:\n- ../other/svc.yaml\n"), ("other/svc.yaml", SERVICE)]);
    refused(&h.render(&["apps"]), &["apps/kustomization.yaml", "other/svc.yaml", "is not in or below"]);
}

#[test]
fn dotdot_escape_in_a_patch_path() {
    let h = Hostile::new(&[(
        "apps/kustomization.yaml",
        "resources:\n- secret.yaml\npatches:\n- path: ../../outside/leak.yaml\n  target: {kind: Secret, name: db}\n",
    )]);
    refused(
        &h.render(&["apps"]),
        &["apps/kustomization.yaml", "[0].path", "'../../outside/leak.yaml'", "outside the repository root"],
    );
}

#[test]
fn absolute_path_in_kustomization_resources() {
    let h = Hostile::new(&[]);
    let k = format!("resources:\n- secret.yaml\n- {}\n", h.outside.join("leak.yaml").display());
    h.write("apps/kustomization.yaml", k.as_bytes());
    refused(&h.render(&["apps"]), &["apps/kustomization.yaml", "absolute paths are not allowed in a kustomization"]);
}

#[test]
fn remote_bases_are_refused() {
    for entry in [
        "github.com/org/repo//x?ref=v1",
        "https://example.com/org/repo/x.yaml",
        "git@github.com:org/repo.git",
        "github.com/org/repo/base",
    ] {
        let h = Hostile::new(&[]);
        h.write("apps/kustomization.yaml", format!("resources:\n- secret.yaml\n- {entry}\n").as_bytes());
        let r = h.render(&["apps"]);
        refused(
            &r,
            &[
                "apps/kustomization.yaml",
                entry,
                "remote resources are not supported (offline); vendor them into the repository",
            ],
        );
    }
}

// ---------------------------------------------------------------------------------------
// Limits

#[test]
fn alias_bomb_fails_fast() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let h = Hostile::new(&[]);
    h.write("apps/bomb.yaml", bomb.as_bytes());
    let r = h.render(&["apps"]);
    refused(&r, &["apps/bomb.yaml:", "alias"]);
    // Refused at the alias that would pass the expansion budget, long before the last line
    // (whose expansion would hold 9^12 nodes).
    let (line, _) = stopped_at(&r, "apps/bomb.yaml");
    assert!(line < 12, "{}", r.stderr);
}

#[test]
fn deep_nesting_fails_fast_without_overflow() {
    const N: usize = 100_000;
    let shapes: [(&str, String); 5] = [
        ("flow-seq.yaml", format!("{}{}", "[".repeat(N), "]".repeat(N))),
        ("flow-map.yaml", format!("{}x{}", "{a: ".repeat(N), "}".repeat(N))),
        ("block-seq.yaml", format!("{}x\n", "- ".repeat(N))),
        ("json.json", format!("{}1{}", "{\"a\":".repeat(N), "}".repeat(N))),
        ("json-arr.json", format!("{}{}", "[".repeat(N), "]".repeat(N))),
    ];
    for (name, text) in shapes {
        let h = Hostile::new(&[]);
        h.write(&format!("apps/{name}"), text.as_bytes());
        let r = h.render(&["apps"]);
        refused(&r, &[&format!("apps/{name}:"), "nesting deeper than", "--max-depth"]);
        // Refused at the first level too deep, not after reading all 100,000.
        let (line, col) = stopped_at(&r, &format!("apps/{name}"));
        assert!(line == 1 && col < 1000, "{}", r.stderr);
    }
}

#[test]
fn depth_over_the_option_names_the_option() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    let r = h.render(&["--max-depth", "3", "apps"]);
    refused(&r, &["apps/svc.yaml:", "nesting deeper than 3 levels", "--max-depth"]);
}

#[test]
fn oversized_file_names_the_limit_and_option() {
    let mut big = String::from(SERVICE);
    big.push_str(&format!("# {}\n", "x".repeat(2000)));
    let h = Hostile::new(&[("apps/big.yaml", &big)]);
    let r = h.render(&["--max-file-bytes", "1000", "apps"]);
    refused(&r, &["apps/big.yaml", "over the limit of 1000 bytes", "--max-file-bytes"]);
}

#[test]
fn oversized_stdin_names_the_limit_and_option() {
    let mut big = String::from(SERVICE);
    big.push_str(&format!("# {}\n", "x".repeat(2000)));
    let h = Hostile::new(&[]);
    let mut c = command(&h.repo);
    c.args(["render", "--max-file-bytes", "1000", "-"]);
    refused(&run_with(c, Some(&big)), &["<stdin>", "over the limit of 1000 bytes", "--max-file-bytes"]);
}

#[test]
fn total_input_over_the_limit() {
    let pad = format!("# {}\n", "x".repeat(400));
    let files: Vec<(String, String)> = (0..5)
        .map(|i| (format!("apps/cm{i}.yaml"), format!("{pad}{}", SERVICE.replace("web", &format!("w{i}")))))
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let h = Hostile::new(&refs);
    let r = h.render(&["--max-input-bytes", "1500", "apps"]);
    refused(&r, &["total input exceeds the limit of 1500 bytes", "--max-input-bytes"]);
    // One error, not one per file.
    assert_eq!(r.stderr.matches("total input exceeds").count(), 1, "{}", r.stderr);
}

#[test]
fn many_tiny_documents_over_the_limit() {
    let h = Hostile::new(&[]);
    h.write("apps/many.yaml", "---\n{}\n".repeat(5000).as_bytes());
    let r = h.render(&["--max-documents", "1000", "apps"]);
    refused(&r, &["apps/many.yaml:", "more than 1000 documents", "--max-documents"]);
    // Refused at document 1,001 (line 2,002), not after reading all 5,000.
    assert_eq!(stopped_at(&r, "apps/many.yaml").0, 2002, "{}", r.stderr);
}

#[test]
fn many_tiny_documents_over_the_default_limit() {
    let h = Hostile::new(&[]);
    h.write("apps/many.yaml", "---\n{}\n".repeat(200_001).as_bytes());
    let r = h.render(&["apps"]);
    refused(&r, &["apps/many.yaml:", "more than 200000 documents", "--max-documents"]);
}

#[test]
fn document_limit_counts_the_whole_input_not_each_file() {
    let files: Vec<(String, String)> = (0..4)
        .map(|i| {
            let docs: String =
                (0..10).map(|j| format!("---\n{}", SERVICE.replace("web", &format!("w{i}-{j}")))).collect();
            (format!("apps/f{i}.yaml"), docs)
        })
        .collect();
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let h = Hostile::new(&refs);
    let r = h.render(&["--max-documents", "25", "apps"]);
    refused(&r, &["apps/f2.yaml:", "more than 25 documents", "--max-documents"]);
}

#[test]
fn output_over_the_limit() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    let r = h.render(&["--max-output-bytes", "100", "apps"]);
    refused(&r, &["over the limit of 100 bytes", "--max-output-bytes"]);
}

// ---------------------------------------------------------------------------------------
// Bytes and syntax

#[test]
fn invalid_utf8() {
    let h = Hostile::new(&[]);
    h.write("apps/bad.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n");
    refused(&h.render(&["apps"]), &["apps/bad.yaml:4:9: error: invalid UTF-8"]);
}

#[test]
fn invalid_utf8_inside_a_secret() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/secret2.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\nstringData:\n  token: secret-value-42\xff\n",
    );
    refused(&h.render(&["apps"]), &["apps/secret2.yaml:6:", "invalid UTF-8"]);
}

#[test]
fn nul_byte() {
    let h = Hostile::new(&[]);
    h.write("apps/nul.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\x00y\n");
    refused(&h.render(&["apps"]), &["apps/nul.yaml:4:"]);
}

#[test]
fn nul_byte_in_json() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/nul.json",
        b"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\x00\"}}\n",
    );
    refused(&h.render(&["apps"]), &["apps/nul.json:1:"]);
}

#[test]
fn tabs_as_indentation() {
    let h = Hostile::new(&[]);
    h.write("apps/tabs.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n");
    refused(&h.render(&["apps"]), &["apps/tabs.yaml:4:", "tab"]);
}

#[test]
fn duplicate_keys() {
    let h = Hostile::new(&[]);
    h.write("apps/dup.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n");
    refused(&h.render(&["apps"]), &["apps/dup.yaml:5:3: error: duplicate key"]);
}

#[test]
fn duplicate_keys_in_a_secret_do_not_echo_values() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/secret2.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\nstringData:\n  token: secret-value-42\n  token: secret-value-42\n",
    );
    refused(&h.render(&["apps"]), &["apps/secret2.yaml:7:", "duplicate key"]);
}

#[test]
fn syntax_error_inside_a_secret_does_not_echo_content() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/secret2.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\nstringData:\n  token: [secret-value-42\n",
    );
    refused(&h.render(&["apps"]), &["apps/secret2.yaml:"]);
    h.write("apps/secret2.yaml", b"{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s2\"}, \"stringData\": {\"token\": \"secret-value-42}}\n");
    refused(&h.render(&["apps"]), &["apps/secret2.yaml:"]);
}

#[test]
fn secret_with_type_errors_does_not_echo_values() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/secret2.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\ndata:\n  password: [c2VjcmV0LXZhbHVlLTQyCg==]\nstringData:\n  token: {v: secret-value-42}\n",
    );
    refused(&h.render(&["apps"]), &["apps/secret2.yaml:", "Secret default/s2"]);
}

#[test]
fn secret_with_bad_base64_does_not_echo_values() {
    let h = Hostile::new(&[]);
    h.write(
        "apps/secret2.yaml",
        b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s2\ndata:\n  password: secret-value-42!!\n",
    );
    let r = h.render(&["apps"]);
    // Whether or not bad base64 is an error, it must not be echoed.
    for m in MARKERS {
        assert!(!r.stderr.contains(m), "{m} leaked:\n{}", r.stderr);
    }
}

#[test]
fn a_secret_passes_through_unchanged() {
    let h = Hostile::new(&[("apps/svc.yaml", SERVICE)]);
    let r = h.render(&["apps"]);
    assert_ok(&r);
    assert!(r.stdout.contains("password: c2VjcmV0LXZhbHVlLTQyCg=="), "{}", r.stdout);
    assert!(r.stdout.contains("token: secret-value-42"), "{}", r.stdout);
    assert!(!r.stderr.contains("secret-value-42"), "{}", r.stderr);
}

#[test]
fn file_names_cannot_forge_diagnostic_lines() {
    let name = "x.yaml\nfake.yaml:1:1: error: \u{1b}[31mforged.yaml";
    let policy = "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: BackendConfigPolicy\nmetadata: {name: p, namespace: ns}\nspec:\n  targetRefs: [{group: \"\", kind: Service, name: web}]\n  connectTimeout: soon\n";
    let dir = repo(&[(name, policy)]);
    for args in [&["check", "."][..], &["explain", "."], &["render", "."]] {
        let mut c = command(dir.path());
        c.args(args);
        let r = run_with(c, None);
        let all = format!("{}{}", r.stdout, r.stderr);
        assert!(!all.lines().any(|l| l.starts_with("fake.yaml")), "{args:?}: {all}");
        assert!(!all.contains('\u{1b}'), "{args:?}: a terminal escape got through: {all}");
    }
    let mut c = command(dir.path());
    c.args(["check", "."]);
    let r = run_with(c, None);
    assert!(r.stderr.contains("x.yaml\\nfake.yaml:1:1: error: \\u{1b}[31mforged"), "{}", r.stderr);
}

/// Enough Services that the output outgrows a pipe's buffer.
fn many_services() -> tempfile::TempDir {
    let docs: Vec<String> = (0..3000)
        .map(|i| format!("apiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: n}}\nspec:\n  ports: [{{port: 80}}]\n"))
        .collect();
    repo(&[("s.yaml", &docs.join("---\n"))])
}

#[test]
fn a_failed_write_is_exit_2_and_a_closed_pipe_is_quiet_but_not_success() {
    use std::io::Read;
    use std::process::Stdio;
    let dir = many_services();
    if std::path::Path::new("/dev/full").exists() {
        for args in [&["render", "."][..], &["check", "--format", "json", "."]] {
            let mut c = command(dir.path());
            c.args(args).stdout(std::fs::File::create("/dev/full").unwrap()).stderr(Stdio::piped());
            let out = c.output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{args:?}");
            assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write output"), "{args:?}");
        }
    } else {
        eprintln!("skipped the /dev/full half: this system has no /dev/full");
    }
    let mut c = command(dir.path());
    c.args(["render", "."]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap(); // then the pipe is closed
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(141));
    assert!(!err.contains("cannot write output"), "{err}");
}

/// Run with a watchdog: a hang fails the test instead of the suite (no time is asserted).
fn run_watched(mut c: std::process::Command) -> (Option<i32>, String) {
    use std::io::Read;
    c.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    for _ in 0..600 {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            return (status.code(), err);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("bcp-render did not finish: it hangs on a special file");
}

#[test]
fn fifos_and_devices_are_refused_not_read() {
    let dir = repo(&[("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")]);
    let fifo = dir.path().join("x.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    std::fs::create_dir(dir.path().join("k")).unwrap();
    std::fs::write(dir.path().join("k/kustomization.yaml"), "resources: [a.yaml]\npatches: [{path: x.yaml}]\n")
        .unwrap();
    std::fs::copy(dir.path().join("a.yaml"), dir.path().join("k/a.yaml")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(dir.path().join("k/x.yaml")).status().unwrap().success());
    for args in [&["render", "."][..], &["render", "x.yaml"], &["render", "k"]] {
        let mut c = command(dir.path());
        c.args(args);
        let (code, err) = run_watched(c);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(err.contains("x.yaml") && err.contains("not a regular file"), "{args:?}: {err}");
    }
}

#[test]
fn directory_depth_is_bounded_by_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().to_path_buf();
    for _ in 0..70 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("a.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n").unwrap();
    let mut c = command(dir.path());
    c.args(["render", "."]);
    let r = run_with(c, None);
    assert_failed(&r, 1);
    assert!(r.stderr.contains("nested more than 64 levels") && r.stderr.contains("--max-dir-depth"), "{}", r.stderr);
    let mut c = command(dir.path());
    c.args(["render", "--max-dir-depth", "80", "."]);
    let r = run_with(c, None);
    assert_ok(&r);
    assert!(r.stdout.contains("name: a"), "{}", r.stdout);
}
