//! A test failover that fails at a step, and everything the error says about why: the
//! operation's error, the job's errors, the item's health errors, and the job's tasks. Then the
//! failed attempt is cleaned up and the test failover retried.
//!
//! `cargo run --example failed_drill`

mod common;

use azs_site_recovery::emulator::Fault;
use azs_site_recovery::lifecycle::RecoveryPointChoice;
use azs_site_recovery::model::Job;
use azs_site_recovery::Error;
use common::Drill;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let d = Drill::seeded()?;
    let items = d.client.protected_items(&d.vault);
    d.protect("web-01").await?;
    println!("{} web-01 is protected.", d.clock());

    // The emulator will fail the next test failover at its second task.
    d.emu.inject(Fault::FailJob {
        scenario: Some("TestFailover".into()),
        step: 1,
        code: "TestVmCreationFailed".into(),
        message: "The test VM could not be created in the test network.".into(),
    });
    println!("{} test failover of web-01 ...", d.clock());
    let poller = items
        .test_failover("web-01", RecoveryPointChoice::LatestProcessed)
        .await?;
    let failure = match poller.await {
        Err(Error::OperationFailed(f)) => f,
        Err(other) => return Err(other),
        Ok(_) => {
            return Err(Error::invalid_input(
                "drill",
                "the test failover should have failed",
            ))
        }
    };
    println!("\nThe error, as displayed:\n  {failure}\n");
    if let Some(e) = &failure.error {
        println!(
            "Operation error: {} - {}",
            e.code.as_deref().unwrap_or("-"),
            e.message.as_deref().unwrap_or("-")
        );
    }
    for e in &failure.job_errors {
        println!(
            "Job error:       {} - {}",
            e["code"].as_str().unwrap_or("-"),
            e["message"].as_str().unwrap_or("-")
        );
    }
    for h in &failure.health_errors {
        println!(
            "Health error:    {} - {}",
            h.code.as_deref().unwrap_or("-"),
            h.message.as_deref().unwrap_or("-")
        );
    }

    // The job keeps the whole story: which task failed, which ones never ran.
    let item = items.get("web-01").await?;
    let job_name = item
        .properties
        .as_ref()
        .and_then(|p| p.last_test_failover_job.as_ref())
        .and_then(|j| j.name.clone())
        .unwrap_or_default();
    let job: Job = d.client.jobs(&d.vault).get(&job_name).await?;
    println!(
        "\nJob `{}` tasks:",
        job.properties
            .as_ref()
            .and_then(|p| p.display_name.as_deref())
            .unwrap_or("-")
    );
    for task in job.properties.iter().flat_map(|p| p.tasks.iter().flatten()) {
        let state = task.state.as_ref().map_or("-", |s| s.as_str());
        println!(
            "  {:<10} {}",
            state,
            task.task_name.as_deref().unwrap_or("-")
        );
    }

    // Nothing is stuck: clean up the failed attempt and try again.
    items.cleanup_test_failover("web-01").await?.await?;
    let item = items
        .test_failover("web-01", RecoveryPointChoice::LatestProcessed)
        .await?
        .await?;
    println!(
        "\n{} cleaned up and retried: test failover state {:?}",
        d.clock(),
        item.test_failover_state()
    );
    items.cleanup_test_failover("web-01").await?.await?;
    Ok(())
}
