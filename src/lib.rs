//! bcp-render: render kgateway BackendConfigPolicies into Envoy clusters, offline.
//!
//! Data flows one way: [`source`] → [`validate`] → [`backends`] → [`attach`] → [`merge`] →
//! [`envoy`] → [`output`]. [`render::render`] runs the pipeline; commands present its result.

pub mod attach;
pub mod backends;
pub mod cli;
pub mod defaults;
pub mod diag;
pub mod envoy;
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
use options::{Options, ProcessEnv};
use source::Input;

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
    let mut err = std::io::stderr().lock();
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

/// Run a parsed command line. Output goes to `out` only when the whole command succeeded.
pub fn run(cli: Cli, out: &mut dyn Write) -> ExitCode {
    match cli.command {
        Commands::Render { paths, options } => {
            let opts = match resolve_options(&options) {
                Ok(o) => o,
                Err(d) => {
                    report(&d);
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            match render::render(&inputs(&paths), &opts) {
                Ok(r) => {
                    let text = output::serialize(&output::documents(&r, &opts), opts.format);
                    if text.len() as u64 > opts.max_output_bytes {
                        report(&Diagnostics::from(
                            diag::Diagnostic::error(format!(
                                "output is {} bytes, over the limit of {} bytes",
                                text.len(),
                                opts.max_output_bytes
                            ))
                            .hint("split the application, or raise --max-output-bytes (Argo CD's gRPC limit is 100 MiB)"),
                        ));
                        return ExitCode::from(EXIT_INPUT);
                    }
                    report(&r.diagnostics);
                    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                        if e.kind() == std::io::ErrorKind::BrokenPipe {
                            return ExitCode::SUCCESS;
                        }
                        eprintln!("bcp-render: cannot write output: {e}");
                        return ExitCode::from(EXIT_INTERNAL);
                    }
                    ExitCode::SUCCESS
                }
                Err(d) => {
                    report(&d);
                    ExitCode::from(EXIT_INPUT)
                }
            }
        }
        Commands::Check { paths, options } => {
            let opts = match resolve_options(&options) {
                Ok(o) => o,
                Err(d) => {
                    report(&d);
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            match render::render(&inputs(&paths), &opts) {
                Ok(r) => {
                    report(&r.diagnostics);
                    ExitCode::SUCCESS
                }
                Err(d) => {
                    report(&d);
                    ExitCode::from(EXIT_INPUT)
                }
            }
        }
    }
}
