//! libFuzzer's entry point; the target is [`roster_fuzz::patch_apply`] (fuzz/src/patch_apply.rs).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::patch_apply::run(data));
