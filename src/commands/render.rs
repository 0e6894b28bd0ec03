//! `render`: the annotated manifests plus cluster ConfigMaps, or the clusters only.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::TableOptions;
use crate::commands::exit::Exit;
use crate::commands::setup::{fail, inputs, report, setup, write_chunks};
use crate::core::diag::Diagnostic;
use crate::core::options::Format;
use crate::core::yaml::DocFormat;
use crate::pipeline::{self, Purpose};
use crate::present::manifests;

pub fn run(paths: &[PathBuf], options: &TableOptions, out: &mut dyn Write) -> Result<Exit, Exit> {
    let (opts, format) = setup(options, "render", &[Format::Yaml, Format::Json], Exit::Input)?;
    let format = if format == Format::Json { DocFormat::Json } else { DocFormat::Yaml };
    let mut r = pipeline::run(&inputs(paths), &opts, Purpose::Print(format)).map_err(|d| fail(d, Exit::Input))?;
    let diagnostics = std::mem::take(&mut r.diagnostics);
    let chunks = manifests::serialize_chunks(manifests::documents(r, &opts, format), format);
    let size: usize = chunks.iter().map(|c| c.len()).sum();
    if size as u64 > opts.max_output_bytes {
        let d = Diagnostic::error(format!("output is {size} bytes, over the limit of {} bytes", opts.max_output_bytes))
            .hint("split the application, or raise --max-output-bytes (Argo CD's gRPC limit is 100 MiB)");
        return Err(fail(d, Exit::Input));
    }
    report(&diagnostics);
    Ok(write_chunks(out, &chunks))
}
