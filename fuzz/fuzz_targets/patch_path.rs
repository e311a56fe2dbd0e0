//! libFuzzer's entry point; the target is [`roster_fuzz::patch_path`] (fuzz/src/patch_path.rs).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::patch_path::run(data));
