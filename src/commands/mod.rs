//! One file per subcommand; each resolves its options, runs the pipeline, presents the
//! result and says how it ended ([`Exit`]).

use std::io::Write;

use crate::cli::{Cli, Commands};
use crate::present::explain::Selection;

pub mod check;
pub mod diff;
pub mod exit;
pub mod explain;
pub mod render;
pub mod setup;

pub use exit::Exit;

/// Run a parsed command line. Output goes to `out` only when the whole command succeeded.
pub fn run(cli: Cli, out: &mut dyn Write) -> Exit {
    // Each command returns early (`Err`) with how it ended once it has reported why.
    let ended = match cli.command {
        Commands::Render { paths, options } => render::run(&paths, &options, out),
        Commands::Check { paths, options } => check::run(&paths, &options, out),
        Commands::Explain { paths, cluster, policy, options } => {
            explain::run(&paths, Selection { cluster, policy }, &options, out)
        }
        Commands::Diff { paths, git, options } => diff::run(&paths, git.as_deref(), &options, out),
    };
    ended.unwrap_or_else(|exit| exit)
}
