//! `check`: the whole pipeline, diagnostics only; exit 1 on any error.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::TableOptions;
use crate::commands::exit::Exit;
use crate::commands::setup::{inputs, report, setup, write_out};
use crate::core::options::Format;
use crate::pipeline::{self, Purpose};
use crate::present::diagnostics::JsonReport;

pub fn run(paths: &[PathBuf], options: &TableOptions, out: &mut dyn Write) -> Result<Exit, Exit> {
    let (opts, format) = setup(options, "check", &[Format::Text, Format::Json], Exit::Input)?;
    let (diags, exit) = match pipeline::run(&inputs(paths), &opts, Purpose::Inspect) {
        Ok(r) => (r.diagnostics, Exit::Success),
        Err(d) => (d, Exit::Input),
    };
    if format == Format::Json {
        // Machine-readable diagnostics are the output of check --format json, even on failure.
        let json = serde_json::to_string_pretty(&JsonReport::new(&diags)).unwrap_or_default();
        let written = write_out(out, &format!("{json}\n"));
        if written != Exit::Success {
            return Ok(written);
        }
    } else {
        report(&diags);
    }
    Ok(exit)
}
