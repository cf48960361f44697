//! Recovery plans through the client and the in-process emulator: order of groups, gates and
//! hooks, failure policies, crash and resume at every checkpoint (nothing sent twice),
//! validation listing every problem with nothing sent, and the reports parsed back.

#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{Emulator, Fault, Scenario};
use azs_site_recovery::http::{Request, Response};
use azs_site_recovery::id::VaultId;
use azs_site_recovery::model::{NewAzStackProtectedItem, ProtectedItem};
use azs_site_recovery::orchestrate::plan::{
    Approval, FailurePolicy, PlanCheckpoint, PlanError, PlanHooks, PlanOperation,
    PlanRecoveryPoint, PlanRunOptions, PlanRunner, PlanStep, ProblemKind, RecoveryPlan, RunStatus,
    ValidateOptions, WaitCondition,
};
use azs_site_recovery::orchestrate::report::{RunOutcome, RunReport, VmOutcome};
use azs_site_recovery::preflight::{Code, Finding, Intent};
use azs_site_recovery::transport::{Transport, TransportError};
use azs_site_recovery::SiteRecoveryClient;
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A transport (the emulator, or reqwest to its HTTP listener) remembering every request
/// (method, path, status) it was sent.
#[derive(Debug, Clone)]
struct Counting {
    inner: Arc<dyn Transport>,
    log: Arc<Mutex<Vec<(String, String, u16)>>>,
}

#[async_trait::async_trait]
impl Transport for Counting {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let result = self.inner.send(request).await;
        self.log.lock().unwrap().push((
            request.method.as_str().to_owned(),
            request.url.path().to_owned(),
            result.as_ref().map_or(0, |r| r.status),
        ));
        result
    }
}

#[derive(Debug, Clone, Copy)]
enum Via {
    InProcess,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    Http,
}

struct World {
    emu: Emulator,
    client: SiteRecoveryClient,
    vault: VaultId,
    log: Arc<Mutex<Vec<(String, String, u16)>>>,
    #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
    _server: Option<azs_site_recovery::emulator::EmulatorServer>,
}

const PROTECTED: [&str; 8] = [
    "dc-01", "mon-01", "app-01", "app-02", "app-03", "web-01", "web-02", "web-03",
];

impl World {
    /// The default scenario with the vault seeded and eight VMs protected (initial replication
    /// done), the request log cleared.
    async fn new() -> World {
        World::via(Via::InProcess).await
    }

    /// [`World::new`], reaching the emulator `via` its in-process transport or its HTTP
    /// listener (the virtual clock is the client's either way).
    async fn via(via: Via) -> World {
        let emu = Emulator::new(Scenario::builder().seed_vault(true).build());
        let log = Arc::new(Mutex::new(Vec::new()));
        let builder = SiteRecoveryClient::builder().in_process(&emu).unwrap();
        #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
        let mut server = None;
        let client = match via {
            Via::InProcess => builder.transport(Counting {
                inner: Arc::new(emu.clone()),
                log: log.clone(),
            }),
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            Via::Http => {
                let s =
                    azs_site_recovery::emulator::EmulatorServer::start(emu.clone(), "127.0.0.1:0")
                        .unwrap();
                let b = builder
                    .endpoint(&s.base_url())
                    .unwrap()
                    .transport(Counting {
                        inner: Arc::new(
                            azs_site_recovery::transport::ReqwestTransport::new().unwrap(),
                        ),
                        log: log.clone(),
                    });
                server = Some(s);
                b
            }
        }
        .build()
        .unwrap();
        let t = emu.topology().clone();
        let vault: VaultId = t.vault_id("asrvault").parse().unwrap();
        let items = client.protected_items(&vault);
        for vm in PROTECTED {
            let id = t.source_vm_id(vm).unwrap();
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
            items.create_or_update(vm, &item).await.unwrap();
        }
        emu.run_until_idle(Duration::from_secs(86_400));
        log.lock().unwrap().clear();
        World {
            emu,
            client,
            vault,
            log,
            #[cfg(all(feature = "emulator-server", feature = "reqwest"))]
            _server: server,
        }
    }

    /// The action POSTs sent so far: (item, action).
    fn posts(&self) -> Vec<(String, String)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, p, _)| m == "POST" && p.contains("/protectedItems/"))
            .map(|(_, p, _)| {
                let mut parts = p.rsplit('/');
                let action = parts.next().unwrap_or_default().to_owned();
                let item = parts.next().unwrap_or_default().to_owned();
                (item, action)
            })
            .collect()
    }

    /// Requests that change something (PUT, PATCH, DELETE, POST).
    fn writes(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(m, _, _)| m != "GET")
            .count()
    }

    async fn states(&self) -> BTreeMap<String, String> {
        let items: Vec<ProtectedItem> = self
            .client
            .protected_items(&self.vault)
            .list()
            .try_collect()
            .await
            .unwrap();
        items
            .iter()
            .map(|i| {
                (
                    i.name.clone().unwrap(),
                    format!(
                        "{} / {}",
                        i.protection_state().unwrap().as_str(),
                        i.test_failover_state().map_or("-", |t| t.as_str())
                    ),
                )
            })
            .collect()
    }

    fn runner(&self, hooks: PlanHooks) -> PlanRunner {
        PlanRunner::new(self.client.clone(), self.vault.clone()).hooks(hooks)
    }
}

/// The three-tier plan: database, application (behind a gate), web (a hook after, a wait and
/// a wait condition).
fn three_tier() -> RecoveryPlan {
    RecoveryPlan::new("three-tier")
        .group("database", ["dc-01", "mon-01"])
        .after(PlanStep::WaitFor {
            condition: WaitCondition::TestFailoverCompleted,
        })
        .group("application", ["app-01", "app-02", "APP-03"])
        .before(PlanStep::Approval {
            name: "database-checked".into(),
            message: Some("Is the database answering?".into()),
        })
        .group("web", ["web-01", "web-02", "web-03"])
        .before(PlanStep::Wait { seconds: 120 })
        .after(PlanStep::Hook {
            name: "recovered-vms-exist".into(),
        })
}

fn hooks(calls: Arc<Mutex<Vec<String>>>) -> PlanHooks {
    PlanHooks::new()
        .hook("recovered-vms-exist", move |ctx| {
            let calls = calls.clone();
            async move {
                calls
                    .lock()
                    .unwrap()
                    .push(format!("{}:{}", ctx.group, ctx.items.len()));
                Ok(format!("{} VMs checked", ctx.items.len()))
            }
        })
        .approval(|req| async move {
            Approval::Approved {
                by: format!("tester for {}", req.gate),
                note: None,
            }
        })
}

fn drill() -> PlanOperation {
    PlanOperation::test_failover(PlanRecoveryPoint::LatestProcessed, true)
}

#[tokio::test]
async fn a_drill_fails_over_groups_in_order_and_cleans_up_in_reverse() {
    drill_in_order(Via::InProcess).await;
}

#[cfg(all(feature = "emulator-server", feature = "reqwest"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_over_http_fails_over_groups_in_order_and_cleans_up_in_reverse() {
    drill_in_order(Via::Http).await;
}

async fn drill_in_order(via: Via) {
    let w = World::via(via).await;
    let calls = Arc::new(Mutex::new(Vec::new()));
    let before = w.states().await;
    let report = w
        .runner(hooks(calls.clone()))
        .run(&three_tier(), &drill(), |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(
        report.outcome,
        RunOutcome::Succeeded,
        "{}",
        report.to_markdown()
    );
    assert_eq!(report.totals.vms, 8);
    assert_eq!(report.totals.operations, 16);
    assert_eq!(report.totals.succeeded, 16);
    // Test failovers in group order, cleanups in reverse group order.
    let posts = w.posts();
    let order: Vec<(String, String)> = posts.clone();
    let tfo: Vec<&str> = order
        .iter()
        .filter(|(_, a)| a == "testFailover")
        .map(|(i, _)| i.as_str())
        .collect();
    let cleanup: Vec<&str> = order
        .iter()
        .filter(|(_, a)| a == "testFailoverCleanup")
        .map(|(i, _)| i.as_str())
        .collect();
    let plan = three_tier();
    let group_of = |i: &str| {
        plan.groups
            .iter()
            .position(|g| g.vms.iter().any(|v| v.eq_ignore_ascii_case(i)))
            .unwrap()
    };
    assert!(
        tfo.windows(2).all(|w| group_of(w[0]) <= group_of(w[1])),
        "{tfo:?}"
    );
    assert!(
        cleanup.windows(2).all(|w| group_of(w[0]) >= group_of(w[1])),
        "{cleanup:?}"
    );
    let last_tfo = order
        .iter()
        .rposition(|(_, a)| a == "testFailover")
        .unwrap();
    let first_cleanup = order
        .iter()
        .position(|(_, a)| a == "testFailoverCleanup")
        .unwrap();
    assert!(last_tfo < first_cleanup);
    assert_eq!(
        posts.len(),
        16,
        "one action per VM and operation: {posts:?}"
    );
    // Back where it started: protected, no test failover outstanding, no test VM left.
    assert_eq!(w.states().await, before);
    assert!(!w.emu.vm_ids().iter().any(|id| id.ends_with("-test")));
    // The gate recorded its approver, the hook its outcome, once for the web group.
    let app = &report.groups[1];
    let gate = app.steps.iter().find(|s| s.kind == "approval").unwrap();
    assert_eq!(
        gate.approved_by.as_deref(),
        Some("tester for database-checked")
    );
    let web = &report.groups[2];
    let hook = web.steps.iter().find(|s| s.kind == "hook").unwrap();
    assert_eq!(hook.outcome, "succeeded");
    assert_eq!(hook.detail.as_deref(), Some("3 VMs checked"));
    assert_eq!(*calls.lock().unwrap(), ["web:3"]);
    // The test failovers carry an RPO and a job id.
    for v in report.vms.iter().filter(|v| v.operation == "test failover") {
        assert!(v.rpo_seconds.is_some(), "{v:?}");
        assert_eq!(v.job_ids.len(), 1, "{v:?}");
    }
}

/// The run's figures that must not depend on where it was interrupted.
fn totals(r: &RunReport) -> (usize, usize, usize, usize, usize, usize, usize) {
    let t = &r.totals;
    (
        t.vms,
        t.operations,
        t.succeeded,
        t.already_done,
        t.failed,
        t.refused,
        t.steps,
    )
}

#[tokio::test]
async fn a_run_resumed_from_any_checkpoint_ends_as_an_uninterrupted_one_and_sends_nothing_twice() {
    // The uninterrupted run: its checkpoints, final states and totals.
    let w = World::new().await;
    let mut count = 0;
    let baseline = w
        .runner(hooks(Arc::default()))
        .run(&three_tier(), &drill(), |_| {
            count += 1;
            ControlFlow::Continue(())
        })
        .await
        .unwrap();
    assert!(baseline.succeeded());
    let final_states = w.states().await;
    let base_posts = w.posts().len();
    // Every checkpoint but the last (the finished run) is a place to stop.
    assert!(count >= 12, "{count} checkpoints");
    for stop_at in 0..count - 1 {
        for lose_last in [false, true] {
            if lose_last && stop_at == 0 {
                continue;
            }
            let w = World::new().await;
            let runner = w.runner(hooks(Arc::default()));
            let mut saved: Vec<String> = Vec::new();
            let first = runner
                .run(&three_tier(), &drill(), |cp| {
                    saved.push(cp.to_json());
                    if saved.len() == stop_at + 1 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                })
                .await
                .unwrap();
            assert_eq!(first.outcome, RunOutcome::Interrupted);
            // Resume from the last checkpoint stored (or the one before, as if the last write
            // was lost in the crash), after a round trip through JSON.
            let from = if lose_last { stop_at - 1 } else { stop_at };
            let cp = PlanCheckpoint::from_json(&saved[from]).unwrap();
            assert_ne!(cp.status, RunStatus::Finished);
            let resumed = runner
                .resume(cp, |_| ControlFlow::Continue(()))
                .await
                .unwrap();
            let case = format!("stopped at checkpoint {stop_at}, resumed from {from}");
            assert!(resumed.succeeded(), "{case}: {}", resumed.to_markdown());
            assert_eq!(totals(&resumed), totals(&baseline), "{case}");
            assert_eq!(w.states().await, final_states, "{case}");
            let posts = w.posts();
            let mut once: BTreeMap<&(String, String), usize> = BTreeMap::new();
            for p in &posts {
                *once.entry(p).or_default() += 1;
            }
            assert!(
                once.values().all(|n| *n == 1),
                "{case}: sent twice: {once:?}"
            );
            assert_eq!(posts.len(), base_posts, "{case}");
        }
    }
}

#[tokio::test]
async fn validation_lists_every_problem_and_sends_nothing() {
    let w = World::new().await;
    // Fail web-01 over (not committed): a test failover is refused for it.
    w.client
        .protected_items(&w.vault)
        .planned_failover("web-01", true)
        .await
        .unwrap()
        .await
        .unwrap();
    w.log.lock().unwrap().clear();
    let plan = RecoveryPlan::new("broken")
        .group("database", ["dc-01", "nosuch-01"])
        .after(PlanStep::Hook {
            name: "unregistered".into(),
        })
        .group("application", Vec::<String>::new())
        .group("web", ["web-01", "DC-01"])
        .before(PlanStep::Approval {
            name: "gate".into(),
            message: None,
        })
        .group("web", ["web-02"]);
    let blocker = Finding::new(
        Code::TestNetworkMissing,
        "web-02",
        "the test network test-vnet does not exist",
        "create it",
    );
    let preflight = serde_json::from_value(serde_json::json!({
        "intent": serde_json::to_value(Intent::TestFailover).unwrap(),
        "checkedAt": "2026-01-01T00:00:00Z",
        "checked_at": "2026-01-01T00:00:00Z",
        "findings": [serde_json::to_value(&blocker).unwrap()],
        "suppressed": [],
        "refused_suppressions": [],
        "refusedSuppressions": [],
    }))
    .unwrap();
    let runner = w
        .runner(PlanHooks::new())
        .validate_options(ValidateOptions::default().preflight(preflight));
    let err = runner
        .run(&plan, &drill(), |_| ControlFlow::Continue(()))
        .await
        .unwrap_err();
    let PlanError::Invalid(problems) = err else {
        panic!("not a validation error: {err}");
    };
    let kinds: BTreeMap<ProblemKind, Vec<String>> =
        problems.iter().fold(BTreeMap::new(), |mut m, p| {
            m.entry(p.kind)
                .or_insert_with(Vec::new)
                .push(p.path.clone());
            m
        });
    let expect = |kind: ProblemKind, paths: &[&str]| {
        assert_eq!(
            kinds.get(&kind).map(Vec::as_slice).unwrap_or_default(),
            paths,
            "{kind:?} in {problems:#?}"
        );
    };
    expect(ProblemKind::UnknownVm, &["groups[0].vms[1]"]);
    expect(ProblemKind::EmptyGroup, &["groups[1].vms"]);
    expect(ProblemKind::DuplicateVm, &["groups[2].vms[1]"]);
    expect(ProblemKind::DuplicateGroup, &["groups[3].name"]);
    expect(ProblemKind::UnregisteredHook, &["groups[0].after[0]"]);
    expect(ProblemKind::NoApprovalHandler, &["groups"]);
    expect(ProblemKind::LifecycleRefusal, &["groups[2].vms[0]"]);
    expect(ProblemKind::PreflightBlocker, &["preflight"]);
    let refusal = problems
        .iter()
        .find(|p| p.kind == ProblemKind::LifecycleRefusal)
        .unwrap();
    assert!(
        refusal.message.contains("test failover refused"),
        "{refusal}"
    );
    assert!(
        refusal
            .message
            .starts_with("web-01 (protected item web-01)"),
        "{refusal}"
    );
    assert_eq!(
        w.writes(),
        0,
        "validation sent: {:?}",
        w.log.lock().unwrap()
    );
}

#[test]
fn a_malformed_plan_file_names_the_place_and_what_was_expected() {
    let text = "{\n  \"name\": \"p\",\n  \"groups\": [\n    { \"name\": \"db\", \"vms\": [\"a\"],\n      \"before\": [ { \"kind\": \"aproval\", \"name\": \"x\" } ] }\n  ]\n}";
    let err = RecoveryPlan::from_json(text).unwrap_err();
    assert_eq!(err.line, 5, "{err}");
    assert!(err.message.contains("unknown variant `aproval`"), "{err}");
    assert!(err.message.contains("`approval`"), "{err}");
    let err =
        RecoveryPlan::from_json("{\"name\": \"p\", \"groups\": [{\"name\": \"db\"}]}").unwrap_err();
    assert!(err.message.contains("missing field `vms`"), "{err}");
    let err = RecoveryPlan::from_json("{\"name\": \"p\", \"grups\": []}").unwrap_err();
    assert!(err.message.contains("unknown field `grups`"), "{err}");
    assert!(
        err.to_string().starts_with("recovery plan, line 1 column"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_group_stops_the_run_and_cleanup_on_stop_unwinds_what_started() {
    let w = World::new().await;
    // The second test failover job (in the database group) fails at its first task.
    w.emu.inject(Fault::fail_job("TestFailover", 1));
    let plan = RecoveryPlan::new("p")
        .group("database", ["dc-01", "mon-01"])
        .group("web", ["web-01", "web-02"]);
    let report = w
        .runner(PlanHooks::new())
        .options(PlanRunOptions::default().cleanup_on_stop(true))
        .run(&plan, &drill(), |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(report.outcome, RunOutcome::Failed);
    assert!(report.stop_reason.as_deref().unwrap().contains("database"));
    let failed: Vec<&str> = report
        .vms
        .iter()
        .filter(|v| v.outcome == VmOutcome::Failed)
        .map(|v| v.vm.as_str())
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.to_markdown());
    let failed_vm = failed[0];
    assert!(report
        .vms
        .iter()
        .find(|v| v.vm == failed_vm)
        .unwrap()
        .error
        .as_deref()
        .unwrap()
        .contains("internal error"));
    // The web group never ran; nothing was sent for it.
    let posts = w.posts();
    assert!(
        !posts.iter().any(|(i, _)| i.starts_with("web")),
        "{posts:?}"
    );
    let web: Vec<VmOutcome> = report
        .vms
        .iter()
        .filter(|v| v.group.as_deref() == Some("web"))
        .map(|v| v.outcome)
        .collect();
    assert_eq!(web, [VmOutcome::NotRun, VmOutcome::NotRun]);
    // The database group's test failovers (the one that succeeded and the failed one's
    // leftovers) were cleaned up; the failed one is reported, the cleanups succeeded.
    let mut cleaned: Vec<&str> = posts
        .iter()
        .filter(|(_, a)| a == "testFailoverCleanup")
        .map(|(i, _)| i.as_str())
        .collect();
    cleaned.sort_unstable();
    assert_eq!(cleaned, ["dc-01", "mon-01"], "{posts:?}");
    let cleanups: Vec<VmOutcome> = report
        .vms
        .iter()
        .filter(|v| v.operation == "clean up test failover")
        .map(|v| v.outcome)
        .collect();
    assert_eq!(cleanups, [VmOutcome::Succeeded, VmOutcome::Succeeded]);
    assert!(!w.emu.vm_ids().iter().any(|id| id.ends_with("-test")));
}

#[tokio::test]
async fn with_continue_the_next_groups_run_and_a_refused_gate_skips_only_its_group() {
    let w = World::new().await;
    let plan = RecoveryPlan::new("p")
        .group("database", ["dc-01"])
        .group("application", ["app-01"])
        .before(PlanStep::Approval {
            name: "go".into(),
            message: None,
        })
        .group("web", ["web-01"]);
    let hooks = PlanHooks::new().approval(|req| async move {
        Approval::refused("change board", format!("{} is frozen", req.group))
    });
    let report = w
        .runner(hooks)
        .options(PlanRunOptions::default().failure_policy(FailurePolicy::Continue))
        .run(
            &plan,
            &PlanOperation::test_failover(PlanRecoveryPoint::Latest, false),
            |_| ControlFlow::Continue(()),
        )
        .await
        .unwrap();
    assert_eq!(report.outcome, RunOutcome::Failed);
    let outcome = |vm: &str| report.vms.iter().find(|v| v.vm == vm).unwrap().outcome;
    assert_eq!(outcome("dc-01"), VmOutcome::Succeeded);
    assert_eq!(outcome("app-01"), VmOutcome::NotRun);
    assert_eq!(outcome("web-01"), VmOutcome::Succeeded);
    let gate = &report.groups[1].steps[0];
    assert_eq!(gate.outcome, "refused");
    assert_eq!(gate.approved_by.as_deref(), Some("change board"));
    assert_eq!(gate.detail.as_deref(), Some("application is frozen"));
    assert!(!w.posts().iter().any(|(i, _)| i == "app-01"));
}

/// A Markdown table's rows under the heading `title`, as cells (split on unescaped `|`).
fn table(markdown: &str, title: &str) -> Vec<Vec<String>> {
    let mut lines = markdown.lines().skip_while(|l| l.trim() != title).skip(1);
    let rows: Vec<&str> = lines
        .by_ref()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    rows.iter()
        .map(|row| {
            let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
            let mut cells = vec![String::new()];
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            cells.last_mut().unwrap().push(n);
                        }
                    }
                    '|' => cells.push(String::new()),
                    c => cells.last_mut().unwrap().push(c),
                }
            }
            cells.into_iter().map(|c| c.trim().to_owned()).collect()
        })
        .collect()
}

#[tokio::test]
async fn the_reports_parse_as_junit_xml_and_markdown_tables() {
    let w = World::new().await;
    w.emu.inject(Fault::FailJob {
        scenario: Some("TestFailover".into()),
        step: 1,
        code: "InternalError".into(),
        message: "disk <0> & \"cache\" | lost".into(),
    });
    let plan = RecoveryPlan::new("tier <&> \"quoted\"")
        .group("database", ["dc-01", "mon-01"])
        .after(PlanStep::Wait { seconds: 5400 })
        .group("web", ["web-01"]);
    let report = w
        .runner(PlanHooks::new())
        .options(PlanRunOptions::default().failure_policy(FailurePolicy::Continue))
        .run(&plan, &drill(), |_| ControlFlow::Continue(()))
        .await
        .unwrap();
    assert_eq!(report.totals.failed, 1, "{}", report.to_markdown());

    // JUnit XML: well-formed, a suite per group, a case per VM × operation plus the steps.
    let xml = report.to_junit_xml();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(
        root.attribute("name"),
        Some("tier <&> \"quoted\": test failover with cleanup")
    );
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(
        suites
            .iter()
            .map(|s| s.attribute("name").unwrap())
            .collect::<Vec<_>>(),
        ["database", "web"]
    );
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases.len(),
        report.vms.len() + 1,
        "one step (the wait) besides the VMs"
    );
    assert_eq!(
        root.attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    let failures: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(root.attribute("failures"), Some("1"));
    let message = failures[0].attribute("message").unwrap();
    assert!(message.contains("disk <0> & \"cache\" | lost"), "{message}");
    let failed_case = failures[0].parent().unwrap();
    let failed = report
        .vms
        .iter()
        .find(|v| v.outcome == VmOutcome::Failed)
        .unwrap();
    assert_eq!(
        failed_case.attribute("name").unwrap(),
        format!("{} test failover", failed.vm)
    );
    for s in &suites {
        let n = s.children().filter(|n| n.has_tag_name("testcase")).count();
        assert_eq!(s.attribute("tests"), Some(n.to_string().as_str()));
    }

    // Markdown: the VM table has one row per record, every row as wide as the header, the
    // error's pipe escaped (it stays one cell).
    let md = report.to_markdown();
    let vms = table(&md, "## VMs");
    let header = &vms[0];
    assert_eq!(header[1], "VM");
    assert!(vms[1].iter().all(|c| c.chars().all(|c| c == '-')));
    let rows = &vms[2..];
    assert_eq!(rows.len(), report.vms.len());
    assert!(rows.iter().all(|r| r.len() == header.len()), "{rows:?}");
    let error_col = header.iter().position(|h| h == "Error").unwrap();
    let failed_row = rows.iter().find(|r| r[1] == failed.vm).unwrap();
    assert!(failed_row[error_col].contains("disk <0> & \"cache\" | lost"));
    assert_eq!(
        failed_row[header.iter().position(|h| h == "Outcome").unwrap()],
        "failed"
    );
    // Durations as operators read them: the 90-minute wait.
    let steps = table(&md, "## Group `database`");
    let wait = steps.iter().find(|r| r[1].starts_with("wait")).unwrap();
    assert_eq!(wait[1], "wait 1h 30m");
    assert!(wait[4].starts_with("1h 30m"), "{wait:?}");

    // JSON: versioned, and reads back.
    let json = report.to_json();
    assert_eq!(json["schemaVersion"], 1);
    // The same JSON, and the same pretty text, as serde_json makes of the report directly.
    assert_eq!(json, serde_json::to_value(&report).unwrap());
    assert_eq!(
        report.to_json_pretty(),
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert_eq!(RunReport::from_json(&json.to_string()).unwrap(), report);
    let mut newer = json.clone();
    newer["schemaVersion"] = 2.into();
    assert!(RunReport::from_json(&newer.to_string())
        .unwrap_err()
        .to_string()
        .contains("schemaVersion 2"));
    // A report of the right version whose content does not fit is refused, saying where.
    let mut broken = json.clone();
    broken["outcome"] = 3.into();
    let err = RunReport::from_json(&broken.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("run report") && err.contains("column"),
        "{err}"
    );
}

#[tokio::test]
async fn a_bulk_run_yields_the_same_report_forms() {
    use azs_site_recovery::lifecycle::RecoveryPointChoice;
    use azs_site_recovery::orchestrate::{BulkItem, BulkOperation, BulkRunner};
    let w = World::new().await;
    // web-01 already has its test failover: the bulk run skips it (already done).
    w.client
        .protected_items(&w.vault)
        .test_failover("web-01", RecoveryPointChoice::Latest)
        .await
        .unwrap()
        .await
        .unwrap();
    let result = BulkRunner::new(&w.client, &w.vault)
        .run(
            BulkOperation::TestFailover {
                recovery_point: RecoveryPointChoice::LatestProcessed,
            },
            ["web-01", "web-02", "app-01"].map(BulkItem::named),
        )
        .finish()
        .await;
    let report = RunReport::from_bulk(&result);
    assert_eq!(report.kind, "bulk");
    assert!(report.succeeded(), "{}", report.to_markdown());
    assert_eq!(report.totals.vms, 3);
    assert_eq!(report.totals.succeeded, 2);
    assert_eq!(report.totals.already_done, 1);
    let web01 = report.vms.iter().find(|v| v.item == "web-01").unwrap();
    assert_eq!(web01.outcome, VmOutcome::AlreadyDone);
    let doc = roxmltree::Document::parse(&report.to_junit_xml())
        .unwrap()
        .root_element()
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    assert_eq!(doc, 3);
    assert_eq!(table(&report.to_markdown(), "## VMs").len(), 2 + 3);
}

/// A 429 storm on the actions, a connection reset after one test failover POST reached the
/// service, and one whose POST never did: the report names exactly the VM that failed and why,
/// and no test failover is accepted twice for a VM.
async fn faults_during_a_drill(via: Via) {
    use azs_site_recovery::emulator::RequestMatch;
    use azs_site_recovery::http::Method;
    use azs_site_recovery::transport::TransportErrorKind;
    let w = World::via(via).await;
    let post = |path: &str| RequestMatch::any().method(Method::Post).path_contains(path);
    w.emu.inject(Fault::throttle(post("/testFailover"), 4));
    // app-01's POST is processed, its answer lost; app-02's is lost before the service reads it.
    w.emu.inject(Fault::drop_connection(
        post("/app-01/testFailover"),
        TransportErrorKind::ResponseUnreadable,
        1,
    ));
    w.emu.inject(Fault::drop_connection(
        post("/app-02/testFailover"),
        TransportErrorKind::MaybeSent,
        1,
    ));
    let plan = RecoveryPlan::new("p")
        .group("database", ["dc-01", "mon-01"])
        .group("application", ["app-01", "app-02", "app-03"]);
    let report = w
        .runner(PlanHooks::new())
        .options(PlanRunOptions::default().failure_policy(FailurePolicy::Continue))
        .run(
            &plan,
            &PlanOperation::test_failover(PlanRecoveryPoint::Latest, false),
            |_| ControlFlow::Continue(()),
        )
        .await
        .unwrap();
    let failed: Vec<(&str, &str)> = report
        .vms
        .iter()
        .filter(|v| v.outcome.is_failure())
        .map(|v| (v.vm.as_str(), v.error.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(failed.len(), 1, "{}", report.to_markdown());
    assert_eq!(failed[0].0, "app-02");
    assert!(failed[0].1.contains("not resent"), "{}", failed[0].1);
    // app-01's test failover ran although its answer was lost: followed, reported with its job.
    let app01 = report.vms.iter().find(|v| v.vm == "app-01").unwrap();
    assert_eq!(app01.outcome, VmOutcome::Succeeded, "{app01:?}");
    assert_eq!(app01.job_ids.len(), 1);
    assert_eq!(report.totals.succeeded, 4);
    // Accepted (202) test failover POSTs: at most one per VM.
    let accepted: Vec<String> = w
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/testFailover"))
        .filter(|(_, _, status)| *status == 202 || *status == 0)
        .map(|(_, p, _)| p.rsplit('/').nth(1).unwrap().to_owned())
        .collect();
    let mut per_vm: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &accepted {
        *per_vm.entry(a).or_default() += 1;
    }
    assert!(per_vm.values().all(|n| *n == 1), "{per_vm:?}");
    assert_eq!(per_vm.len(), 5);
    let states = w.states().await;
    assert_eq!(states["app-02"], "Protected / None");
    assert_eq!(states["app-01"], "Protected / TestFailoverCompleted");
}

#[tokio::test]
async fn faults_during_a_drill_fail_exactly_the_vm_they_hit() {
    faults_during_a_drill(Via::InProcess).await;
}

#[cfg(all(feature = "emulator-server", feature = "reqwest"))]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_during_a_drill_over_http_fail_exactly_the_vm_they_hit() {
    faults_during_a_drill(Via::Http).await;
}
