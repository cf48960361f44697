// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
use std::collections::{BTreeSet, HashSet};

use crate::id::{IdError, ResourceId};

const PI: &str = "/subscriptions/ab5daf5c-38a8-40ff-9d90-4c394a40e094/resourceGroups/group1/providers/Microsoft.DataReplication/replicationVaults/vault1/protectedItems/item1";

fn parse(s: &str) -> ResourceId {
    ResourceId::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn err(s: &str) -> IdError {
    match ResourceId::parse(s) {
        Ok(id) => panic!("{s} parsed as {id:?}"),
        Err(e) => e,
    }
}

#[test]
fn parses_every_example_id_of_the_specs() {
    // Microsoft's specs are not shipped with the crate: `.ci/run` sets AZS_REFERENCE_DIR.
    let Some(reference) = std::env::var_os("AZS_REFERENCE_DIR") else {
        eprintln!("note: skipped: set AZS_REFERENCE_DIR (.ci/run does) to run this test");
        return;
    };
    let root = std::path::Path::new(&reference).join("datareplication");
    let versions = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "AZS_REFERENCE_DIR is set but {} cannot be read ({e}); point it at the reference \
             folder or unset it",
            root.display()
        )
    });
    let mut seen = 0;
    for v in versions.flatten() {
        let Ok(examples) = std::fs::read_dir(v.path().join("examples")) else {
            continue;
        };
        for f in examples.flatten() {
            let text = std::fs::read_to_string(f.path()).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut stack = vec![&json];
            while let Some(v) = stack.pop() {
                match v {
                    serde_json::Value::Object(m) => {
                        if let Some(serde_json::Value::String(id)) = m.get("id") {
                            if id.starts_with("/subscriptions/") {
                                let parsed = parse(id);
                                assert_eq!(parsed.to_string(), *id);
                                if let Some(serde_json::Value::String(t)) = m.get("type") {
                                    if t.contains('/') {
                                        assert!(parsed.is_resource_type(t), "{id} vs {t}");
                                    }
                                }
                                seen += 1;
                            }
                        }
                        stack.extend(m.values());
                    }
                    serde_json::Value::Array(a) => stack.extend(a),
                    _ => {}
                }
            }
        }
    }
    assert!(seen >= 40, "only {seen} ids found in the examples");
}

#[test]
fn accessors_of_a_nested_resource() {
    let id = parse(PI);
    assert_eq!(
        id.subscription_id(),
        Some("ab5daf5c-38a8-40ff-9d90-4c394a40e094")
    );
    assert_eq!(id.resource_group(), Some("group1"));
    assert_eq!(id.provider_namespace(), Some("Microsoft.DataReplication"));
    assert_eq!(
        id.resource_type().as_deref(),
        Some("Microsoft.DataReplication/replicationVaults/protectedItems")
    );
    assert_eq!(
        id.resource_type_segments().collect::<Vec<_>>(),
        ["replicationVaults", "protectedItems"]
    );
    assert_eq!(id.resource_names().collect::<Vec<_>>(), ["vault1", "item1"]);
    assert_eq!(id.name(), "item1");
    assert!(id.is_resource());
    assert!(id.is_resource_type("microsoft.datareplication/REPLICATIONVAULTS/protecteditems"));
    assert!(!id.is_resource_type("Microsoft.DataReplication/replicationVaults"));
    assert!(!id.is_resource_type("Microsoft.DataReplication/replicationVaults/protectedItems/x"));
    assert_eq!(id.segments().len(), 10);
}

#[test]
fn scopes_and_other_levels() {
    let sub = parse("/subscriptions/s1");
    assert_eq!(sub.subscription_id(), Some("s1"));
    assert_eq!(sub.resource_group(), None);
    assert_eq!(sub.resource_type(), None);
    assert_eq!(sub.name(), "s1");
    assert!(!sub.is_resource());

    let rg = parse("/subscriptions/s1/resourcegroups/RG1");
    assert_eq!(rg.resource_group(), Some("RG1"));
    assert_eq!(rg.name(), "RG1");
    assert_eq!(rg.provider_namespace(), None);

    let loc = parse("/subscriptions/s1/providers/Microsoft.DataReplication/locations/westus");
    assert_eq!(loc.subscription_id(), Some("s1"));
    assert_eq!(loc.resource_group(), None);
    assert_eq!(
        loc.resource_type().as_deref(),
        Some("Microsoft.DataReplication/locations")
    );
    assert_eq!(loc.name(), "westus");
    assert_eq!(loc.parent(), Some(sub.clone()));

    let tenant = parse("/providers/Microsoft.Management/managementGroups/mg1");
    assert_eq!(tenant.subscription_id(), None);
    assert_eq!(tenant.provider_namespace(), Some("Microsoft.Management"));
    assert_eq!(tenant.parent(), None);

    // An extension resource: a role assignment on a vault.
    let ra = parse(
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1\
         /providers/Microsoft.Authorization/roleAssignments/ra1",
    );
    assert_eq!(ra.provider_namespace(), Some("Microsoft.Authorization"));
    assert_eq!(
        ra.resource_type().as_deref(),
        Some("Microsoft.Authorization/roleAssignments")
    );
    assert_eq!(ra.resource_group(), Some("rg"));
    let vault = ra.parent().unwrap();
    assert!(vault.is_resource_type("Microsoft.DataReplication/replicationVaults"));
    assert_eq!(vault.name(), "v1");
}

#[test]
fn names_that_look_like_keywords_are_names() {
    let id = parse(
        "/subscriptions/providers/resourceGroups/providers/providers/Microsoft.DataReplication\
         /replicationVaults/providers/protectedItems/subscriptions",
    );
    assert_eq!(id.subscription_id(), Some("providers"));
    assert_eq!(id.resource_group(), Some("providers"));
    assert_eq!(
        id.resource_names().collect::<Vec<_>>(),
        ["providers", "subscriptions"]
    );
    assert_eq!(id.parent().unwrap().name(), "providers");
}

#[test]
fn display_keeps_the_users_casing_and_equality_ignores_it() {
    let lower = PI.to_lowercase();
    let upper = PI.to_uppercase();
    let a = parse(PI);
    let b = parse(&lower);
    let c = parse(&upper);
    assert_eq!(a.to_string(), PI);
    assert_eq!(b.to_string(), lower);
    assert_eq!(c.to_string(), upper);
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(a.cmp(&c), std::cmp::Ordering::Equal);
    let set: HashSet<ResourceId> = [a.clone(), b, c].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_ne!(a, parse(&PI.replace("item1", "item2")));
    let sorted: BTreeSet<ResourceId> = [
        parse("/subscriptions/B"),
        parse("/subscriptions/a"),
        parse("/subscriptions/A"),
    ]
    .into_iter()
    .collect();
    // "a" and "A" are one element; it sorts before "B" although b'B' < b'a'.
    assert_eq!(
        sorted
            .iter()
            .map(|id| id.as_str().to_lowercase())
            .collect::<Vec<_>>(),
        ["/subscriptions/a", "/subscriptions/b"]
    );
}

#[test]
fn errors_name_the_segment_position_and_expectation() {
    assert_eq!(err(""), IdError::Empty);
    assert!(matches!(
        err("subscriptions/s"),
        IdError::MissingLeadingSlash { .. }
    ));
    assert!(matches!(
        err("https://management.local/subscriptions/s"),
        IdError::MissingLeadingSlash { .. }
    ));
    assert!(matches!(err("/"), IdError::TrailingSlash { .. }));
    assert!(matches!(
        err("/subscriptions/s/"),
        IdError::TrailingSlash { .. }
    ));
    assert_eq!(
        err("/subscriptions//resourceGroups/rg"),
        IdError::EmptySegment { position: 2 }
    );
    assert_eq!(
        err("/subscriptions/s1/resourcegroup/rg1"),
        IdError::UnexpectedSegment {
            position: 3,
            expected: "\"resourceGroups\" or \"providers\"",
            found: "resourcegroup".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s1/resourcegroup/rg1").to_string(),
        "invalid ARM id: expected \"resourceGroups\" or \"providers\" at segment 3, found \"resourcegroup\""
    );
    assert_eq!(
        err("/subscription/s1"),
        IdError::UnexpectedSegment {
            position: 1,
            expected: "\"subscriptions\" or \"providers\"",
            found: "subscription".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s/resourceGroups/rg/provider/Microsoft.X/t/n"),
        IdError::UnexpectedSegment {
            position: 5,
            expected: "\"providers\"",
            found: "provider".into()
        }
    );
    assert_eq!(
        err("/subscriptions"),
        IdError::MissingName {
            position: 1,
            after: "subscriptions".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s/resourceGroups"),
        IdError::MissingName {
            position: 3,
            after: "resourceGroups".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s/resourceGroups/rg/providers"),
        IdError::MissingName {
            position: 5,
            after: "providers".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication"),
        IdError::MissingResourceType {
            position: 6,
            namespace: "Microsoft.DataReplication".into()
        }
    );
    // Odd count of type/name segments.
    assert_eq!(
        err("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults"),
        IdError::MissingName {
            position: 7,
            after: "replicationVaults".into()
        }
    );
    assert_eq!(
        err("/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v/protectedItems"),
        IdError::MissingName {
            position: 9,
            after: "protectedItems".into()
        }
    );
    // A type where the namespace belongs.
    assert!(matches!(
        err("/subscriptions/s/resourceGroups/rg/providers/replicationVaults/v"),
        IdError::UnexpectedSegment { position: 6, .. }
    ));
    assert!(matches!(
        err("/subscriptions/s/resourceGroups/rg/providers/Microsoft./t/n"),
        IdError::UnexpectedSegment { position: 6, .. }
    ));
    // Query strings, fragments, whitespace.
    assert_eq!(
        err(&format!("{PI}?api-version=2024-09-01")),
        IdError::InvalidCharacter {
            position: 10,
            segment: "item1?api-version=2024-09-01".into(),
            character: '?'
        }
    );
    assert!(matches!(
        err(&format!("{PI}\n")),
        IdError::InvalidCharacter {
            character: '\n',
            ..
        }
    ));
    assert!(matches!(
        err(" /subscriptions/s"),
        IdError::MissingLeadingSlash { .. }
    ));
    assert!(matches!(
        err("/subscriptions/s #1"),
        IdError::InvalidCharacter { .. }
    ));
}

#[test]
fn resourcegroups_in_any_casing_is_fine() {
    for rg in [
        "resourceGroups",
        "resourcegroups",
        "RESOURCEGROUPS",
        "ResourceGroups",
    ] {
        let id = parse(&format!(
            "/Subscriptions/s/{rg}/rg/PROVIDERS/microsoft.datareplication/replicationvaults/v"
        ));
        assert_eq!(id.resource_group(), Some("rg"));
        assert_eq!(id.name(), "v");
    }
}

#[test]
fn parent_and_child_round_trip() {
    let item = parse(PI);
    let vault = item.parent().unwrap();
    assert_eq!(
        vault.as_str(),
        "/subscriptions/ab5daf5c-38a8-40ff-9d90-4c394a40e094/resourceGroups/group1/providers/Microsoft.DataReplication/replicationVaults/vault1"
    );
    let rg = vault.parent().unwrap();
    assert_eq!(
        rg.as_str(),
        "/subscriptions/ab5daf5c-38a8-40ff-9d90-4c394a40e094/resourceGroups/group1"
    );
    let sub = rg.parent().unwrap();
    assert_eq!(
        sub.as_str(),
        "/subscriptions/ab5daf5c-38a8-40ff-9d90-4c394a40e094"
    );
    assert_eq!(sub.parent(), None);

    // And back down.
    let rg2 = sub.child("Microsoft.Resources/resourceGroups", "x");
    assert!(rg2.is_ok(), "a provider resource under a subscription");
    let vault2 = rg
        .child("Microsoft.DataReplication/replicationVaults", "vault1")
        .unwrap();
    assert_eq!(vault2, vault);
    assert_eq!(vault2.child("protectedItems", "item1").unwrap(), item);
    assert_eq!(
        ResourceId::for_resource(
            "ab5daf5c-38a8-40ff-9d90-4c394a40e094",
            "group1",
            "Microsoft.DataReplication",
            &[("replicationVaults", "vault1"), ("protectedItems", "item1")]
        )
        .unwrap(),
        item
    );
}

#[test]
fn child_refuses_what_would_not_be_one_more_pair() {
    let rg = ResourceId::for_resource_group("s", "rg").unwrap();
    let vault = rg
        .child("Microsoft.DataReplication/replicationVaults", "v")
        .unwrap();
    assert!(matches!(
        vault.child("protectedItems", "a/b"),
        Err(IdError::InvalidChild { .. })
    ));
    assert!(matches!(
        vault.child("a/b", "x"),
        Err(IdError::InvalidChild { .. })
    ));
    assert!(matches!(
        vault.child("providers", "x"),
        Err(IdError::InvalidChild { .. })
    ));
    assert!(matches!(
        rg.child("replicationVaults", "v"),
        Err(IdError::InvalidChild { .. })
    ));
    assert_eq!(
        vault.child("protectedItems", ""),
        Err(IdError::TrailingSlash {
            id: format!("{vault}/protectedItems/")
        })
    );
    assert!(matches!(
        vault.child("protectedItems", "a?b"),
        Err(IdError::InvalidCharacter { .. })
    ));
    assert_eq!(
        ResourceId::for_subscription("a/resourceGroups/b"),
        Err(IdError::InvalidCharacter {
            position: 2,
            segment: "a/resourceGroups/b".into(),
            character: '/'
        })
    );
    assert_eq!(
        ResourceId::for_subscription(""),
        Err(IdError::TrailingSlash {
            id: "/subscriptions/".into()
        })
    );
    assert!(matches!(
        ResourceId::for_resource_group("s", "rg/providers/Microsoft.X/t/n"),
        Err(IdError::InvalidCharacter {
            position: 4,
            character: '/',
            ..
        })
    ));
    assert!(matches!(
        ResourceId::for_resource_group("s s", "rg"),
        Err(IdError::InvalidCharacter {
            position: 2,
            character: ' ',
            ..
        })
    ));
    assert!(ResourceId::for_resource("s", "rg", "Microsoft.X", &[]).is_err());
}

#[test]
fn serde_is_a_plain_string() {
    let id = parse(PI);
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{PI}\""));
    let back: ResourceId = serde_json::from_str(&json).unwrap();
    assert_eq!(back.as_str(), PI);
    let e =
        serde_json::from_str::<ResourceId>("\"/subscriptions/s/resourcegroup/rg\"").unwrap_err();
    assert!(e.to_string().contains("at segment 3"), "{e}");
    assert!(serde_json::from_str::<ResourceId>("42").is_err());
}

#[test]
fn never_panics_on_arbitrary_input() {
    // Every prefix and every single-character mutation of a real id either parses or errors.
    let alphabet = ['/', 'a', '.', '?', ' ', 'é', 'P'];
    for end in 0..=PI.len() {
        if PI.is_char_boundary(end) {
            let _ = ResourceId::parse(&PI[..end]);
        }
    }
    for (i, _) in PI.char_indices() {
        for c in alphabet {
            let mut s = PI.to_owned();
            s.replace_range(i..i + 1, &c.to_string());
            if let Ok(id) = ResourceId::parse(&s) {
                assert_eq!(id.to_string(), s);
                let _ = (id.parent(), id.resource_type(), id.name());
            }
        }
    }
}

#[test]
fn dot_segments_and_escapes_do_not_parse() {
    let base =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults";
    for (tail, position) in [("..", 8), (".", 8), ("v/protectedItems/..", 10)] {
        assert_eq!(
            ResourceId::parse(&format!("{base}/{tail}")).unwrap_err(),
            IdError::DotSegment {
                position,
                segment: tail.rsplit('/').next().unwrap().to_owned()
            }
        );
    }
    for bad in [
        "/subscriptions/s/resourceGroups/%2e%2e/providers/Microsoft.DataReplication/replicationVaults/v",
        "/subscriptions/s/resourceGroups/rg%2F..%2Fx/providers/Microsoft.DataReplication/replicationVaults/v",
        "/subscriptions/s/resourceGroups/a\\..\\b/providers/Microsoft.DataReplication/replicationVaults/v",
    ] {
        assert!(
            matches!(
                ResourceId::parse(bad),
                Err(IdError::InvalidCharacter { position: 4, .. })
            ),
            "{bad}"
        );
    }
    // Dots inside a name are fine.
    assert!(ResourceId::parse(&format!("{base}/v.1..x")).is_ok());
}
