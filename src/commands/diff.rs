//! `diff`: the Envoy changes between BASE and HEAD (or HEAD at another git revision), with
//! exit codes like diff(1): 0 same, 1 different, 2 trouble.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::TableOptions;
use crate::commands::exit::Exit;
use crate::commands::setup::{fail, inputs, setup, write_out};
use crate::core::diag::Diagnostic;
use crate::core::options::{Format, Options};
use crate::pipeline::load::Input;
use crate::pipeline::load::git::{self, TempTree};
use crate::pipeline::{self, Purpose};
use crate::present::diff;
use crate::present::diff_text::Markdown;

/// What BASE is read from, with its options (its root is the checked-out tree for `--git`).
struct Base {
    inputs: Vec<Input>,
    opts: Options,
    /// Removed when the command ends.
    _tree: Option<TempTree>,
}

pub fn run(paths: &[PathBuf], rev: Option<&str>, options: &TableOptions, out: &mut dyn Write) -> Result<Exit, Exit> {
    let formats = [Format::Text, Format::Json, Format::Markdown];
    let (opts, format) = setup(options, "diff", &formats, Exit::Internal)?;
    let trouble = |e: String| fail(Diagnostic::error(e), Exit::Internal);
    let (base, head_inputs) = match (rev, paths) {
        (Some(rev), [head]) => (base_at_revision(head, rev, &opts).map_err(trouble)?, inputs(paths)),
        (None, [base, head]) => (
            Base { inputs: inputs(std::slice::from_ref(base)), opts: opts.clone(), _tree: None },
            inputs(std::slice::from_ref(head)),
        ),
        _ => return Err(trouble("diff takes BASE and HEAD, or HEAD with --git REF".into())),
    };
    let render = |which: &str, inputs: &[Input], opts: &Options| {
        pipeline::run(inputs, opts, Purpose::Inspect).map_err(|d| {
            eprintln!("bcp-render: {which} does not render:");
            fail(d, Exit::Internal)
        })
    };
    let base_r = render("BASE", &base.inputs, &base.opts)?;
    let head_r = render("HEAD", &head_inputs, &opts)?;
    let d = diff::diff(&base_r, &head_r);
    if d.is_empty() {
        return Ok(Exit::Success);
    }
    let text = match format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&d).unwrap_or_default()),
        Format::Markdown => Markdown(&d).to_string(),
        _ => d.to_string(),
    };
    Ok(match write_out(out, &text) {
        Exit::Success => Exit::Different,
        exit => exit,
    })
}

/// HEAD's path in the repository's tree at `rev`, checked out into a private directory.
fn base_at_revision(head: &Path, rev: &str, opts: &Options) -> Result<Base, String> {
    let top = git::toplevel(head)?;
    let tree = git::checkout(&top, rev)?;
    let abs = std::fs::canonicalize(head).map_err(|e| format!("{}: {e}", head.display()))?;
    let canon_top = std::fs::canonicalize(&top).unwrap_or(top.clone());
    let rel = abs.strip_prefix(&canon_top).unwrap_or(Path::new("")).to_path_buf();
    let mut base_opts = opts.clone();
    base_opts.root = Some(tree.path.clone());
    Ok(Base { inputs: vec![Input::Path(tree.path.join(rel))], opts: base_opts, _tree: Some(tree) })
}
