//! libFuzzer's entry point; the target is [`roster_fuzz::deserialize`] (fuzz/src/deserialize.rs).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| roster_fuzz::deserialize::run(data));
