//! A recovery plan run as a test-failover drill: a three-tier application
//! (`examples/plans/three-tier.json`: database, application, web) fails over group by group,
//! with an approval gate before the application tier and a hook that checks the recovered VMs
//! exist, then everything is cleaned up in reverse order. Writes `report.json`, `report.md`
//! and `report.xml` (JUnit) and exits non-zero if the drill failed.
//!
//! ```text
//! cargo run --example recovery_plan -- --approve            # the embedded emulator
//! cargo run --example recovery_plan -- --out /tmp/drill     # asks on the terminal at the gate
//! ```
//!
//! Flags:
//! * `--approve`: approve every gate (unattended drills, CI). Without it the gate asks on the
//!   terminal, and is refused when standard input is not a terminal (the drill then fails).
//! * `--out DIR`: where the reports go (default `target/recovery-plan`).
//! * `--plan FILE`: another plan (default `examples/plans/three-tier.json`).
//! * `--endpoint URL`: run against a real Azure Stack Hub stamp's ARM endpoint instead of the
//!   emulator. The VMs of the plan must already be protected in the vault. Environment:
//!   * `AZS_VAULT_ID`: the vault's ARM id (required);
//!   * `AZS_ACCESS_TOKEN`: a bearer token for the stamp's ARM, or
//!   * `AZS_TENANT_ID`, `AZS_CLIENT_ID`, `AZS_CLIENT_SECRET`: a service principal (AD FS
//!     stamps ignore the tenant);
//!   * `AZS_TEST_VM_SUFFIX`: what the stamp appends to a test failover VM's name (default
//!     `-test`, the emulator's), for the hook.

use azs_site_recovery::emulator::{Emulator, Scenario};
use azs_site_recovery::http::{Method, Request};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::NewAzStackProtectedItem;
use azs_site_recovery::orchestrate::plan::{
    Approval, HookContext, PlanCheckpoint, PlanHooks, PlanOperation, PlanRecoveryPoint,
    PlanRunOptions, PlanRunner, RecoveryPlan,
};
use azs_site_recovery::pipeline::auth::{
    ClientSecretCredential, StampEndpoints, StaticTokenCredential, TokenCredential,
};
use azs_site_recovery::transport::ReqwestTransport;
use azs_site_recovery::SiteRecoveryClient;
use std::error::Error;
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

struct Args {
    approve: bool,
    out: PathBuf,
    plan: PathBuf,
    endpoint: Option<String>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        approve: false,
        out: PathBuf::from("target").join("recovery-plan"),
        plan: Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/plans/three-tier.json"),
        endpoint: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--approve" => a.approve = true,
            "--out" => a.out = value("--out")?.into(),
            "--plan" => a.plan = value("--plan")?.into(),
            "--endpoint" => a.endpoint = Some(value("--endpoint")?),
            "-h" | "--help" => {
                return Err(
                    "usage: recovery_plan [--approve] [--out DIR] [--plan FILE] [--endpoint URL]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args = args()?;
    let plan = RecoveryPlan::from_file(&args.plan)?;
    let (client, vault, _emulator) = match &args.endpoint {
        Some(endpoint) => {
            let (client, vault) = real_stamp(endpoint).await?;
            (client, vault, None)
        }
        None => {
            let (client, vault, emu) = emulated(&plan).await?;
            (client, vault, Some(emu))
        }
    };
    println!(
        "Recovery plan `{}`: {} groups, test failover drill with cleanup",
        plan.name,
        plan.groups.len()
    );

    let suffix = std::env::var("AZS_TEST_VM_SUFFIX").unwrap_or_else(|_| "-test".to_owned());
    let hooks = PlanHooks::new()
        .hook("recovered-vms-exist", move |ctx| {
            let suffix = suffix.clone();
            async move { recovered_vms_exist(ctx, &suffix).await }
        })
        .approval(move |req| {
            let approve = args.approve;
            async move {
                if approve {
                    return Approval::approved(format!("--approve flag ({})", user()));
                }
                if !std::io::stdin().is_terminal() {
                    return Approval::refused(
                        "recovery_plan example",
                        "no --approve flag and standard input is not a terminal: nobody to ask",
                    );
                }
                let question = format!(
                    "\nGate `{}` before group `{}`: {}\nApprove? [y/N] ",
                    req.gate,
                    req.group,
                    req.message.as_deref().unwrap_or("go on?")
                );
                let answer = tokio::task::spawn_blocking(move || {
                    eprint!("{question}");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line).map(|_| line)
                })
                .await;
                match answer {
                    Ok(Ok(line)) if line.trim().eq_ignore_ascii_case("y") => {
                        Approval::approved(format!("terminal ({})", user()))
                    }
                    _ => Approval::refused(format!("terminal ({})", user()), "not approved"),
                }
            }
        });

    std::fs::create_dir_all(&args.out)?;
    let checkpoint_file = args.out.join("checkpoint.json");
    let runner = PlanRunner::new(client, vault)
        .hooks(hooks)
        .options(PlanRunOptions::default().cleanup_on_stop(true));
    let drill = PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true);
    let report = runner
        .run(&plan, &drill, |cp: &PlanCheckpoint| {
            // Saved after every step: `PlanRunner::resume` continues from it after a crash.
            if let Err(e) = std::fs::write(&checkpoint_file, cp.to_json()) {
                eprintln!("cannot save the checkpoint: {e}");
            }
            ControlFlow::Continue(())
        })
        .await?;

    for g in &report.groups {
        println!("\ngroup `{}` ({})", g.name, g.vms.join(", "));
        for s in &g.steps {
            let by = s
                .approved_by
                .as_deref()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
            let detail = s
                .detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            println!(
                "  {:<9} {:<40} {}{by}{detail}",
                s.position, s.description, s.outcome
            );
        }
    }
    let t = &report.totals;
    println!(
        "\n{}: {} VMs, {} operations ({} succeeded, {} failed, {} refused, {} not run)",
        report.outcome.as_str(),
        t.vms,
        t.operations,
        t.succeeded + t.already_done,
        t.failed,
        t.refused,
        t.not_run
    );
    if let Some(why) = &report.stop_reason {
        println!("stopped: {why}");
    }
    for (file, text) in [
        ("report.json", report.to_json_pretty()),
        ("report.md", report.to_markdown()),
        ("report.xml", report.to_junit_xml()),
    ] {
        std::fs::write(args.out.join(file), text)?;
    }
    println!(
        "reports: {}",
        args.out.join("report.{json,md,xml}").display()
    );
    if !report.succeeded() {
        std::process::exit(1);
    }
    Ok(())
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown user".to_owned())
}

/// The hook: every recovered (test) VM of the group exists on the target stamp.
async fn recovered_vms_exist(ctx: HookContext, suffix: &str) -> Result<String, String> {
    let api = ctx.client.arm_api_versions().compute.clone();
    let mut missing = Vec::new();
    for item in &ctx.items {
        let Some(rg) = &item.target_resource_group_id else {
            missing.push(format!("{} (no target resource group)", item.vm));
            continue;
        };
        let name = item.target_vm_name.as_deref().unwrap_or(&item.vm);
        let path = format!("{rg}/providers/Microsoft.Compute/virtualMachines/{name}{suffix}");
        let mut url = ctx.client.url(&path).map_err(|e| e.to_string())?;
        url.query_pairs_mut()
            .clear()
            .append_pair("api-version", &api);
        if ctx
            .client
            .send(Request::new(Method::Get, url))
            .await
            .is_err()
        {
            missing.push(format!("{name}{suffix}"));
        }
    }
    if missing.is_empty() {
        Ok(format!("{} recovered VMs exist", ctx.items.len()))
    } else {
        Err(format!(
            "missing on the target stamp: {}",
            missing.join(", ")
        ))
    }
}

/// The emulator with the vault seeded and the plan's VMs protected (initial replication
/// done in virtual time).
async fn emulated(
    plan: &RecoveryPlan,
) -> Result<(SiteRecoveryClient, VaultId, Emulator), Box<dyn Error>> {
    let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
    let client = SiteRecoveryClient::builder().in_process(&emu)?.build()?;
    let t = emu.topology().clone();
    let vault: VaultId = t.vault_id("asrvault").parse()?;
    let items = client.protected_items(&vault);
    let network = |name: &str| t.target_network_id(name).unwrap_or_default().to_owned();
    for vm in plan.groups.iter().flat_map(|g| &g.vms) {
        let Some(id) = t.source_vm_id(vm) else {
            continue; // validation will name it
        };
        let item = NewAzStackProtectedItem::new(
            "default-replication-policy",
            "default-replication-extension",
            id,
        )
        .appliance_id(&t.appliance_id)
        .target_resource_group_id(&t.target_resource_group_ids[1])
        .target_network(network("dr-vnet"), "default")
        .test_network(network("test-vnet"), "default")
        .log_storage_account_id(&t.target_storage_account_ids[0])
        .build()?;
        items.create_or_update(vm, &item).await?;
    }
    emu.run_until_idle(Duration::from_secs(7 * 86_400));
    Ok((client, vault, emu))
}

/// A client on a real stamp, with credentials from the environment.
async fn real_stamp(endpoint: &str) -> Result<(SiteRecoveryClient, VaultId), Box<dyn Error>> {
    let vault: VaultId = std::env::var("AZS_VAULT_ID")
        .map_err(|_| "set AZS_VAULT_ID to the vault's ARM id")?
        .parse()?;
    let credential: Arc<dyn TokenCredential> = match std::env::var("AZS_ACCESS_TOKEN") {
        Ok(token) => Arc::new(StaticTokenCredential::new(token)),
        Err(_) => {
            let var = |name: &str| {
                std::env::var(name).map_err(|_| {
                    format!("set AZS_ACCESS_TOKEN, or AZS_TENANT_ID, AZS_CLIENT_ID and AZS_CLIENT_SECRET ({name} is missing)")
                })
            };
            let transport: Arc<ReqwestTransport> = Arc::new(ReqwestTransport::new()?);
            let stamp = StampEndpoints::discover(transport.as_ref(), &endpoint.parse()?).await?;
            Arc::new(ClientSecretCredential::for_stamp(
                &stamp,
                var("AZS_TENANT_ID")?,
                var("AZS_CLIENT_ID")?,
                var("AZS_CLIENT_SECRET")?,
                transport,
            ))
        }
    };
    let client = SiteRecoveryClient::builder()
        .endpoint(endpoint)?
        .credential(credential)
        .build()?;
    Ok((client, vault))
}
