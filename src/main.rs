//! The `roster` binary: see `roster --help`.

use std::process::ExitCode;

/// mimalloc rather than the system allocator: a request allocates many small
/// short-lived values, and glibc's malloc took a fifth of a lookup's time in
/// the profile (docs/PERFORMANCE.md), and kept more memory per thread. Its
/// v2 line, without transparent huge pages (Cargo.toml): see "Memory". The
/// `system-allocator` feature keeps the system's, for heap profilers that
/// hook `malloc` (docs/PERFORMANCE.md, "Memory").
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match roster::cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("roster: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
