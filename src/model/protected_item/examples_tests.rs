// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Microsoft's protected-item examples (`ProtectedItem_*.json` of every api-version that has
//! examples) read into the typed model and written back equal, as JSON values.

use super::*;
use crate::model::PlannedFailover;
use serde_json::Value;
use std::path::PathBuf;

/// Microsoft's `datareplication/` specs, from `AZS_REFERENCE_DIR` (`.ci/run` sets it; they are
/// not shipped with the crate): `None` with a note when unset, a failure when set and missing.
fn reference_dir() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("AZS_REFERENCE_DIR") else {
        eprintln!("note: skipped: set AZS_REFERENCE_DIR (.ci/run does) to run this test");
        return None;
    };
    let dir = PathBuf::from(dir).join("datareplication");
    assert!(
        dir.is_dir(),
        "AZS_REFERENCE_DIR has no `datareplication/` folder ({}); point it at the reference \
         folder or unset it",
        dir.display()
    );
    Some(dir)
}

fn assert_round_trip<T>(v: &Value, what: &str)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let typed: T = serde_json::from_str(&v.to_string())
        .unwrap_or_else(|e| panic!("{what}: does not parse: {e}"));
    assert_eq!(&serde_json::to_value(&typed).unwrap(), v, "{what}");
}

#[test]
fn microsoft_examples_round_trip_exactly() {
    let Some(reference) = reference_dir() else {
        return;
    };
    let mut checked = 0;
    for version in ["2021-02-16-preview", "2026-05-01"] {
        let dir = reference.join(version).join("examples");
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            if !file.starts_with("ProtectedItem_") {
                continue;
            }
            let example: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let op = example["operationId"].as_str().unwrap().to_owned();
            let what = format!("{version}/{file}");
            if let Some(body) = example["parameters"].get("body") {
                match op.as_str() {
                    "ProtectedItem_PlannedFailover" => {
                        assert_round_trip::<PlannedFailover>(body, &what)
                    }
                    "ProtectedItem_Update" => {
                        assert_round_trip::<ProtectedItemModelUpdate>(body, &what)
                    }
                    _ => assert_round_trip::<ProtectedItem>(body, &what),
                }
                checked += 1;
            }
            for (status, response) in example["responses"].as_object().unwrap() {
                let Some(body) = response.get("body") else {
                    continue;
                };
                let what = format!("{what} {status}");
                match op.as_str() {
                    "ProtectedItem_PlannedFailover" => {
                        assert_round_trip::<PlannedFailover>(body, &what)
                    }
                    "ProtectedItem_List" => {
                        for item in body["value"].as_array().unwrap() {
                            assert_round_trip::<ProtectedItem>(item, &what);
                        }
                    }
                    _ => assert_round_trip::<ProtectedItem>(body, &what),
                }
                checked += 1;
            }
        }
    }
    // 2 versions x (Create body+200+201, Get 200, List 200, PlannedFailover body+200) + Update body+200.
    assert_eq!(checked, 16);
}
