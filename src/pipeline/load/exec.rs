//! The real kustomize as the engine: `kustomize build DIR` (or `kubectl kustomize DIR`).
//!
//! It runs without a shell, in the kustomization's directory's repository, with an empty
//! environment but `PATH` (proxies pointed at a closed local port and git limited to local
//! files, so nothing is fetched), kustomize's default load restrictor (files only from inside
//! each kustomization's own directory, as Argo CD runs it), a timeout and the input limits.
//! Before it runs, every kustomization it will read and everything below them is checked to
//! stay inside the repository root, so that a symlink cannot make it read outside.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::ctx::{Collector, Ctx, kustomization_files};
use super::kustomize::paths::{is_remote, remote_error};
use super::objects::parse_final;
use super::root;
use crate::core::diag::Diagnostic;
use crate::core::value::get;

/// Entries the confinement check looks at before it gives up (hostile trees).
const MAX_ENTRIES: usize = 200_000;

/// The real kustomize's command line: the configured one, else `kustomize build`, else
/// `kubectl kustomize`, as found on `PATH` (absolute entries only).
pub fn command(configured: Option<&[String]>) -> Option<Vec<String>> {
    if let Some(c) = configured {
        // Run by its absolute path, so the child's working directory cannot change which.
        let (program, args) = c.split_first()?;
        let program = locate(program)?;
        return Some(std::iter::once(program.display().to_string()).chain(args.iter().cloned()).collect());
    }
    if let Some(k) = on_path("kustomize") {
        return Some(vec![k.display().to_string(), "build".into()]);
    }
    on_path("kubectl").map(|k| vec![k.display().to_string(), "kustomize".into()])
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// The file a program name runs: a path as it is, a bare name from `PATH`.
fn locate(program: &str) -> Option<PathBuf> {
    if program.contains('/') { Some(PathBuf::from(program)) } else { on_path(program) }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Build the kustomization in `dir` (canonical, inside the root) with the real kustomize,
/// and add its output as final objects.
pub(crate) fn build(ctx: &mut Ctx<'_>, dir: &Path, command: &[String], out: &mut Collector) {
    let shown = ctx.rel(dir);
    let before = ctx.errors.error_count();
    let mut seen = Vec::new();
    let mut entries = 0;
    check_tree(ctx, dir, &mut seen, &mut entries);
    if ctx.errors.error_count() > before {
        return;
    }
    if let Some(program) = command.first()
        && let Some(found) = locate(program)
        && std::fs::canonicalize(&found).is_ok_and(|p| p.starts_with(&ctx.root))
    {
        // A program from the repository would be the repository's code running here.
        let d = Diagnostic::error(format!("the kustomize command {program} is inside the repository"))
            .in_file(&shown)
            .hint("install kustomize (or kubectl) on the sidecar and name it with BCP_RENDER_KUSTOMIZE_COMMAND");
        return ctx.error(d);
    }
    let limit = ctx.opts.max_file_bytes;
    match run(command, dir, &ctx.root, ctx.opts.kustomize.timeout, limit) {
        Ok(bytes) => {
            let name = format!("{shown} (kustomize build)");
            if !ctx.charge(&name, bytes.len() as u64) {
                return;
            }
            if let Some(text) = ctx.decode(&name, bytes) {
                parse_final(ctx, &name, text, out);
            }
        }
        Err(why) => ctx.error(
            Diagnostic::error(format!("kustomize build failed: {why}"))
                .in_file(&shown)
                .hint("fix the kustomization, or check it with the same command by hand"),
        ),
    }
}

/// Every kustomization `dir` reaches (resources, bases, components) must be local, and
/// everything below each must stay inside the root.
fn check_tree(ctx: &mut Ctx<'_>, dir: &Path, seen: &mut Vec<PathBuf>, entries: &mut usize) {
    if seen.iter().any(|s| s == dir) {
        return;
    }
    seen.push(dir.to_path_buf());
    check_below(ctx, dir, entries);
    let Some(file) = kustomization_files(dir).into_iter().next() else { return };
    let Some(text) = ctx.read_text(&file) else { return };
    let Ok(docs) = crate::core::yaml::parse_stream(&text, &ctx.opts.parse) else {
        // kustomize reports it, with its own message.
        return;
    };
    let file_shown = ctx.rel(&file);
    for doc in docs {
        for key in ["resources", "bases", "components"] {
            for entry in get(&doc.value, key).and_then(Value::as_array).into_iter().flatten() {
                let Some(entry) = entry.as_str() else { continue };
                if is_remote(entry) {
                    ctx.error(Diagnostic::error(remote_error(entry)).in_file(&file_shown));
                    continue;
                }
                let path = dir.join(entry);
                if std::fs::symlink_metadata(&path).is_err() {
                    // Missing: kustomize says so.
                    continue;
                }
                match root::confine(&ctx.root, &path, &ctx.rel(&path)) {
                    Ok(canonical) if canonical.is_dir() => check_tree(ctx, &canonical, seen, entries),
                    Ok(_) => {}
                    Err(d) => ctx.error(d),
                }
            }
        }
    }
}

/// Every symlink below `dir` (hidden entries too) must resolve inside the root.
fn check_below(ctx: &mut Ctx<'_>, dir: &Path, entries: &mut usize) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else { continue };
        for entry in read.flatten() {
            *entries += 1;
            if *entries > MAX_ENTRIES {
                ctx.error(
                    Diagnostic::error(format!("more than {MAX_ENTRIES} files below the kustomization"))
                        .in_file(ctx.rel(dir))
                        .hint(
                            "build it with kustomize and pipe the output: kubectl kustomize DIR | bcp-render render -",
                        ),
                );
                return;
            }
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
            if meta.file_type().is_symlink() {
                let shown = ctx.rel(&path);
                if let Err(d) = root::confine(&ctx.root, &path, &shown) {
                    ctx.error(d);
                }
            } else if meta.is_dir() && entry.file_name() != ".git" {
                stack.push(path);
            }
        }
    }
}

/// Run the command on `dir`; its stdout, or why it failed (stderr's first line only:
/// kustomize's messages can quote the input).
fn run(command: &[String], dir: &Path, root: &Path, timeout: Duration, limit: u64) -> Result<Vec<u8>, String> {
    let (program, args) = command.split_first().ok_or("no kustomize command")?;
    let closed = "http://127.0.0.1:9";
    let mut child = Command::new(program)
        .args(args)
        .arg(dir)
        .current_dir(root)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"].map(|k| (k, closed)))
        .env("GIT_ALLOW_PROTOCOL", "file")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let read = stdout.take(limit.saturating_add(1)).read_to_end(&mut out);
        read.map(|_| out)
    });
    let errors = std::thread::spawn(move || {
        let mut err = Vec::new();
        let _ = stderr.take(64 * 1024).read_to_end(&mut err);
        err
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("it ran longer than {}s (--kustomize-timeout)", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let out = reader.join().map_err(|_| "reading its output failed")?.map_err(|e| e.to_string())?;
    let err = errors.join().unwrap_or_default();
    if !status.success() {
        let why = message(&String::from_utf8_lossy(&err), root);
        return Err(if why.is_empty() { format!("it exited with {status}") } else { why });
    }
    if out.len() as u64 > limit {
        return Err(format!("its output is over the limit of {limit} bytes (--max-file-bytes)"));
    }
    Ok(out)
}

/// kustomize's own reason, from its stderr: kubectl logs `"command failed" err="..."` or a
/// block `err=<` … ` >`, kustomize prints `Error: ...`. Only one line is kept (a block's
/// last, which says what is wrong; the lines before it quote the input), with the root's
/// path made relative, at most 300 characters.
pub(crate) fn message(stderr: &str, root: &Path) -> String {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut why = lines.first().copied().unwrap_or("").to_string();
    if let Some(at) = why.find(" err=") {
        let rest = &why[at + 5..];
        why = if rest == "<" {
            let block = lines.iter().skip(1).take_while(|l| l.trim() != ">");
            block.last().map(|l| l.trim().trim_start_matches("`: ").to_string()).unwrap_or_default()
        } else {
            serde_json::from_str::<String>(rest).unwrap_or_else(|_| rest.to_string())
        };
    }
    let why = why.trim().strip_prefix("Error: ").unwrap_or(why.trim());
    // kustomize quotes whole objects in some errors (Go's `%#v` of a map): left out.
    let dump = ["map[", "{{", "interface {}"].iter().filter_map(|d| why.find(d)).min();
    let why = match dump {
        Some(at) => format!("{}(kustomize's dump of the object left out)", &why[..at]),
        None => why.to_string(),
    };
    let root = format!("{}/", root.display());
    why.replace(&root, "").chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::message;
    use std::path::Path;

    #[test]
    fn kustomizes_reason_is_one_line_without_the_input_it_quotes() {
        let root = Path::new("/repo");
        let kubectl = "E1202 06:59:08.638041    3800 run.go:72] \"command failed\" err=\"accumulating resources from 'a.yaml': MalformedYAMLError: yaml: line 1 in File: /repo/app/a.yaml\"\n";
        assert_eq!(
            message(kubectl, root),
            "accumulating resources from 'a.yaml': MalformedYAMLError: yaml: line 1 in File: app/a.yaml"
        );
        let block = "E1202 run.go:72] \"command failed\" err=<\n\ttrouble configuring builtin HelmChartInflationGenerator with config: `\n\tname: x\n\tpassword: hunter2\n\t`: must specify --enable-helm\n >\n";
        assert_eq!(message(block, root), "must specify --enable-helm");
        assert_eq!(message("Error: accumulating resources: boom\n", root), "accumulating resources: boom");
        assert_eq!(message("", root), "");
        let dump = "E1202 run.go:72] \"command failed\" err=\"map[string]interface {}{\\\"data\\\":map[string]interface {}{\\\"password\\\":\\\"hunter2\\\"}}: json: unsupported type\"\n";
        let m = message(dump, root);
        assert!(!m.contains("hunter2") && m.contains("left out"), "{m}");
        assert_eq!(message(&"x".repeat(1000), root).len(), 300);
    }
}
