//! Fuzz target `http`: see `azs_site_recovery::fuzzing::http`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::http(data));
