//! bcp-render: render kgateway BackendConfigPolicies into Envoy clusters, offline.
//!
//! The layers, each importing only the ones above it in this list:
//!
//! * `core`: the shared vocabulary: objects, kinds, order keys, JSON pointers, units,
//!   diagnostics, releases, typed options, YAML;
//! * `cli`: the options table, its resolution from flags, Argo CD parameters and the
//!   environment, `plugin.yaml` (imports `core` only);
//! * `pipeline`: load → validate → backends → attach → merge → translate, into one
//!   `Rendered` (imports `core` only);
//! * `present`: annotated manifests, `explain`, `diff`, diagnostics as text or JSON;
//! * `commands`: one file per subcommand, and how each ends (`Exit`).
//!
//! A test (`tests/integration/layers.rs`) fails on an import against this order or any
//! cycle between modules. The modules are private; this facade is what the binary, the
//! integration tests, the benchmark tool and the fuzz targets use.

// Diagnostics are rich (file, line, object, field, hint) and travel as errors on cold paths;
// boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod core;
pub(crate) mod pipeline;
pub(crate) mod present;

#[doc(hidden)]
pub mod fuzzing;

pub use cli::Cli;
pub use commands::{Exit, run};
pub use core::diag::{Diagnostic, Diagnostics};
pub use core::options::Options;
pub use pipeline::Purpose;
pub use pipeline::load::Input;

/// YAML and JSON streams as bcp-render reads and writes them.
pub mod yaml {
    pub use crate::core::yaml::{
        DocFormat, ParseLimits, YamlDoc, YamlError, emit_yaml, emit_yaml_stream, parse_stream,
    };
}

/// The options table's products, and options resolved without the process environment.
pub mod options {
    use std::collections::BTreeMap;

    pub use crate::cli::plugin::{markdown_table, plugin_manifest};
    use crate::core::diag::Diagnostic;
    use crate::core::options::Options;

    /// The options given these flags (by option name) and this environment.
    pub fn resolve(
        flags: &BTreeMap<&'static str, String>,
        env: &BTreeMap<String, String>,
    ) -> Result<Options, Diagnostic> {
        crate::cli::resolve::options(flags, env)
    }
}

/// Render in process what `render` prints: keeping what `purpose` needs (`Purpose::Keep`
/// holds every tree until output; `Purpose::Print` prints as `render` does), then printed in
/// `format`.
pub fn render(
    inputs: &[Input],
    opts: &Options,
    purpose: Purpose,
    format: yaml::DocFormat,
) -> Result<String, Diagnostics> {
    let r = pipeline::run(inputs, opts, purpose)?;
    Ok(present::manifests::serialize(present::manifests::documents(r, opts, format), format))
}
