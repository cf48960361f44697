//! Fleet health against the emulator: what needs attention and why, and its three renderings
//! read back structurally (JSON parsed, JUnit XML parsed, Markdown tables split into cells).
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{Emulator, Fault, Scenario, SourceVm};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::orchestrate::fleet::{fleet_health, FleetHealth, FleetOptions};
use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkRunner, VmOutcome};
use azs_site_recovery::SiteRecoveryClient;

struct Env {
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
}

/// Four protected VMs; `vm-0` and `vm-1` had a test failover (cleaned up).
async fn fleet() -> Env {
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vms((0..4).map(|i| SourceVm::linux(&format!("vm-{i}"))))
            .seed_vault(true)
            .build(),
    );
    let client = SiteRecoveryClient::builder()
        .in_process(&emu)
        .unwrap()
        .build()
        .unwrap();
    let t = emu.topology().clone();
    let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
    let runner = BulkRunner::new(&client, &vault);
    let items: Vec<BulkItem> = t
        .source_vm_ids
        .iter()
        .map(|id| {
            let item = NewAzStackProtectedItem::new(
                "default-replication-policy",
                "default-replication-extension",
                id,
            )
            .appliance_id(&t.appliance_id)
            .target_resource_group_id(&t.target_resource_group_ids[1])
            .target_network(t.target_network_id("dr-vnet").unwrap(), "default")
            .test_network(t.target_network_id("test-vnet").unwrap(), "default")
            .log_storage_account_id(&t.target_storage_account_ids[0])
            .build()
            .unwrap();
            BulkItem::enable(id.rsplit('/').next().unwrap(), item)
        })
        .collect();
    let r = runner
        .run(BulkOperation::EnableProtection, items)
        .finish()
        .await;
    assert!(r.is_success());
    let tested = ["vm-0", "vm-1"].map(BulkItem::named);
    for op in [
        BulkOperation::TestFailover {
            recovery_point: RecoveryPointChoice::Latest,
        },
        BulkOperation::CleanupTestFailover,
    ] {
        let r = runner.run(op, tested.clone()).finish().await;
        assert_eq!(r.count(VmOutcome::Succeeded), 2);
    }
    Env { emu, client, vault }
}

fn attention<'a>(h: &'a FleetHealth, item: &str) -> &'a [String] {
    &h.items.iter().find(|i| i.item == item).unwrap().attention
}

#[tokio::test]
async fn untested_items_and_old_drills_need_attention() {
    let e = fleet().await;
    let h = fleet_health(&e.client, &e.vault, &FleetOptions::default())
        .await
        .unwrap();
    assert_eq!(h.items.len(), 4);
    assert!(
        attention(&h, "vm-0").is_empty(),
        "{:?}",
        attention(&h, "vm-0")
    );
    assert_eq!(h.items[0].days_since_test_failover, Some(0));
    assert!(h.items[0].rpo_secs.is_some());
    assert!(attention(&h, "vm-2")[0].contains("never test-failed-over"));
    assert_eq!(h.needs_attention, 2);
    assert_eq!(h.appliances.len(), 1);
    assert!(h.appliances[0].attention.is_empty());

    // 181 days later the drills are too old (and the RPO, checked at that time, too).
    let later = e.emu.now() + chrono::Duration::days(181);
    let h = fleet_health(&e.client, &e.vault, &FleetOptions::default().at(later))
        .await
        .unwrap();
    let a = attention(&h, "vm-0");
    assert!(a.iter().any(|m| m.contains("181 days ago")), "{a:?}");
    assert!(a.iter().any(|m| m.starts_with("RPO")), "{a:?}");
    assert_eq!(h.items.iter().filter(|i| i.needs_attention()).count(), 4);
}

#[tokio::test]
async fn unresponsive_appliance_needs_attention_in_all_three_renderings() {
    let e = fleet().await;
    e.emu.inject(Fault::UnresponsiveAppliance);
    let h = fleet_health(&e.client, &e.vault, &FleetOptions::default())
        .await
        .unwrap();
    assert!(h.appliances[0].attention[0].contains("not responsive"));
    let expected_failures = h.needs_attention;
    assert!(expected_failures >= 3);

    // JSON: versioned, and reads back as the same value.
    let json: serde_json::Value = serde_json::from_str(&h.to_json()).unwrap();
    assert_eq!(h.to_json(), serde_json::to_string_pretty(&h).unwrap());
    assert_eq!(json["schemaVersion"], 1);
    let back: FleetHealth = serde_json::from_str(&h.to_json()).unwrap();
    assert_eq!(back, h);

    // JUnit XML: one test case per item and appliance, a failure per one needing attention.
    let xml = h.to_junit_xml();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("5"));
    assert_eq!(
        suite.attribute("failures"),
        Some(expected_failures.to_string().as_str())
    );
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 5);
    let failing: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|f| f.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failing.len(), expected_failures);
    assert!(
        failing.contains(&"vm-2") && failing.contains(&"vm-3"),
        "{failing:?}"
    );
    let appliance = cases
        .iter()
        .find(|c| c.attribute("classname") == Some("appliance"))
        .unwrap();
    let failure = appliance
        .children()
        .find(|f| f.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .attribute("message")
        .unwrap()
        .contains("not responsive"));

    // Markdown: two tables; every row has the header's cells; the appliance row says "no".
    let md = h.to_markdown();
    let tables: Vec<Vec<Vec<String>>> = md
        .split("\n\n")
        .map(|block| {
            block
                .lines()
                .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
                .map(|l| {
                    l.trim_matches('|')
                        .split(" | ")
                        .map(|c| c.trim().to_owned())
                        .collect()
                })
                .collect::<Vec<Vec<String>>>()
        })
        .filter(|t| !t.is_empty())
        .collect();
    assert_eq!(tables.len(), 2);
    assert_eq!(tables[0].len(), 1 + 4);
    assert!(tables[0].iter().all(|row| row.len() == 6));
    assert_eq!(tables[1][1][1], "no");
}
