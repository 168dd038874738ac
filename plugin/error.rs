//! Error kinds that decide the exit code, and how errors are printed.
//!
//! Exit codes: 0 success, 1 findings or a failed build/daemon error,
//! 2 usage or input errors, 130 interrupted (143 by SIGTERM).

use std::fmt;
use std::process::ExitCode;

/// The command line or its inputs are wrong (missing file, bad flag value): exit 2.
#[derive(Debug)]
pub struct InputError(pub String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Shorthand for an [`InputError`] wrapped in `anyhow`.
pub fn input_error(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(InputError(message.into()))
}

/// The user interrupted the command (SIGINT, SIGTERM, the CLI went away): exit with the code
/// (130, or 143 for SIGTERM).
#[derive(Debug)]
pub struct Interrupted(pub u8);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted")
    }
}

impl std::error::Error for Interrupted {}

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_INPUT: u8 = 2;
pub const EXIT_INTERRUPTED: u8 = 130;
pub const EXIT_TERMINATED: u8 = 143;

/// Prints `error: <message>: <cause>: <cause>` on one line and returns the exit code.
/// A closed output pipe (`docker rbuild rules | head`) is not an error worth a message.
pub fn report(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    let chain: Vec<String> = err.chain().map(|cause| cause.to_string()).collect();
    eprintln!("error: {}", chain.join(": "));
    ExitCode::from(exit_code(err))
}

fn exit_code(err: &anyhow::Error) -> u8 {
    if let Some(Interrupted(code)) = err.chain().find_map(|cause| cause.downcast_ref()) {
        *code
    } else if err.chain().any(|cause| cause.is::<InputError>()) {
        EXIT_INPUT
    } else {
        EXIT_FAILURE
    }
}
