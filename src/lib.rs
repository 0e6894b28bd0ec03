//! bcp-render: render kgateway BackendConfigPolicies into Envoy clusters, offline.
//!
//! Data flows one way: [`source`] → [`validate`] → [`backends`] → [`attach`] → [`merge`] →
//! [`envoy`] → [`output`]. [`render::render`] runs the pipeline; commands present its result.

// Diagnostics are rich (file, line, object, field, hint) and travel as errors on cold paths;
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod attach;
pub mod backends;
pub mod bench_repo;
pub mod cli;
pub mod defaults;
pub mod diag;
pub mod diff;
pub mod envoy;
pub mod explain;
pub mod gitref;
pub mod merge;
pub mod model;
pub mod options;
pub mod order;
pub mod output;
pub mod profile;
pub mod render;
pub mod secrets;
pub mod source;
pub mod validate;
pub mod yaml;

use std::io::Write;
use std::process::ExitCode;

use cli::{Cli, Commands, TableOptions};
use diag::Diagnostics;
use options::{Format, Options, ProcessEnv};
use render::Purpose;
use source::Input;
use yaml::DocFormat;

/// Exit codes: 0 success, 1 bad input (or, for `diff`, a difference), 2 internal failure.
pub const EXIT_INPUT: u8 = 1;
pub const EXIT_INTERNAL: u8 = 2;

fn inputs(paths: &[std::path::PathBuf]) -> Vec<Input> {
    paths.iter().map(|p| if p.as_os_str() == "-" { Input::Stdin } else { Input::Path(p.clone()) }).collect()
}

fn resolve_options(table: &TableOptions) -> Result<Options, Diagnostics> {
    let raw = options::resolve(&table.flags, &ProcessEnv)?;
    Ok(Options::from_raw(&raw)?)
}

/// Print diagnostics on stderr, with a summary line when there are errors.
fn report(diags: &Diagnostics) {
    // Buffered: stderr is not, and each diagnostic is written in several pieces.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for d in diags.sorted() {
        let _ = writeln!(err, "{d}");
    }
    if diags.has_errors() {
        let app = std::env::var("ARGOCD_APP_NAME").ok();
        let app = app.as_deref().map(options::argocd_app_name).map(|(ns, n)| match ns {
            Some(ns) => format!(" for Argo CD application {ns}/{n}"),
            None => format!(" for Argo CD application {n}"),
        });
        let _ = writeln!(
            err,
            "bcp-render: {} error(s), {} warning(s){}; nothing was rendered",
            diags.error_count(),
            diags.warning_count(),
            app.unwrap_or_default()
        );
    }
}

fn fail(d: impl Into<Diagnostics>, code: u8) -> ExitCode {
    report(&d.into());
    ExitCode::from(code)
}

fn write_out(out: &mut dyn Write, text: &str) -> ExitCode {
    write_chunks(out, &[text])
}

/// Write the output, given as pieces, through one buffer.
fn write_chunks(out: &mut dyn Write, chunks: &[impl AsRef<str>]) -> ExitCode {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, out);
    let written = chunks.iter().try_for_each(|c| w.write_all(c.as_ref().as_bytes())).and_then(|_| w.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bcp-render: cannot write output: {e}");
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}

/// Resolve the options and the output format a command prints (the first listed is its
/// default). Failures are reported and become the command's error exit code.
fn setup(table: &TableOptions, command: &str, formats: &[Format], code: u8) -> Result<(Options, Format), ExitCode> {
    let opts = resolve_options(table).map_err(|d| fail(d, code))?;
    let format = match opts.format {
        None => formats[0],
        Some(f) if formats.contains(&f) => f,
        Some(_) => {
            let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
            return Err(fail(
                diag::Diagnostic::error(format!("--format: {command} prints {}", names.join(", "))),
                code,
            ));
        }
    };
    Ok((opts, format))
}

/// Diagnostics as JSON lines for editors and CI annotations (`check --format json`).
fn diagnostics_json(diags: &Diagnostics) -> String {
    let items: Vec<serde_json::Value> = diags
        .sorted()
        .iter()
        .map(|d| {
            serde_json::json!({
                "severity": if d.is_error() { "error" } else { "warning" },
                "file": d.location.file, "line": d.location.line, "column": d.location.col,
                "object": d.object, "field": d.field, "message": d.message, "hint": d.hint,
            })
        })
        .collect();
    let summary =
        serde_json::json!({"errors": diags.error_count(), "warnings": diags.warning_count(), "diagnostics": items});
    format!("{}\n", serde_json::to_string_pretty(&summary).unwrap_or_default())
}

/// Run a parsed command line. Output goes to `out` only when the whole command succeeded.
pub fn run(cli: Cli, out: &mut dyn Write) -> ExitCode {
    match cli.command {
        Commands::Render { paths, options } => {
            let (opts, format) = match setup(&options, "render", &[Format::Yaml, Format::Json], EXIT_INPUT) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let format = if format == Format::Json { DocFormat::Json } else { DocFormat::Yaml };
            let mut r = match render::render_for(&inputs(&paths), &opts, Purpose::Print(format)) {
                Ok(r) => r,
                Err(d) => return fail(d, EXIT_INPUT),
            };
            let diagnostics = std::mem::take(&mut r.diagnostics);
            let chunks = output::serialize_chunks(output::documents(r, &opts, format), format);
            let size: usize = chunks.iter().map(|c| c.len()).sum();
            if size as u64 > opts.max_output_bytes {
                return fail(
                    diag::Diagnostic::error(format!(
                        "output is {} bytes, over the limit of {} bytes",
                        size, opts.max_output_bytes
                    ))
                    .hint("split the application, or raise --max-output-bytes (Argo CD's gRPC limit is 100 MiB)"),
                    EXIT_INPUT,
                );
            }
            report(&diagnostics);
            write_chunks(out, &chunks)
        }
        Commands::Check { paths, options } => {
            let (opts, format) = match setup(&options, "check", &[Format::Text, Format::Json], EXIT_INPUT) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let json = format == Format::Json;
            let (diags, code) = match render::render_for(&inputs(&paths), &opts, Purpose::Inspect) {
                Ok(r) => (r.diagnostics, ExitCode::SUCCESS),
                Err(d) => (d, ExitCode::from(EXIT_INPUT)),
            };
            if json {
                // Machine-readable diagnostics are the output of check --format json.
                let _ = write_out(out, &diagnostics_json(&diags));
            } else {
                report(&diags);
            }
            code
        }
        Commands::Explain { paths, cluster, policy, options } => {
            let (opts, format) = match setup(&options, "explain", &[Format::Text, Format::Json], EXIT_INPUT) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let json = format == Format::Json;
            let r = match render::render_for(&inputs(&paths), &opts, Purpose::Inspect) {
                Ok(r) => r,
                Err(d) => return fail(d, EXIT_INPUT),
            };
            let sel = explain::Selection { cluster: cluster.clone(), policy: policy.clone() };
            let data = explain::data(&r, &sel, opts.global_policy_namespace.as_deref());
            let empty = |k: &str| data[k].as_array().is_none_or(Vec::is_empty);
            if (cluster.is_some() || policy.is_some()) && empty("clusters") && empty("unattached_policies") {
                let what = cluster.map(|c| format!("cluster {c}")).or(policy.map(|p| format!("policy {p}")));
                return fail(
                    diag::Diagnostic::error(format!("no {} in the input", what.unwrap_or_default())),
                    EXIT_INPUT,
                );
            }
            report(&r.diagnostics);
            let text = if json {
                format!("{}\n", serde_json::to_string_pretty(&data).unwrap_or_default())
            } else {
                explain::text(&data)
            };
            write_out(out, &text)
        }
        Commands::Diff { paths, git, options } => run_diff(paths, git, options, out),
    }
}

/// `diff`: exit codes like diff(1): 0 same, 1 different, 2 trouble.
fn run_diff(
    paths: Vec<std::path::PathBuf>,
    git: Option<String>,
    options: TableOptions,
    out: &mut dyn Write,
) -> ExitCode {
    let formats = [Format::Text, Format::Json, Format::Markdown];
    let (opts, format) = match setup(&options, "diff", &formats, EXIT_INTERNAL) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let (base_inputs, head_inputs, _tree, base_opts) = match (&git, paths.as_slice()) {
        (Some(rev), [head]) => {
            let top = match gitref::toplevel(head) {
                Ok(t) => t,
                Err(e) => return fail(diag::Diagnostic::error(e), EXIT_INTERNAL),
            };
            let tree = match gitref::checkout(&top, rev) {
                Ok(t) => t,
                Err(e) => return fail(diag::Diagnostic::error(e), EXIT_INTERNAL),
            };
            let abs = match std::fs::canonicalize(head) {
                Ok(a) => a,
                Err(e) => return fail(diag::Diagnostic::error(format!("{}: {e}", head.display())), EXIT_INTERNAL),
            };
            let canon_top = std::fs::canonicalize(&top).unwrap_or(top.clone());
            let rel = abs.strip_prefix(&canon_top).unwrap_or(std::path::Path::new("")).to_path_buf();
            let base_path = tree.path.join(rel);
            let mut base_opts = opts.clone();
            base_opts.root = Some(tree.path.clone());
            (vec![Input::Path(base_path)], inputs(&paths), Some(tree), base_opts)
        }
        (None, [base, head]) => {
            (inputs(std::slice::from_ref(base)), inputs(std::slice::from_ref(head)), None, opts.clone())
        }
        _ => {
            return fail(diag::Diagnostic::error("diff takes BASE and HEAD, or HEAD with --git REF"), EXIT_INTERNAL);
        }
    };
    let base = match render::render_for(&base_inputs, &base_opts, Purpose::Inspect) {
        Ok(r) => r,
        Err(d) => {
            eprintln!("bcp-render: BASE does not render:");
            return fail(d, EXIT_INTERNAL);
        }
    };
    let head = match render::render_for(&head_inputs, &opts, Purpose::Inspect) {
        Ok(r) => r,
        Err(d) => {
            eprintln!("bcp-render: HEAD does not render:");
            return fail(d, EXIT_INTERNAL);
        }
    };
    let d = diff::diff(&base, &head);
    if d.is_empty() {
        return ExitCode::SUCCESS;
    }
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&diff::json(&d)).unwrap_or_default()),
        Format::Markdown => diff::markdown(&d),
        _ => diff::text(&d),
    };
    match write_out(out, &text) {
        c if c == ExitCode::SUCCESS => ExitCode::from(1),
        c => c,
    }
}
