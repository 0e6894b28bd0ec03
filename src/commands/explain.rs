//! `explain`: why each cluster field has its value, and why policies attach (or not).

use std::io::Write;
use std::path::PathBuf;

use crate::cli::TableOptions;
use crate::commands::exit::Exit;
use crate::commands::setup::{fail, inputs, report, setup, write_out};
use crate::core::diag::Diagnostic;
use crate::core::options::Format;
use crate::pipeline::{self, Purpose};
use crate::present::explain::{self, Selection};

pub fn run(paths: &[PathBuf], sel: Selection, options: &TableOptions, out: &mut dyn Write) -> Result<Exit, Exit> {
    let (opts, format) = setup(options, "explain", &[Format::Text, Format::Json], Exit::Input)?;
    let r = pipeline::run(&inputs(paths), &opts, Purpose::Inspect).map_err(|d| fail(d, Exit::Input))?;
    let data = explain::explain(&r, &sel, opts.global_policy_namespace.as_deref());
    if data.is_empty() {
        let what = match (&sel.cluster, &sel.policy) {
            (Some(c), _) => Some(format!("cluster {c}")),
            (None, Some(p)) => Some(format!("policy {p}")),
            (None, None) => None,
        };
        if let Some(what) = what {
            return Err(fail(Diagnostic::error(format!("no {what} in the input")), Exit::Input));
        }
    }
    report(&r.diagnostics);
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&data).unwrap_or_default()),
        _ => data.to_string(),
    };
    Ok(write_out(out, &text))
}
