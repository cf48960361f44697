//! The whole lifecycle, as a user sees it at each step.

use crate::{state, Env};
use azs_site_recovery::emulator::PowerState;
use azs_site_recovery::error::RefusalKind;
use azs_site_recovery::lifecycle::conditions::{self, Condition};
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::{Job, ProtectionState, Reprotect, TestFailoverState};
use azs_site_recovery::Error;
use futures_util::TryStreamExt;

both_transports! {
    the_whole_lifecycle => crate::seeded();
}

async fn the_whole_lifecycle(e: Env) {
    let via = e.via;
    let items = e.items();
    let web01 = e.vm("web-01");

    // Enable: the PUT's operation ends when initial replication does.
    let item = e.protect("web-01", "web01").await;
    assert_eq!(state(&item), ProtectionState::Protected, "{via}");
    assert!(item.properties.as_ref().unwrap().current_job.is_some());

    // Test failover: a test VM in the test network, the source keeps running.
    let item = items
        .test_failover("web01", RecoveryPointChoice::LatestProcessed)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        item.test_failover_state(),
        Some(&TestFailoverState::TestFailoverCompleted),
        "{via}"
    );
    assert_eq!(state(&item), ProtectionState::Protected);
    assert!(e.has_vm("web-01-test"), "{via}: the test VM exists");
    assert_eq!(e.emu.vm_power_state(&web01), Some(PowerState::Running));

    let item = items
        .cleanup_test_failover("web01")
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(conditions::test_failover_cleaned_up().matches(Some(&item)));
    assert!(!e.has_vm("web-01-test"), "{via}: the test VM is gone");

    // Planned failover shuts the source down and starts the VM on the target stamp.
    let item = items
        .planned_failover("web01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    assert_eq!(
        state(&item),
        ProtectionState::PlannedFailoverCompleted,
        "{via}"
    );
    assert_ne!(e.emu.vm_power_state(&web01), Some(PowerState::Running));
    let item = items.commit("web01").await.unwrap().await.unwrap();
    assert_eq!(state(&item), ProtectionState::CommitFailoverCompleted);

    // Re-protect: replication back to the source stamp, with the failback defaults.
    let t = e.emu.topology();
    let body =
        Reprotect::azstack_failback_defaults(&t.appliance_id, &t.target_storage_account_ids[0]);
    items
        .reprotect("web01", &body)
        .await
        .unwrap()
        .await
        .unwrap();
    let item = items
        .wait_until(
            "web01",
            conditions::is_reprotected().or(conditions::has_failed()),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        conditions::is_reprotected().matches(Some(&item)),
        "{via}: {:?}",
        state(&item)
    );
    assert_eq!(item.instance_type(), Some("AzStackToAzStackFailback"));

    // Failback and commit: home again, the failed-over VM deleted from the target stamp.
    items.failback("web01", true).await.unwrap().await.unwrap();
    assert_eq!(e.emu.vm_power_state(&web01), Some(PowerState::Running));
    let item = items.commit("web01").await.unwrap().await.unwrap();
    assert!(
        conditions::failback_committed().matches(Some(&item)),
        "{via}"
    );

    // Re-protecting again is refused by the lifecycle before anything is sent.
    let before = e.emu.request_count();
    let err = items.reprotect("web01", &body).await.unwrap_err();
    match &err {
        Error::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::Lifecycle);
            assert!(r.remedy.contains("disable"), "{}", r.remedy);
            assert!(r.message.contains("web01"), "{}", r.message);
            assert!(
                !r.message.contains("What to do"),
                "said once, in the remedy: {}",
                r.message
            );
        }
        other => panic!("{via}: expected a refusal, got {other}"),
    }
    assert_eq!(
        e.emu.request_count(),
        before + 1,
        "{via}: only the item was read"
    );

    // Enabling it again (the enable PUT) is refused by the service: disable first.
    let err = match items.create_or_update("web01", &e.new_item("web-01")).await {
        Ok(poller) => poller.await.map(|i| state(&i)).unwrap_err(),
        Err(err) => err,
    };
    assert!(err.is_conflict(), "{via}: {err}");
    assert!(err.to_string().contains("isable"), "{via}: {err}");
    let item = e.item("web01").await;
    assert_eq!(
        item.instance_type(),
        Some("AzStackToAzStackFailback"),
        "{via}: unchanged"
    );

    // Disable: the item is gone.
    items.disable("web01", false).await.unwrap().await.unwrap();
    assert!(items.get_opt("web01").await.unwrap().is_none(), "{via}");
    let jobs: Vec<Job> = e.client.jobs(&e.vault).list().try_collect().await.unwrap();
    assert!(jobs.len() >= 9, "{via}: {} jobs", jobs.len());
}
