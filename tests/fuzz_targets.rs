//! The fuzz targets (`src/fuzzing.rs`, driven by libFuzzer in `fuzz/`) on stable Rust: every
//! committed seed of `fuzz/corpus/{target}/`, then generated inputs (proptest), mutations of
//! the seeds among them. A failure here is a finding: add its input to the corpus with the fix.
#![cfg(feature = "fuzzing")]

use azs_site_recovery::fuzzing::TARGETS;
use proptest::prelude::*;
use std::path::PathBuf;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn every_target_has_seeds_and_passes_them() {
    for (name, target) in TARGETS {
        let seeds = seeds(name);
        assert!(!seeds.is_empty(), "no seeds for {name}");
        for s in &seeds {
            target(s);
        }
    }
}

/// A seed of `target` with a few bytes overwritten, inserted or cut: inputs near valid ones.
fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds(target);
    (
        0..seeds.len(),
        proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..6),
    )
        .prop_map(move |(i, edits)| {
            let mut s = seeds[i].clone();
            for (at, byte, how) in edits {
                let at = usize::from(at) % (s.len() + 1);
                match how {
                    0 if at < s.len() => s[at] = byte,
                    1 => s.insert(at, byte),
                    _ => s.truncate(at.max(1)),
                }
            }
            s
        })
}

fn run(name: &str, data: &[u8]) {
    let (_, target) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
    target(data);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn id_target(data in prop_oneof![mutated("id"), any::<Vec<u8>>(), "[/a-z.%2eE ]{0,40}".prop_map(String::into_bytes)]) {
        run("id", &data);
    }

    #[test]
    fn model_target(data in prop_oneof![mutated("model"), any::<Vec<u8>>()]) {
        run("model", &data);
    }

    #[test]
    fn http_target(data in prop_oneof![mutated("http"), any::<Vec<u8>>()]) {
        run("http", &data);
    }

    #[test]
    fn auth_target(data in prop_oneof![mutated("auth"), any::<Vec<u8>>()]) {
        run("auth", &data);
    }

    #[test]
    fn client_target(data in prop_oneof![mutated("client"), any::<Vec<u8>>()]) {
        run("client", &data);
    }
}

proptest! {
    // The emulator builds a scenario per input: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn emulator_target(data in prop_oneof![mutated("emulator"), any::<Vec<u8>>()]) {
        run("emulator", &data);
    }
}
