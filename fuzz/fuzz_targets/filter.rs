//! libFuzzer's entry point; the target is [`roster_fuzz::filter`] (fuzz/src/filter.rs).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::filter::run(data));
