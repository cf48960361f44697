// Test code: this module is compiled only under #[cfg(test)] (see its parent module).
//! Lists, get/get_opt, lifecycle checks and actions.

use super::*;
use crate::error::{Error, RefusalKind};
use crate::id::VaultId;
use crate::lifecycle::RecoveryPointChoice;
use crate::model::ProtectedItem;
use crate::transport::TransportErrorKind;
use futures_util::{StreamExt, TryStreamExt};

fn page(names: &[&str], next: Option<&str>) -> Value {
    let value: Vec<Value> = names.iter().map(|n| item(n, "Protected", "None")).collect();
    match next {
        Some(n) => json!({"value": value, "nextLink": n}),
        None => json!({"value": value}),
    }
}

#[test]
fn three_pages_are_followed_lazily_with_the_api_version_reapplied() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        // A relative link without api-version: resolved and given the client's version.
        page(
            &["a", "b"],
            Some(&format!("{VAULT}/protectedItems?$skiptoken=2")),
        ),
    );
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(
            &["c"],
            Some(&format!(
                "{ARM}{VAULT}/protectedItems?$skiptoken=3&api-version=2024-09-01"
            )),
        ),
    );
    t.ok(Method::Get, "/protectedItems", 200, page(&["d", "e"], None));

    let pager = c.protected_items(&vault()).list();
    assert!(
        t.requests().is_empty(),
        "a pager sends nothing before it is polled"
    );
    let names: Vec<String> = block_on(
        pager
            .map_ok(|i: ProtectedItem| i.name.unwrap())
            .try_collect(),
    )
    .unwrap();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let sent = t.sent();
    assert_eq!(sent.len(), 3);
    assert!(
        sent[0].ends_with("/protectedItems?api-version=2024-09-01"),
        "{}",
        sent[0]
    );
    assert!(
        sent[1].contains("skiptoken=2") && sent[1].contains("api-version=2024-09-01"),
        "{}",
        sent[1]
    );
    assert_eq!(sent[2].matches("api-version").count(), 1, "{}", sent[2]);
    t.assert_done();
}

#[test]
fn pages_stream_and_resume_from_the_continuation() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let next = format!("{ARM}{VAULT}/protectedItems?$skiptoken=2&api-version=2024-09-01");
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["a"], Some(&next)),
    );
    let mut pages = c.protected_items(&vault()).list().into_pages();
    let first = block_on(pages.next()).unwrap().unwrap();
    assert_eq!(first.items().len(), 1);
    let saved = pages.continuation().expect("a next page");
    assert_eq!(saved, next);
    drop(pages);

    // Later (another process): resume from the saved link.
    t.ok(Method::Get, "/protectedItems", 200, page(&["b", "c"], None));
    let resumed = c.resume_pager::<ProtectedItem>(&saved).unwrap();
    let rest: Vec<ProtectedItem> = block_on(resumed.try_collect()).unwrap();
    assert_eq!(rest.len(), 2);
    assert!(t.sent()[1].contains("skiptoken=2"));
    t.assert_done();
}

#[test]
fn a_next_link_on_another_host_is_refused_not_followed() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["a"], Some("https://evil.example/steal?api-version=1")),
    );
    let results: Vec<Result<ProtectedItem, Error>> =
        block_on(c.protected_items(&vault()).list().collect());
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    match &results[1] {
        Err(Error::Refused(r)) => assert_eq!(r.kind, RefusalKind::Security),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(t.requests().len(), 1, "nothing sent to the foreign host");
}

#[test]
fn get_opt_turns_404_into_none_and_keeps_other_errors() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let items = c.protected_items(&vault());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        404,
        json!({"error": {"code": "ResourceNotFound", "message": "no such item"}}),
    );
    assert!(block_on(items.get_opt("web01")).unwrap().is_none());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    let got = block_on(items.get_opt("web01")).unwrap().unwrap();
    assert_eq!(got.name.as_deref(), Some("web01"));
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        403,
        json!({"error": {"code": "AuthorizationFailed", "message": "no"}}),
    );
    let err = block_on(items.get_opt("web01")).unwrap_err();
    assert_eq!(err.status(), Some(403));
    t.assert_done();
}

#[test]
fn an_invalid_name_is_refused_before_sending() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let err = block_on(c.protected_items(&vault()).get("web/01")).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert!(t.requests().is_empty());
}

#[test]
fn a_lifecycle_refusal_sends_nothing_but_the_read() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    let err = block_on(c.protected_items(&vault()).commit("web01")).unwrap_err();
    match &err {
        Error::Refused(r) => {
            assert_eq!(r.kind, RefusalKind::Lifecycle);
            assert!(r.message.contains("web01"), "{}", r.message);
            assert!(r.reason.is_some(), "the lifecycle's refusal is attached");
        }
        other => panic!("expected a lifecycle refusal, got {other:?}"),
    }
    let sent = t.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, Method::Get, "no POST was sent");
}

#[test]
fn unchecked_skips_the_read_and_sends_the_action() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(Method::Post, "/protectedItems/web01/commit", 200, json!({}));
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "CommitFailoverCompleted", "None"),
    );
    let items = c.protected_items(&vault()).unchecked();
    let done = block_on(async { items.commit("web01").await?.await }).unwrap();
    assert_eq!(
        done.properties.unwrap().protection_state.unwrap().as_str(),
        "CommitFailoverCompleted"
    );
    let body: Value = serde_json::from_slice(&t.requests()[0].body).unwrap();
    assert_eq!(
        body["properties"]["customProperties"]["instanceType"],
        "AzStackToAzStack"
    );
    t.assert_done();
}

#[test]
fn test_failover_is_checked_then_posted_with_the_inferred_body() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    t.expect(
        Method::Post,
        "/protectedItems/web01/testFailover",
        Ok(with_header(
            json_response(202, Value::Null),
            "Location",
            &format!("{ARM}/subscriptions/s1/providers/Microsoft.DataReplication/operationResults/op1?api-version=2024-09-01"),
        )),
    );
    let poller = block_on(
        c.protected_items(&vault())
            .test_failover("web01", RecoveryPointChoice::Custom("rp7".into())),
    )
    .unwrap();
    assert!(!poller.is_done());
    let body: Value = serde_json::from_slice(&t.requests()[1].body).unwrap();
    assert_eq!(
        body,
        json!({"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "recoveryPoint": "Custom",
            // A recovery point given by name is sent as the item's recovery point id.
            "recoveryPointId": format!("{VAULT}/protectedItems/web01/recoveryPoints/rp7")}}})
    );
    t.assert_done();
}

#[test]
fn action_segments_can_be_overridden_per_client() {
    use crate::client::ActionSegments;
    use crate::lifecycle::OperationKind;
    let t = Scripted::new();
    let c = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .shared_transport(t.clone())
        .action_segments(ActionSegments::default().with(OperationKind::Resynchronize, "resync"))
        .unchecked_actions()
        .build()
        .unwrap();
    t.ok(Method::Post, "/protectedItems/web01/resync", 200, json!({}));
    block_on(c.protected_items(&vault()).resynchronize("web01")).unwrap();
    t.assert_done();
}

#[test]
fn a_post_that_may_have_been_sent_is_not_sent_again() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.expect(
        Method::Post,
        "/protectedItems/web01/plannedFailover",
        Err(TransportError::new(
            TransportErrorKind::MaybeSent,
            "connection reset after sending",
        )),
    );
    let err = block_on(
        c.protected_items(&vault())
            .unchecked()
            .planned_failover("web01", true),
    )
    .unwrap_err();
    assert!(matches!(err, Error::MaybeSent(_)), "{err:?}");
    let posts = t
        .requests()
        .iter()
        .filter(|r| r.method == Method::Post)
        .count();
    assert_eq!(posts, 1, "the failover POST is sent once");
    t.assert_done();
}

#[test]
fn the_raw_action_posts_the_body_as_given() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Post,
        "/protectedItems/web01/applyRecoveryPoint",
        200,
        json!({"ok": true}),
    );
    let body = json!({"properties": {"customProperties": {"instanceType": "X", "k": 1}}});
    let out = block_on(async {
        c.protected_items(&vault())
            .action("web01", "applyRecoveryPoint", body.clone())
            .await?
            .await
    })
    .unwrap();
    assert_eq!(out, Some(json!({"ok": true})));
    let sent: Value = serde_json::from_slice(&t.requests()[0].body).unwrap();
    assert_eq!(sent, body);
}

#[test]
fn disable_with_force_sends_force_delete() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/protectedItems/web01",
        200,
        item("web01", "Protected", "None"),
    );
    t.ok(Method::Delete, "/protectedItems/web01", 204, Value::Null);
    block_on(async {
        c.protected_items(&vault())
            .disable("web01", true)
            .await?
            .await
    })
    .unwrap();
    let del = &t.requests()[1];
    assert!(
        del.url.query().unwrap().contains("forceDelete=true"),
        "{}",
        del.url
    );
    t.assert_done();
}

#[test]
fn a_resource_handle_reads_by_typed_id_and_checks_the_ids_names() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(
        Method::Get,
        "/replicationVaults/v1",
        200,
        json!({"name": "v1", "location": "local", "properties": {"provisioningState": "Succeeded"}}),
    );
    let vault = block_on(c.vault(&vault()).get_opt()).unwrap().unwrap();
    assert_eq!(vault.name.as_deref(), Some("v1"));
    assert!(t.sent()[0].contains(
        "/resourceGroups/rg/providers/Microsoft.DataReplication/replicationVaults/v1?api-version="
    ));

    // A vault name ARM would reject: refused before anything is sent.
    let bad = VaultId::new("s1", "rg", "bad/name");
    let err = block_on(c.protected_items(&bad).get("web01")).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    let err = block_on(c.protected_items(&bad).list().try_collect::<Vec<_>>()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
    assert_eq!(t.requests().len(), 1);
}

#[test]
fn a_long_list_holds_at_most_three_pages_at_a_time() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let pages = 200;
    for p in 0..pages {
        let names: Vec<String> = (0..5).map(|i| format!("vm{p}x{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let next = (p + 1 < pages).then(|| format!("{VAULT}/protectedItems?$skiptoken={}", p + 1));
        t.ok(
            Method::Get,
            "/protectedItems",
            200,
            page(&names, next.as_deref()),
        );
    }
    let mut pager = c.protected_items(&vault()).list();
    let (count, most_buffered) = block_on(async {
        let (mut count, mut most) = (0, 0);
        while let Some(item) = pager.next().await {
            item.unwrap();
            count += 1;
            most = most.max(pager.held());
        }
        (count, most)
    });
    assert_eq!(count, pages * 5);
    assert!(
        most_buffered < 15,
        "never more than the rest of one page and the two pages read ahead: {most_buffered}"
    );
    t.assert_done();
}

#[test]
fn list_with_adds_query_parameters_and_name_availability_posts_the_name() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.ok(Method::Get, "/jobs", 200, json!({"value": []}));
    let jobs: Vec<crate::model::Job> = block_on(
        c.jobs(&vault())
            .list_with(&[("pageSize", "500")])
            .try_collect(),
    )
    .unwrap();
    assert!(jobs.is_empty());
    assert!(t.sent()[0].contains("pageSize=500"), "{}", t.sent()[0]);

    t.ok(
        Method::Post,
        "/locations/local/checkNameAvailability",
        200,
        json!({"nameAvailable": false, "reason": "AlreadyExists"}),
    );
    let answer = block_on(c.check_name_availability(
        "s1",
        "local",
        "v1",
        "Microsoft.DataReplication/replicationVaults",
    ))
    .unwrap();
    assert_eq!(answer.name_available, Some(false));
    let body: Value = serde_json::from_slice(&t.requests()[1].body).unwrap();
    assert_eq!(
        body,
        json!({"name": "v1", "type": "Microsoft.DataReplication/replicationVaults"})
    );
    t.assert_done();
}

#[test]
fn a_next_link_naming_its_own_page_ends_the_list_instead_of_looping() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let own = format!(
        "{ARM}{VAULT}/protectedItems?api-version={}",
        c.api_version().as_str()
    );
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["a"], Some(&own)),
    );
    let results: Vec<Result<ProtectedItem, Error>> =
        block_on(c.protected_items(&vault()).list().take(5).collect());
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    assert!(
        matches!(&results[1], Err(Error::InvalidInput { what, .. }) if what == "nextLink"),
        "{:?}",
        results[1]
    );
    assert_eq!(t.requests().len(), 1, "the same page is not read again");
    t.assert_done();
}

#[test]
fn a_next_link_cycle_between_two_pages_ends_the_list() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let first = format!(
        "{ARM}{VAULT}/protectedItems?api-version={}",
        c.api_version().as_str()
    );
    let second = format!("{first}&%24skiptoken=2");
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["a"], Some(&second)),
    );
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["b"], Some(&first)),
    );
    let results: Vec<Result<ProtectedItem, Error>> =
        block_on(c.protected_items(&vault()).list().take(10).collect());
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(
        matches!(&results[2], Err(Error::InvalidInput { what, .. }) if what == "nextLink"),
        "{:?}",
        results[2]
    );
    assert_eq!(t.requests().len(), 2, "no page is read twice");
    t.assert_done();
}

/// A transport whose every page links to the next of a cycle of `len` pages (each link
/// different from the last 64 read), as a broken service could: only the page limit stops it.
#[derive(Debug)]
struct EndlessCycle {
    len: usize,
    sent: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Transport for EndlessCycle {
    async fn send(&self, request: &Request) -> Result<Response, crate::transport::TransportError> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let n: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "$skiptoken")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let next = format!(
            "{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken={}",
            (n + 1) % self.len
        );
        Ok(json_response(200, page(&["x"], Some(&next))))
    }
}

#[test]
fn a_next_link_cycle_longer_than_64_pages_ends_at_the_page_limit() {
    let t = Arc::new(EndlessCycle {
        len: 100,
        sent: Default::default(),
    });
    let clock = ManualClock::default();
    let c = SiteRecoveryClient::builder()
        .endpoint(ARM)
        .unwrap()
        .shared_transport(t.clone())
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock))
        .build()
        .unwrap();
    // The cycle (100 pages) is longer than the 64 links the pager remembers: without a page
    // limit the list would never end. Stop reading well past the limit either way.
    let results: Vec<Result<ProtectedItem, Error>> = block_on(
        c.protected_items(&vault())
            .list()
            .max_pages(150)
            .take(400)
            .collect(),
    );
    assert_eq!(results.len(), 151, "150 pages of one item, then the error");
    assert!(results[..150].iter().all(Result::is_ok));
    let Err(Error::PageLimit(limit)) = &results[150] else {
        panic!("expected the page limit, got {:?}", results[150]);
    };
    assert_eq!((limit.pages, limit.max_pages), (150, 150));
    assert!(
        limit.continuation.contains("skiptoken=50"),
        "{}",
        limit.continuation
    );
    assert!(results[150]
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("stopped after 150 pages"));
    assert_eq!(
        t.sent.load(std::sync::atomic::Ordering::SeqCst),
        150,
        "no page past the limit is requested, not even read ahead"
    );
    assert_eq!(crate::client::DEFAULT_MAX_PAGES, 10_000);
}

#[test]
fn the_next_page_is_read_ahead_while_the_current_one_is_handed_out() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let next = format!("{ARM}{VAULT}/protectedItems?$skiptoken=2&api-version=2024-09-01");
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&["a", "b"], Some(&next)),
    );
    t.ok(
        Method::Get,
        "/protectedItems",
        404,
        json!({"error": {"code": "ResourceNotFound", "message": "gone"}}),
    );
    block_on(async {
        let mut items = c.protected_items(&vault()).list();
        let first = items.next().await.unwrap().unwrap();
        assert_eq!(first.name.as_deref(), Some("a"));
        // The second page was requested while `a` was handed out...
        assert_eq!(t.requests().len(), 2);
        // ...but the continuation still names it: its items have not been handed out.
        assert!(items.continuation().unwrap().contains("skiptoken=2"));
        // Its error comes after the current page's items, as without the read-ahead.
        assert_eq!(
            items.next().await.unwrap().unwrap().name.as_deref(),
            Some("b")
        );
        assert!(items.next().await.unwrap().is_err());
        assert!(items.next().await.is_none());
        assert!(items.continuation().unwrap().contains("skiptoken=2"));
    });
    t.assert_done();
}

/// A page of `n` items big enough (over 64 KiB) to be decoded on tokio's blocking threads.
fn big_page(p: usize, n: usize, next: Option<&str>) -> Value {
    let names: Vec<String> = (0..n).map(|i| format!("vm{p:03}x{i:03}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let page = page(&names, next);
    assert!(serde_json::to_vec(&page).unwrap().len() >= 64 * 1024);
    page
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn large_pages_decoded_off_the_task_keep_their_order_and_the_page_limit() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let pages = 12;
    for p in 0..pages {
        let next = format!(
            "{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken={}",
            p + 1
        );
        t.ok(
            Method::Get,
            "/protectedItems",
            200,
            big_page(p, 150, Some(&next)),
        );
    }
    let results: Vec<Result<ProtectedItem, Error>> = tokio_runtime().block_on(
        c.protected_items(&vault())
            .list()
            .max_pages(pages)
            .collect(),
    );
    assert_eq!(results.len(), pages * 150 + 1);
    let names: Vec<String> = results[..pages * 150]
        .iter()
        .map(|r| r.as_ref().unwrap().name.clone().unwrap())
        .collect();
    let expected: Vec<String> = (0..pages)
        .flat_map(|p| (0..150).map(move |i| format!("vm{p:03}x{i:03}")))
        .collect();
    assert_eq!(names, expected, "items in list order");
    let Err(Error::PageLimit(limit)) = &results[pages * 150] else {
        panic!("expected the page limit, got {:?}", results[pages * 150]);
    };
    assert!(
        limit.continuation.ends_with("skiptoken=12"),
        "{}",
        limit.continuation
    );
    assert_eq!(
        t.requests().len(),
        pages,
        "no page past the limit is requested"
    );
    t.assert_done();
}

#[test]
fn large_pages_on_a_multi_thread_runtime_come_in_order_and_a_dropped_list_stops_its_decoding() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let pages = 10;
    let link =
        |p: usize| format!("{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken={p}");
    for p in 0..pages {
        let next = (p + 1 < pages).then(|| link(p + 1));
        t.ok(
            Method::Get,
            "/protectedItems",
            200,
            big_page(p, 150, next.as_deref()),
        );
    }
    // Two pages for a list dropped after its first item.
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        big_page(0, 150, Some(&link(1))),
    );
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        big_page(1, 150, Some(&link(2))),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let names: Vec<String> = rt
        .block_on(c.protected_items(&vault()).list().try_collect::<Vec<_>>())
        .unwrap()
        .into_iter()
        .map(|item: ProtectedItem| item.name.unwrap())
        .collect();
    let expected: Vec<String> = (0..pages)
        .flat_map(|p| (0..150).map(move |i| format!("vm{p:03}x{i:03}")))
        .collect();
    assert_eq!(names, expected, "every item once, in list order");
    let first = rt.block_on(async {
        let mut items = c.protected_items(&vault()).list();
        let first = items.next().await.unwrap().unwrap();
        // Let the read ahead get going before the list is dropped.
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        first
    });
    assert_eq!(first.name.as_deref(), Some("vm000x000"));
    // The runtime waits for its blocking threads when it shuts down: a decoding thread that
    // kept waiting for pages of a dropped list would hold this up.
    let started = std::time::Instant::now();
    rt.shutdown_timeout(std::time::Duration::from_secs(30));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn a_malformed_large_page_ends_the_list_and_drops_the_page_started_from_its_tail() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let second = format!("{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken=2");
    let third = format!("{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken=3");
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        big_page(0, 150, Some(&second)),
    );
    // The second page ends with a well-formed nextLink, but an item in it is not an object:
    // the page cannot be decoded.
    let mut bad = big_page(1, 150, Some(&third));
    bad["value"][3] = json!(17);
    t.ok(Method::Get, "/protectedItems", 200, bad);
    // The third page may be requested from the second page's tail before the second fails;
    // its items must never be handed out.
    t.ok(Method::Get, "/protectedItems", 200, big_page(2, 150, None));
    let mut pager = c.protected_items(&vault()).list();
    let rt = tokio_runtime();
    let results: Vec<Result<ProtectedItem, Error>> =
        rt.block_on(async { (&mut pager).collect().await });
    assert_eq!(results.len(), 151, "the first page, then the error");
    assert!(results[..150].iter().all(Result::is_ok));
    assert!(
        matches!(results[150], Err(Error::Decode(_))),
        "{:?}",
        results[150]
    );
    assert!(
        pager.continuation().unwrap().ends_with("skiptoken=2"),
        "the continuation names the page that failed: {:?}",
        pager.continuation()
    );
    let sent = t.requests().len();
    assert!((2..=3).contains(&sent), "{sent} requests");
}

#[test]
fn pages_of_every_size_decoded_into_reused_buffers_hand_out_exactly_their_items() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    // Large pages (decoded on blocking threads, into the emptied buffer of an earlier page),
    // a page larger than any before it, small pages (decoded in place), an empty one.
    let sizes = [150, 120, 260, 3, 0, 150, 1, 200];
    for (p, &n) in sizes.iter().enumerate() {
        let next = (p + 1 < sizes.len()).then(|| {
            format!(
                "{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken={}",
                p + 1
            )
        });
        let names: Vec<String> = (0..n).map(|i| format!("vm{p:03}x{i:03}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let body = if n >= 150 {
            big_page(p, n, next.as_deref())
        } else {
            page(&names, next.as_deref())
        };
        t.ok(Method::Get, "/protectedItems", 200, body);
    }
    let names: Vec<String> = tokio_runtime()
        .block_on(c.protected_items(&vault()).list().try_collect::<Vec<_>>())
        .unwrap()
        .into_iter()
        .map(|item: ProtectedItem| item.name.unwrap())
        .collect();
    let expected: Vec<String> = sizes
        .iter()
        .enumerate()
        .flat_map(|(p, &n)| (0..n).map(move |i| format!("vm{p:03}x{i:03}")))
        .collect();
    assert_eq!(names, expected);
    t.assert_done();
}

#[test]
fn a_page_with_value_twice_is_a_decode_error_not_a_merge() {
    let t = Scripted::new();
    let (c, _) = client(t.clone());
    t.respond(
        Method::Get,
        "/protectedItems",
        200,
        r#"{"value":[{"name":"a"}],"value":[{"name":"b"}]}"#,
    );
    let results: Vec<Result<ProtectedItem, Error>> =
        tokio_runtime().block_on(c.protected_items(&vault()).list().collect());
    assert_eq!(results.len(), 1, "{results:?}");
    let Err(Error::Decode(e)) = &results[0] else {
        panic!("{results:?}");
    };
    assert!(e.to_string().contains("duplicate field"), "{e}");
}

#[test]
fn a_page_without_value_or_with_a_null_link_ends_cleanly_and_skips_unknown_fields() {
    for body in [
        r#"{"nextLink":null}"#,
        r#"{"value":[{"name":"a"}],"nextLink":null,"count":1,"extra":{"deep":[1,2,{"x":null}]}}"#,
    ] {
        let t = Scripted::new();
        let (c, _) = client(t.clone());
        t.respond(Method::Get, "/protectedItems", 200, body);
        let names: Vec<Option<String>> = tokio_runtime()
            .block_on(c.protected_items(&vault()).list().try_collect::<Vec<_>>())
            .unwrap()
            .into_iter()
            .map(|i: ProtectedItem| i.name)
            .collect();
        assert_eq!(names.len(), usize::from(body.contains("value")), "{body}");
        t.assert_done();
    }
}

#[test]
fn handing_out_a_page_yields_to_the_runtime_while_pages_are_in_flight() {
    use futures_core::Stream;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    let t = Scripted::new();
    let (c, _) = client(t.clone());
    let second = format!("{ARM}{VAULT}/protectedItems?api-version=2024-09-01&$skiptoken=2");
    let names: Vec<String> = (0..40).map(|i| format!("vm{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    t.ok(
        Method::Get,
        "/protectedItems",
        200,
        page(&names, Some(&second)),
    );
    t.ok(Method::Get, "/protectedItems", 200, page(&["last"], None));

    let count = Arc::new(Count(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&count));
    let mut cx = Context::from_waker(&waker);
    let mut pager = c.protected_items(&vault()).list();
    let mut got = Vec::new();
    let mut yields = Vec::new();
    for _ in 0..200 {
        match Pin::new(&mut pager).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => got.push(item.unwrap().name.unwrap()),
            Poll::Ready(None) => break,
            Poll::Pending => {
                // A yield, not a wait: the task was woken to be polled again at once.
                assert_eq!(count.0.load(Ordering::SeqCst), yields.len() + 1);
                yields.push(got.len());
            }
        }
    }
    assert_eq!(got.len(), 41, "every item, in order");
    assert_eq!(got[40], "last");
    assert_eq!(
        yields,
        [16, 32],
        "a yield after every 16 items of the first page, while the second is held"
    );
    t.assert_done();
}
