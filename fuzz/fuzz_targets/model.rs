//! Fuzz target `model`: see `azs_site_recovery::fuzzing::model`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| azs_site_recovery::fuzzing::model(data));
