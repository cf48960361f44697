use super::*;

#[test]
fn a_drill_with_cleanup_fails_over_in_order_and_cleans_up_in_reverse() {
    let plan = RecoveryPlan::new("p")
        .group("db", ["sql-01"])
        .before(PlanStep::Hook { name: "h".into() })
        .group("web", ["web-01"])
        .after(PlanStep::Wait { seconds: 1 });
    let steps = RunStep::for_plan(
        &plan,
        &PlanOperation::test_failover(PlanRecoveryPoint::Latest, true),
    );
    assert_eq!(
        steps,
        [
            RunStep::Before { group: 0, index: 0 },
            RunStep::Operation { group: 0 },
            RunStep::Operation { group: 1 },
            RunStep::After { group: 1, index: 0 },
            RunStep::Cleanup { group: 1 },
            RunStep::Cleanup { group: 0 },
        ]
    );
    let cleanup = RunStep::for_plan(&plan, &PlanOperation::TestFailoverCleanup);
    assert_eq!(
        cleanup,
        [RunStep::Cleanup { group: 1 }, RunStep::Cleanup { group: 0 }]
    );
}

#[test]
fn check_shape_lists_every_problem_with_its_path() {
    let plan = RecoveryPlan::new(" ")
        .group("db", ["a", "b"])
        .group("DB", Vec::<String>::new())
        .group("web", ["A"])
        .after(PlanStep::Hook { name: "".into() });
    let problems: Vec<(String, ProblemKind)> = plan
        .check_shape()
        .into_iter()
        .map(|p| (p.path, p.kind))
        .collect();
    assert_eq!(
        problems,
        [
            ("name".to_owned(), ProblemKind::Malformed),
            ("groups[1].name".to_owned(), ProblemKind::DuplicateGroup),
            ("groups[1].vms".to_owned(), ProblemKind::EmptyGroup),
            ("groups[2].vms[0]".to_owned(), ProblemKind::DuplicateVm),
            ("groups[2].after[0].name".to_owned(), ProblemKind::Malformed),
        ]
    );
    assert!(RecoveryPlan::new("p").check_shape()[0].kind == ProblemKind::EmptyPlan);
}

#[test]
fn a_plan_round_trips_through_json() {
    let plan = RecoveryPlan::new("p")
        .group("db", ["sql-01"])
        .before(PlanStep::Approval {
            name: "g".into(),
            message: Some("ok?".into()),
        })
        .after(PlanStep::WaitFor {
            condition: WaitCondition::TestFailoverCompleted,
        });
    let json = plan.to_json_pretty();
    assert!(json.contains("\"kind\": \"waitFor\""), "{json}");
    assert_eq!(json, serde_json::to_string_pretty(&plan).unwrap());
    assert_eq!(RecoveryPlan::from_json(&json).unwrap(), plan);
}

#[test]
fn junit_escaping_keeps_xml_well_formed() {
    let e = crate::orchestrate::report::junit_escape("a<b>&\"c\"'\u{1}\n");
    assert_eq!(e, "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;");
}
