//! Fuzz target `id`: see `azs_site_recovery::fuzzing::id`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::id(data));
