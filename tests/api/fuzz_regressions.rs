//! The fuzz targets' inputs kept as regression tests, run on stable without
//! libFuzzer (docs/SECURITY.md, "Fuzzing"): every file of
//! `fuzz/regressions/<target>/` (inputs that once crashed a target) and of
//! `fuzz/seeds/<target>/` goes through the target's own body, the
//! `run(data: &[u8])` of `fuzz/src/<target>.rs`, compiled here from the
//! same files as the fuzz binaries.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
mod targets;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir/<target>/`, in name order (none when it does not exist).
fn inputs(dir: &Path, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs each target on each file of `dir/<target>/`; returns how many ran,
/// and fails naming every file that panicked.
fn replay(dir: &Path) -> usize {
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, run) in targets::TARGETS {
        for file in inputs(dir, target) {
            let data = std::fs::read(&file).expect("a readable input");
            ran += 1;
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(
        failed.is_empty(),
        "fuzz targets panicked on (replay one with `scripts/fuzz replay <target> <file>`):\n{}",
        failed.join("\n")
    );
    ran
}

/// Every directory under `dir` names a target, so that no input is skipped
/// for being filed under a misspelt name.
fn assert_named_after_targets(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("the directory exists") {
        let path = entry.expect("a readable directory entry").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        assert!(
            targets::TARGETS.iter().any(|(target, _)| *target == name),
            "{} is not named after a fuzz target",
            path.display()
        );
    }
}

#[test]
fn inputs_that_once_crashed_a_fuzz_target_no_longer_do() {
    let dir = fuzz_dir().join("regressions");
    assert_named_after_targets(&dir);
    assert!(replay(&dir) > 0, "no input in {}", dir.display());
}

#[test]
fn the_fuzz_seeds_pass_their_targets_checks() {
    let dir = fuzz_dir().join("seeds");
    assert_named_after_targets(&dir);
    for (target, _) in targets::TARGETS {
        assert!(
            !inputs(&dir, target).is_empty(),
            "no seed for the {target} target"
        );
    }
    replay(&dir);
}

#[test]
fn a_target_reads_text_as_libfuzzer_hands_it_over() {
    assert_eq!(targets::text(b"userName eq \"a\""), "userName eq \"a\"");
    assert_eq!(targets::text(b"title\xffgarbage"), "title");
    assert_eq!(targets::text(b"\xc3"), "");
}
