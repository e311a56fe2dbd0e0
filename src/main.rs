//! The `roster` binary: see `roster --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match roster::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("roster: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
