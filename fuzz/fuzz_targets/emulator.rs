//! Fuzz target `emulator`: see `azs_site_recovery::fuzzing::emulator`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::emulator(data));
