//! Fuzz target `auth`: see `azs_site_recovery::fuzzing::auth`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::auth(data));
