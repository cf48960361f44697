//! The control endpoint: drive the emulator's clock and faults over the same listener (or
//! transport) as ARM, for clients that are not written in Rust.
//!
//! Paths start with `/_emulator/`, outside the ARM namespace; they need no `api-version`, no
//! token, are never faulted and never move the clock by themselves. Every answer is JSON; errors
//! are ARM-shaped (`400 InvalidControlRequest`, `404 UnknownControlPath`).
//!
//! | Request | Effect | Answer |
//! |---|---|---|
//! | `GET /_emulator/state` | - | the [state](#state) |
//! | `POST /_emulator/advance?seconds=N` | [`Emulator::advance`] by `N` s | the state |
//! | `POST /_emulator/run-until-idle?limitSeconds=N` | [`Emulator::run_until_idle`] (default limit 30 days) | the state, with `advancedSeconds` |
//! | `POST /_emulator/clock?mode=auto\|manual` | [`Emulator::set_clock_mode`] | the state |
//! | `POST /_emulator/faults` + a fault as JSON | [`Emulator::inject`] | `201` + the state |
//! | `DELETE /_emulator/faults` | [`Emulator::clear_faults`] | the state |
//! | `POST /_emulator/appliance?responsive=true\|false` | [`Emulator::set_appliance_responsive`] | the state |
//!
//! # Faults
//!
//! `{"kind": ...}` with, per kind (all optional unless said; `method` and `pathContains` select
//! the requests, `times` how many fire, default 1, `"always": true` for all of them):
//!
//! * `throttle`: `method`, `pathContains`, `times`/`always`, `retryAfterSeconds` (default 1).
//! * `serverError`: `method`, `pathContains`, `times`/`always`, `status` (default 503).
//! * `dropConnection`: `method`, `pathContains`, `times`/`always`, `stage`: `maybeSent`
//!   (default; the request is not processed) or `responseUnreadable` (processed, answer lost).
//! * `failJob`: `scenario` (the job's `scenarioName`, e.g. `TestFailover`; any job when absent),
//!   `step` (0-based task, default 0), `code`, `message`.
//! * `unresponsiveAppliance`.
//! * `missingTargetNetwork`: `name` (required).
//!
//! # State
//!
//! `{"now", "clockMode", "requests", "applianceFreeSlots", "vms"}` (`vms`: ids of the VMs on both
//! stamps with their power state).
//!
//! ```
//! use azs_site_recovery::emulator::Emulator;
//! use azs_site_recovery::http::{Method, Request};
//!
//! let emu = Emulator::default();
//! let url = format!("{}/_emulator/advance?seconds=3600", emu.topology().arm_endpoint);
//! let resp = emu.handle(&Request::new(Method::Post, url.parse().unwrap()));
//! assert_eq!(resp.status, 200);
//! let state: serde_json::Value = serde_json::from_slice(&resp.body).unwrap();
//! assert_eq!(state["now"], "2026-01-01T01:00:00Z");
//! ```

use super::arm::{self, ArmError};
use super::{ClockMode, Emulator, Fault, RequestMatch, Trigger};
use crate::http::{Method, Request, Response};
use crate::transport::TransportErrorKind;
use serde_json::{json, Value};
use std::time::Duration;

/// The path prefix of the control endpoint.
pub(crate) const PREFIX: &str = "/_emulator/";

/// Answers a control request; `None` when `req` is not one.
pub(crate) fn handle(emu: &Emulator, req: &Request) -> Option<Response> {
    let path = req.url.path();
    let what = path.strip_prefix(PREFIX)?.trim_end_matches('/');
    Some(match route(emu, req, what) {
        Ok(r) => r,
        Err(e) => e.into_response(),
    })
}

fn bad(msg: impl Into<String>) -> ArmError {
    ArmError::new(400, "InvalidControlRequest", msg)
}

fn query_u64(req: &Request, name: &str) -> Result<Option<u64>, ArmError> {
    match arm::query(req, name) {
        None => Ok(None),
        Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
            bad(format!(
                "Query parameter '{name}' must be a whole number of seconds, got '{v}'."
            ))
        }),
    }
}

fn route(emu: &Emulator, req: &Request, what: &str) -> Result<Response, ArmError> {
    let ok = |status: u16, extra: Option<(&str, Value)>| {
        let mut body = state(emu);
        if let Some((k, v)) = extra {
            body[k] = v;
        }
        arm::json_response(status, &body)
    };
    match (req.method, what) {
        (Method::Get, "state") => Ok(ok(200, None)),
        (Method::Post, "advance") => {
            let secs = query_u64(req, "seconds")?.ok_or_else(|| {
                bad("POST /_emulator/advance needs ?seconds=N (virtual seconds to move the clock).")
            })?;
            emu.advance(Duration::from_secs(secs));
            Ok(ok(200, None))
        }
        (Method::Post, "run-until-idle") => {
            let limit = query_u64(req, "limitSeconds")?.unwrap_or(30 * 24 * 3600);
            let passed = emu.run_until_idle(Duration::from_secs(limit));
            Ok(ok(200, Some(("advancedSeconds", json!(passed.as_secs())))))
        }
        (Method::Post, "clock") => {
            let mode = match arm::query(req, "mode").as_deref() {
                Some(m) if m.eq_ignore_ascii_case("auto") => ClockMode::Auto,
                Some(m) if m.eq_ignore_ascii_case("manual") => ClockMode::Manual,
                other => {
                    return Err(bad(format!(
                        "POST /_emulator/clock needs ?mode=auto or ?mode=manual, got {other:?}."
                    )))
                }
            };
            emu.set_clock_mode(mode);
            Ok(ok(200, None))
        }
        (Method::Post, "appliance") => {
            let responsive = match arm::query(req, "responsive").as_deref() {
                Some("true") => true,
                Some("false") => false,
                other => {
                    return Err(bad(format!(
                        "POST /_emulator/appliance needs ?responsive=true or false, got {other:?}."
                    )))
                }
            };
            emu.set_appliance_responsive(responsive);
            Ok(ok(200, None))
        }
        (Method::Post, "faults") => {
            let v: Value = serde_json::from_slice(&req.body).map_err(|e| {
                bad(format!(
                    "The body of POST /_emulator/faults must be a JSON fault such as {{\"kind\":\"throttle\",\"times\":1}}: {e}"
                ))
            })?;
            emu.inject(parse_fault(&v)?);
            Ok(ok(201, None))
        }
        (Method::Delete, "faults") => {
            emu.clear_faults();
            Ok(ok(200, None))
        }
        (m, w) => Err(ArmError::new(
            404,
            "UnknownControlPath",
            format!(
                "No control endpoint {m} {PREFIX}{w}. Known: GET state, POST advance?seconds=N, POST run-until-idle, POST clock?mode=, POST faults, DELETE faults, POST appliance?responsive=."
            ),
        )),
    }
}

/// The emulator's state as the control endpoint reports it.
fn state(emu: &Emulator) -> Value {
    let vms: Vec<Value> = emu
        .vm_ids()
        .into_iter()
        .map(|id| {
            let power = emu.vm_power_state(&id).map(|p| p.code().to_owned());
            json!({ "id": id, "powerState": power })
        })
        .collect();
    json!({
        "now": emu.now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "clockMode": match emu.clock_mode() { ClockMode::Auto => "auto", ClockMode::Manual => "manual" },
        "requests": emu.request_count(),
        "applianceFreeSlots": emu.appliance_free_slots(),
        "vms": vms,
    })
}

/// A [`Fault`] from its JSON form (see the module docs).
pub(crate) fn parse_fault(v: &Value) -> Result<Fault, ArmError> {
    let kind = v["kind"]
        .as_str()
        .ok_or_else(|| bad("A fault needs \"kind\": throttle, serverError, dropConnection, failJob, unresponsiveAppliance or missingTargetNetwork."))?;
    let mut matching = RequestMatch::any();
    if let Some(m) = v.get("method").and_then(Value::as_str) {
        let method = arm::method(&m.to_ascii_uppercase())
            .ok_or_else(|| bad(format!("Unknown \"method\" '{m}' in the fault.")))?;
        matching = matching.method(method);
    }
    if let Some(p) = v.get("pathContains").and_then(Value::as_str) {
        matching = matching.path_contains(p);
    }
    let trigger = if v["always"].as_bool() == Some(true) {
        Trigger::Always
    } else {
        match v.get("times") {
            None | Some(Value::Null) => Trigger::Times(1),
            Some(t) => Trigger::Times(
                t.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| bad("\"times\" must be a whole number."))?,
            ),
        }
    };
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(match kind {
        "throttle" => Fault::Throttle {
            matching,
            trigger,
            retry_after: Duration::from_secs(v["retryAfterSeconds"].as_u64().unwrap_or(1)),
        },
        "serverError" => {
            let status = v["status"].as_u64().unwrap_or(503);
            if !(500..=599).contains(&status) {
                return Err(bad(format!(
                    "\"status\" of a serverError fault must be 5xx, got {status}."
                )));
            }
            Fault::ServerError {
                matching,
                trigger,
                status: status as u16,
            }
        }
        "dropConnection" => Fault::DropConnection {
            matching,
            trigger,
            kind: match text("stage").as_deref() {
                None | Some("maybeSent") => TransportErrorKind::MaybeSent,
                Some("responseUnreadable") => TransportErrorKind::ResponseUnreadable,
                Some(other) => {
                    return Err(bad(format!(
                        "\"stage\" must be maybeSent or responseUnreadable, got '{other}'."
                    )))
                }
            },
        },
        "failJob" => Fault::FailJob {
            scenario: text("scenario"),
            step: v["step"].as_u64().unwrap_or(0) as usize,
            code: text("code").unwrap_or_else(|| "InternalError".to_owned()),
            message: text("message").unwrap_or_else(|| "An internal error occurred.".to_owned()),
        },
        "unresponsiveAppliance" => Fault::UnresponsiveAppliance,
        "missingTargetNetwork" => Fault::MissingTargetNetwork {
            name: text("name")
                .ok_or_else(|| bad("A missingTargetNetwork fault needs \"name\"."))?,
        },
        other => return Err(bad(format!("Unknown fault kind '{other}'."))),
    })
}
