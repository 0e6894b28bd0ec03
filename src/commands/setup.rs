//! What every command does around its own work: resolve the options, name the inputs,
//! report diagnostics on stderr, and write its output (all of it, or nothing).

use std::io::Write;
use std::path::PathBuf;

use crate::cli::TableOptions;
use crate::cli::resolve::{ProcessEnv, argocd_app_name, options};
use crate::commands::exit::Exit;
use crate::core::diag::{Diagnostic, Diagnostics};
use crate::core::options::{Choice, Format, Options};
use crate::pipeline::load::Input;
use crate::present::diagnostics::Report;

pub fn inputs(paths: &[PathBuf]) -> Vec<Input> {
    paths.iter().map(|p| if p.as_os_str() == "-" { Input::Stdin } else { Input::Path(p.clone()) }).collect()
}

/// Print diagnostics on stderr, with a summary line when there are errors.
pub fn report(diags: &Diagnostics) {
    let app = std::env::var("ARGOCD_APP_NAME").ok();
    let report = Report { diagnostics: diags, app: app.as_deref().map(argocd_app_name) };
    // Buffered: stderr is not, and each diagnostic is written in several pieces.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    let _ = write!(err, "{report}");
}

/// Report `d`; the command ends with `exit`.
pub fn fail(d: impl Into<Diagnostics>, exit: Exit) -> Exit {
    report(&d.into());
    exit
}

/// Write the output, given as pieces, through one buffer. A closed pipe is quiet but not a
/// success; any other write error is exit 2 with a message.
pub fn write_chunks(out: &mut dyn Write, chunks: &[impl AsRef<str>]) -> Exit {
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, out);
    let written = chunks.iter().try_for_each(|c| w.write_all(c.as_ref().as_bytes())).and_then(|_| w.flush());
    match written {
        Ok(()) => Exit::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::BrokenPipe,
        Err(e) => {
            eprintln!("bcp-render: cannot write output: {e}");
            Exit::Internal
        }
    }
}

pub fn write_out(out: &mut dyn Write, text: &str) -> Exit {
    write_chunks(out, &[text])
}

/// Resolve the options and the output format a command prints (the first listed is its
/// default). Failures are reported and end the command with `on_error`.
pub fn setup(
    table: &TableOptions,
    command: &str,
    formats: &[Format],
    on_error: Exit,
) -> Result<(Options, Format), Exit> {
    let opts = options(&table.flags, &ProcessEnv).map_err(|d| fail(d, on_error))?;
    let format = match opts.format {
        None => formats[0],
        Some(f) if formats.contains(&f) => f,
        Some(_) => {
            let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
            return Err(fail(Diagnostic::error(format!("--format: {command} prints {}", names.join(", "))), on_error));
        }
    };
    Ok((opts, format))
}
