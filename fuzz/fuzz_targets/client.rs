//! Fuzz target `client`: see `azs_site_recovery::fuzzing::client`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::client(data));
