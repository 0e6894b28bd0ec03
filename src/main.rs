//! Thin entry point: parse, run, map the outcome to an exit code. A panic is an internal
//! error: nothing reaches stdout, because output is written only after a complete render.

use std::process::ExitCode;

use bcp_render::{Cli, Exit};
use clap::Parser;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { Exit::Input } else { Exit::Success }.into();
        }
    };
    // Only the location: a panic's message can quote input (a string slicing panic quotes the
    // string), and input may hold Secret data.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("bcp-render: internal error{at}; please report it with the input that caused it");
    }));
    match std::panic::catch_unwind(move || {
        // Debug builds only: lets the integration tests prove the panic path end to end.
        #[cfg(debug_assertions)]
        if std::env::var_os("BCP_RENDER_DEBUG_PANIC").is_some() {
            panic!("deliberate panic quoting input: secret-value-42");
        }
        bcp_render::run(cli, &mut std::io::stdout().lock())
    }) {
        Ok(exit) => exit.into(),
        Err(_) => Exit::Internal.into(),
    }
}
