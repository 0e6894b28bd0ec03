//! How a command ends, mapped to the process exit code in one place (`diff` follows diff(1)).

use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done; for `diff`, the trees are the same.
    Success,
    /// Bad input or options: nothing on stdout.
    Input,
    /// `diff`: the trees differ.
    Different,
    /// An internal error, or for `diff` any trouble.
    Internal,
    /// stdout was closed by its reader (EPIPE): quiet, but not a success, as `cat | head`.
    BrokenPipe,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Input | Exit::Different => 1,
            Exit::Internal => 2,
            // 128 + SIGPIPE, what a shell reports for a process the signal ended.
            Exit::BrokenPipe => 141,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e.code())
    }
}
