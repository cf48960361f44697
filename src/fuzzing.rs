//! Fuzz targets (feature `fuzzing`): one function per target, each taking arbitrary bytes and
//! panicking only when an invariant breaks. The `fuzz/` crate (cargo-fuzz, nightly) drives them
//! with libFuzzer; `tests/fuzz_targets.rs` runs them on stable over the committed seed corpus and
//! generated inputs, so every contributor runs them. See CONTRIBUTING.md, "Fuzzing".
//!
//! Not part of the public API: no stability promise.

use crate::client::PollingOptions;
use crate::http::{Headers, Method, Request, Response};
use crate::id::{
    validate_name, FabricAgentId, FabricId, NameKind, NameRules, ProtectedItemId, VaultId,
};
use crate::lifecycle::{Operation as Action, RecoveryPointChoice};
use crate::model::*;
use crate::pipeline::clock::ManualClock;
use crate::transport::{Transport, TransportError, TransportErrorKind};
use crate::{ResourceId, SiteRecoveryClient};
use futures_util::FutureExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fuzz target: arbitrary bytes in, a panic only when an invariant breaks.
pub type Target = fn(&[u8]);

/// The targets, by name: what `fuzz/fuzz_targets/{name}.rs` calls and the seed corpus directory
/// `fuzz/corpus/{name}/` holds inputs for.
pub const TARGETS: &[(&str, Target)] = &[
    ("id", id),
    ("model", model),
    ("http", http),
    ("auth", auth),
    ("client", client),
    ("emulator", emulator),
];

/// Resource ids, typed ids and names: a parsed id prints as it was given and parses back to
/// itself, has no dot segment or escape; a name that validates makes an id that parses back.
pub fn id(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = ResourceId::parse(s) {
        assert_eq!(id.as_str(), s);
        let again = ResourceId::parse(&format!("{id}")).expect("a printed id parses");
        assert_eq!(again, id);
        for seg in id.segments() {
            assert!(seg != "." && seg != "..", "dot segment in {s:?}");
            assert!(!seg.contains(['%', '\\']), "escape in {s:?}");
        }
        let _ = id.parent();
        let _ = id.resource_type();
        let _ = VaultId::try_from(id.clone());
        let _ = FabricId::try_from(id.clone());
        let _ = FabricAgentId::try_from(id.clone());
        if let Ok(item) = ProtectedItemId::try_from(id) {
            let _ = item.validate_names(NameRules::Arm);
            let _ = item.vault();
        }
    }
    for kind in NameKind::ALL
        .iter()
        .copied()
        .chain([NameKind::ResourceGroup, NameKind::Subscription])
    {
        for rules in [NameRules::Arm, NameRules::Strict] {
            if validate_name(kind, s, rules).is_ok() {
                let id = VaultId::new("0000", "rg", "v").protected_item(s);
                let parsed =
                    ResourceId::parse(id.as_str()).expect("a valid name makes a parsable id");
                assert_eq!(parsed.name(), s);
            }
        }
    }
    let mapped = crate::id::protected_item_name_for_vm(s);
    assert!(validate_name(NameKind::ProtectedItem, &mapped, NameRules::Strict).is_ok());
}

/// Parses `data` as `T`; when it parses, serializing and parsing again must give the same text.
fn stable<T: serde::de::DeserializeOwned + serde::Serialize>(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let first = serde_json::to_vec(&v).expect("a parsed model serializes");
        let back: T = serde_json::from_slice(&first).unwrap_or_else(|e| {
            panic!(
                "{} does not re-parse: {e}: {}",
                std::any::type_name::<T>(),
                String::from_utf8_lossy(&first)
            )
        });
        let second = serde_json::to_vec(&back).expect("serializes again");
        assert_eq!(
            String::from_utf8_lossy(&first),
            String::from_utf8_lossy(&second),
            "{} is not stable",
            std::any::type_name::<T>()
        );
    }
}

/// Every public model type: parse, serialize, re-parse must be stable.
pub fn model(data: &[u8]) {
    stable::<Vault>(data);
    stable::<Fabric>(data);
    stable::<FabricAgent>(data);
    stable::<ReplicationPolicy>(data);
    stable::<ReplicationExtension>(data);
    stable::<ProtectedItem>(data);
    stable::<ProtectedItemModelUpdate>(data);
    stable::<RecoveryPoint>(data);
    stable::<Job>(data);
    stable::<Event>(data);
    stable::<EmailConfiguration>(data);
    stable::<Operation>(data);
    stable::<CheckNameAvailability>(data);
    stable::<CheckNameAvailabilityResponse>(data);
    stable::<ErrorResponse>(data);
    stable::<Page<ProtectedItem>>(data);
    enum_text_kept(data);
}

/// Enum values are written back exactly as they came, in any casing (`protected` stays
/// `protected`): checked on a protected item's enum fields, direct and in `customProperties`.
fn enum_text_kept(data: &[u8]) {
    let Ok(item) = serde_json::from_slice::<ProtectedItem>(data) else {
        return;
    };
    let Ok(input) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let output = serde_json::to_value(&item).expect("a parsed model serializes");
    for pointer in [
        "/properties/provisioningState",
        "/properties/protectionState",
        "/properties/testFailoverState",
        "/properties/resynchronizationState",
        "/properties/replicationHealth",
        "/properties/customProperties/activeLocation",
    ] {
        if let Some(text) = input.pointer(pointer).and_then(|v| v.as_str()) {
            assert_eq!(
                output.pointer(pointer).and_then(|v| v.as_str()),
                Some(text),
                "{pointer} is not written back as it came"
            );
        }
    }
}

/// Splits `data` at the first `\n\n` into header lines (`name: value`) and a body.
fn response_from(status: u16, data: &[u8]) -> Response {
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (&[][..], data),
    };
    let mut r = Response::new(status);
    for line in String::from_utf8_lossy(head).lines() {
        if let Some((k, v)) = line.split_once(':') {
            r.headers.append(k.trim(), v.trim());
        }
    }
    r.body = body.to_vec();
    r
}

/// ARM error bodies, `Retry-After` and the long-running-operation headers and bodies: nothing
/// panics, waits are bounded, errors print.
pub fn http(data: &[u8]) {
    let status = data.first().map_or(500, |b| 200 + u16::from(*b) % 400);
    let r = response_from(status, data.get(1..).unwrap_or_default());
    let _ = crate::http::parse_arm_error(&r.body);
    let e = crate::Error::from_response(&r);
    let _ = (e.to_string(), format!("{e:?}"));
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    let _ = crate::http::retry_after(&r.headers, now);
    for (_, v) in r.headers.iter() {
        let _ = crate::http::parse_retry_after_value(v, now);
    }
    let _ = crate::http::lro::location_status(&r);
    let _ = crate::http::lro::provisioning_state(&r.body);
    if let Ok(s) = crate::http::lro::parse_operation_status(&r.body) {
        if let Some(f) = crate::http::lro::failure(&s, "op") {
            let _ = (f.to_string(), format!("{f:?}"));
        }
    }
    if let Err(e) = crate::http::lro::parse_operation_status(&r.body) {
        let _ = (e.to_string(), format!("{e:?}"));
    }
}

/// The stamp's metadata and the token endpoint's answers: nothing panics, a login endpoint that
/// parses is https (or loopback) without userinfo, the client secret never shows in an error.
pub fn auth(data: &[u8]) {
    use crate::pipeline::auth::{ClientSecretCredential, StampEndpoints, TokenCredential};
    let arm: url::Url = "https://management.stamp.test/"
        .parse()
        .expect("a constant URL");
    if let Ok(stamp) = StampEndpoints::parse(&arm, data) {
        let login = &stamp.login_endpoint;
        assert!(login.username().is_empty() && login.password().is_none());
        assert!(login.scheme() == "https" || crate::http::is_loopback(login));
        let _ = stamp.arm_scope();
        let _ = stamp.authority("contoso.onmicrosoft.com").token_endpoint();
    }
    let status = data
        .first()
        .map_or(200, |b| if b % 2 == 0 { 200 } else { 400 });
    let transport = Arc::new(Fixed(Mutex::new(vec![response_from(status, data)])));
    let cred = ClientSecretCredential::new(
        crate::pipeline::auth::Authority::Adfs {
            login_endpoint: "https://adfs.stamp.test/adfs/"
                .parse()
                .expect("a constant URL"),
        },
        "app",
        "fuzz-client-secret",
        transport,
    );
    let got = cred
        .get_token(&["https://management.stamp.test/x/.default"])
        .now_or_never()
        .expect("the token call ends");
    if let Err(e) = got {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("fuzz-client-secret"), "{shown}");
    }
}

/// A transport that answers with the responses given, in order, then fails (not sent).
#[derive(Debug)]
struct Fixed(Mutex<Vec<Response>>);

#[async_trait::async_trait]
impl Transport for Fixed {
    async fn send(&self, _: &Request) -> Result<Response, TransportError> {
        let mut q = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if q.is_empty() {
            return Err(TransportError::new(TransportErrorKind::NotSent, "no more"));
        }
        Ok(q.remove(0))
    }
}

/// A transport answering from fuzz data that records what the client sent, and counts actions
/// (POSTs) sent again after one was answered with anything but `429` (which ARM sends before
/// doing anything): those could run the action twice.
#[derive(Debug)]
struct Fuzzed {
    answers: Mutex<Vec<Response>>,
    sent: Mutex<Vec<Request>>,
    /// (an action was answered other than 429, actions sent after that)
    actions: Mutex<(bool, usize)>,
}

#[async_trait::async_trait]
impl Transport for Fuzzed {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(request.clone());
        let mut q = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        let answer = (!q.is_empty()).then(|| q.remove(0));
        if request.method == Method::Post {
            let mut a = self.actions.lock().unwrap_or_else(|p| p.into_inner());
            if a.0 {
                a.1 += 1;
            }
            if answer.as_ref().is_some_and(|r| r.status != 429) {
                a.0 = true;
            }
        }
        answer.ok_or_else(|| TransportError::new(TransportErrorKind::NotSent, "no more"))
    }
}

/// The client over a transport that answers with fuzzed responses (statuses, `Location`,
/// `Azure-AsyncOperation`, `Retry-After`, bodies; the links may name foreign hosts): the token
/// never reaches another host, an action is sent at most once (again only after a `429` or
/// when it was never sent), every call ends.
pub fn client(data: &[u8]) {
    const ARM: &str = "https://arm.test";
    let mut answers = Vec::new();
    for chunk in data.split(|b| *b == 0xff).take(64) {
        let status = chunk.first().map_or(200, |b| match b % 8 {
            0 | 1 => 200,
            2 => 201,
            3 => 202,
            4 => 204,
            5 => 404,
            6 => 429,
            _ => 500,
        });
        answers.push(response_from(status, chunk.get(1..).unwrap_or_default()));
    }
    let transport = Arc::new(Fuzzed {
        answers: Mutex::new(answers),
        sent: Mutex::new(Vec::new()),
        actions: Mutex::new((false, 0)),
    });
    let clock = ManualClock::default();
    let Ok(builder) = SiteRecoveryClient::builder().endpoint(ARM) else {
        return;
    };
    let Ok(c) = builder
        .shared_transport(transport.clone())
        .credential(Arc::new(crate::pipeline::auth::StaticTokenCredential::new(
            "fuzz-token",
        )))
        .clock(Arc::new(clock.clone()))
        .sleep(Arc::new(clock))
        .polling(
            PollingOptions::default()
                .with_min_interval(Duration::from_secs(30))
                .with_max_wait(Some(Duration::from_secs(3600))),
        )
        .build()
    else {
        return;
    };
    let vault = VaultId::new("0000", "rg", "v");
    let items = c.protected_items(&vault);
    let op = Action::TestFailover {
        recovery_point: RecoveryPointChoice::Latest,
    };
    let which = data.last().copied().unwrap_or(0) % 4;
    let ended = async {
        match which {
            0 => {
                let p = items.unchecked().perform("web01", &op, None).await?;
                p.await.map(|_| ())
            }
            1 => items.delete("web01").await?.await,
            2 => items.get("web01").await.map(|_| ()),
            _ => {
                use futures_util::StreamExt;
                let mut pager = items.list();
                let mut n = 0;
                while let Some(r) = pager.next().await {
                    r?;
                    n += 1;
                    if n > 10_000 {
                        break;
                    }
                }
                Ok(())
            }
        }
    }
    .now_or_never();
    assert!(ended.is_some(), "the call did not end");
    let sent = transport.sent.lock().unwrap_or_else(|p| p.into_inner());
    for r in sent.iter() {
        assert_eq!(r.url.host_str(), Some("arm.test"), "sent to {}", r.url);
    }
    let again = transport
        .actions
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .1;
    assert_eq!(again, 0, "the action was sent again after an answer");
}

/// The emulator's request handling: any method, path, headers and body get an answer (never a
/// panic), and an answer's `Location` stays on the emulator.
#[cfg(feature = "emulator")]
pub fn emulator(data: &[u8]) {
    // A fresh emulator per input: a finding reproduces from its input alone.
    let emu = &crate::emulator::Emulator::new(
        crate::emulator::Scenario::builder()
            .seed_vault(true)
            .build(),
    );
    let method = match data.first().map_or(0, |b| b % 5) {
        0 => Method::Get,
        1 => Method::Put,
        2 => Method::Post,
        3 => Method::Delete,
        _ => Method::Patch,
    };
    let rest = data.get(1..).unwrap_or_default();
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let target = String::from_utf8_lossy(&rest[..split]);
    let body = rest.get(split + 1..).unwrap_or_default();
    let base = emu.topology().arm_endpoint.clone();
    let Ok(url) = url::Url::parse(&format!("{base}{target}")) else {
        return;
    };
    let mut req = Request::new(method, url);
    req.headers = Headers::new();
    req.headers.insert("content-type", "application/json");
    req.body = body.to_vec();
    let r = emu.handle(&req);
    assert!((100..600).contains(&r.status));
    if let Some(loc) = r.headers.get("location") {
        assert!(loc.starts_with(&base), "{loc}");
    }
}

/// Without the emulator feature there is nothing to fuzz here.
#[cfg(not(feature = "emulator"))]
pub fn emulator(_: &[u8]) {}
