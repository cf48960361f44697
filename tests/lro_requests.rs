//! Requests per long-running operation: the client makes no more requests for an enable
//! protection and a failover than the service's `Retry-After` values allow.
//!
//! # The minimum, derived
//!
//! The emulator answers every poll of a running operation with `Retry-After` = the time until
//! the job's next task ends, clamped to `[1 s, cap]` (cap: the scenario's `max_retry_after`,
//! 300 s by default). A client that honours `Retry-After` may not poll sooner, and knows nothing
//! that would let it wait longer, so it polls at each task end, plus every `cap` seconds during
//! a task longer than `cap`. For a job whose tasks end at `e_1 < e_2 < ... < e_n` (from the
//! operation's start `e_0`), the minimum is
//!
//! ```text
//! requests = 1 (the PUT/POST)
//!          + sum over tasks of ceil((e_i - e_(i-1)) / cap)   (polls; the last sees it finished)
//!          + 1 (the GET of the resource afterwards: the item as it is now)
//! ```
//!
//! (tasks that end at the same instant share a poll). A lifecycle-checked action adds the one
//! GET of the item the check reads; the opt-out (`Handle::unchecked`) does not send it.
//!
//! The client's clock is the emulator's virtual clock and its sleeps move it, so the waits are
//! exactly what the client chose.
#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{Emulator, Scenario, SourceVm};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::ProtectedItem;
use azs_site_recovery::pipeline::clock::{Clock, Sleep, SleepFuture};
use azs_site_recovery::{ApiVersion, SiteRecoveryClient};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const CAP_SECS: i64 = 300;

#[derive(Debug, Clone)]
struct EmuTime(Emulator);

impl Clock for EmuTime {
    fn now(&self) -> DateTime<Utc> {
        self.0.now()
    }
}

impl Sleep for EmuTime {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.advance(d);
        Box::pin(std::future::ready(()))
    }
}

fn setup(api: ApiVersion) -> (Emulator, SiteRecoveryClient, VaultId) {
    // 127 GiB OS + 200 GiB data at 50 MiB/s: initial replication of ~1.9 hours, longer than
    // the 300 s cap, so the cap is exercised too.
    let emu = Emulator::new(
        Scenario::builder()
            .clear_source_vms()
            .source_vm(SourceVm::windows("web-01").data_disk(200))
            .seed_vault(true)
            .max_retry_after(Duration::from_secs(CAP_SECS as u64))
            .build(),
    );
    let time = Arc::new(EmuTime(emu.clone()));
    let client = SiteRecoveryClient::builder()
        .endpoint(&emu.topology().arm_endpoint)
        .unwrap()
        .api_version(api)
        .transport(emu.clone())
        .clock(time.clone())
        .sleep(time)
        .build()
        .unwrap();
    let t = emu.topology();
    let vault = VaultId::new(&t.target_subscription, "asr-rg", "asrvault");
    (emu, client, vault)
}

fn enable_body(emu: &Emulator) -> ProtectedItem {
    let t = emu.topology();
    serde_json::from_value(json!({ "properties": {
        "policyName": "default-replication-policy",
        "replicationExtensionName": "default-replication-extension",
        "customProperties": {
            "instanceType": "AzStackToAzStack",
            "sourceAzStackVirtualMachineId": t.source_vm_id("web-01").unwrap(),
            "targetResourceGroupId": t.target_resource_group_ids.iter().find(|g| g.ends_with("/dr-rg")).unwrap(),
            "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
            "testNetworkId": t.target_network_id("test-vnet").unwrap(),
        } } }))
    .unwrap()
}

fn get(emu: &Emulator, id: &str) -> Value {
    let url = format!("{}{id}?api-version=2024-09-01", emu.topology().arm_endpoint);
    let r = emu.handle(&Request::new(Method::Get, url.parse().unwrap()));
    assert_eq!(r.status, 200, "{id}");
    serde_json::from_slice(&r.body).unwrap()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// The fewest requests the `Retry-After` values allow for job `job_id` (see the module docs).
fn minimum(emu: &Emulator, job_id: &str) -> (u64, i64) {
    let job = get(emu, job_id);
    let p = &job["properties"];
    let start = time(&p["startTime"]);
    let mut ends: Vec<DateTime<Utc>> = p["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| time(&t["endTime"]))
        .collect();
    ends.dedup();
    let mut polls = 0;
    let mut from = start;
    for end in ends {
        let secs = (end - from).num_seconds();
        polls += ((secs + CAP_SECS - 1) / CAP_SECS).max(1) as u64;
        from = end;
    }
    ((1 + polls + 1), (time(&p["endTime"]) - start).num_seconds())
}

fn current_job(item: &ProtectedItem) -> String {
    let v = serde_json::to_value(item).unwrap();
    v["properties"]["currentJob"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn enable_and_failover_poll_no_more_than_retry_after_allows() {
    for api in ApiVersion::KNOWN {
        let (emu, client, vault) = setup(api.clone());
        let items = client.protected_items(&vault);
        run(async {
            let before = emu.request_count();
            let item = items
                .create_or_update("web01", &enable_body(&emu))
                .await
                .unwrap()
                .await
                .unwrap();
            let used = emu.request_count() - before;
            let (min, secs) = minimum(&emu, &current_job(&item));
            println!(
                "{api}: enable protection ({secs} s of virtual time): {used} requests, minimum {min}"
            );
            assert_eq!(used, min, "{api}: enable protection");
            assert!(secs > CAP_SECS, "the cap is exercised");

            emu.advance(Duration::from_secs(1800));
            for checked in [true, false] {
                let h = if checked {
                    items.clone()
                } else {
                    items.unchecked()
                };
                let before = emu.request_count();
                let item = h
                    .unplanned_failover(
                        "web01",
                        azs_site_recovery::lifecycle::RecoveryPointChoice::LatestProcessed,
                        false,
                    )
                    .await
                    .unwrap()
                    .await
                    .unwrap();
                let used = emu.request_count() - before;
                let (min, secs) = minimum(&emu, &current_job(&item));
                let extra = u64::from(checked);
                println!(
                    "{api}: unplanned failover ({secs} s, lifecycle check {checked}): {used} requests, minimum {} ",
                    min + extra
                );
                assert_eq!(used, min + extra, "{api}: failover (checked: {checked})");
                // Back to Protected for the unchecked round.
                if checked {
                    items.cancel_failover("web01").await.unwrap().await.unwrap();
                    emu.advance(Duration::from_secs(1800));
                }
            }
        });
    }
}
