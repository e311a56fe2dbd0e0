//! The fuzz targets' bodies, one module each, with a `run(data: &[u8])` that
//! takes the bytes libFuzzer generates (docs/SECURITY.md, "Fuzzing").
//!
//! Two crates compile these files: this one, whose binaries in
//! `fuzz_targets/` only hand libFuzzer's input to `run`, and the main
//! crate's tests (`tests/api/fuzz_regressions.rs`, by `#[path]`), which feed
//! `run` every file of `fuzz/regressions/<target>/` and `fuzz/seeds/<target>/`
//! on stable, without libFuzzer. So nothing here may use `libfuzzer_sys` or
//! `cfg(fuzzing)`, and the modules refer to each other by `super::`, never
//! by `crate::`.

pub mod deserialize;
pub mod filter;
pub mod patch_apply;
pub mod patch_path;

mod fixtures;

/// The text a `fuzz_target!(|text: &str| …)` would get: the longest valid
/// UTF-8 prefix of `data` (what `arbitrary` takes for a `&str`), so that an
/// input saved by libFuzzer replays the same everywhere.
pub fn text(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&data[..error.valid_up_to()])
            .expect("the prefix before the first invalid byte is UTF-8"),
    }
}

/// A target's body.
pub type Run = fn(&[u8]);

/// Each target by name (the name of its directory under `fuzz/seeds/` and
/// `fuzz/regressions/`, and of its binary).
pub const TARGETS: [(&str, Run); 4] = [
    ("filter", filter::run),
    ("patch_path", patch_path::run),
    ("patch_apply", patch_apply::run),
    ("deserialize", deserialize::run),
];
