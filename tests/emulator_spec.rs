//! Every answer of the emulator against Microsoft's published OpenAPI (swagger 2.0) spec of its
//! api-version: the status code is one the operation declares (or an error under `default`),
//! declared integer headers parse, long-running answers carry their monitor header, and the body
//! validates against the response's schema, for every operation of each spec, with odd but
//! well-formed requests too.
//!
//! The specs are read from `$AZS_REFERENCE_DIR` (`datareplication/{api-version}/*.json` and
//! `common-types/`); `.ci/run` sets it. Unset, the test prints a note and passes; set to a
//! folder without the specs, it fails.
//!
//! The validator is a small hand-written one for the swagger subset the specs use: `type`,
//! `format: date-time`, `properties` (an undeclared property is an error unless
//! `additionalProperties` is given), `required`, `enum` (strict unless `x-ms-enum.modelAsString`),
//! `items`, `$ref` (also into `common-types`), `allOf`, `discriminator` with
//! `x-ms-discriminator-value`. An `instanceType` the spec does not define (the Azure Stack Hub
//! types are not in it) is validated against its base type only, without the
//! undeclared-property check below it. Operations the spec does not have (the inferred actions,
//! the `Location` result URLs) are checked for their ARM error shape only.

#![cfg(feature = "emulator")]

use azs_site_recovery::emulator::{ClockMode, Emulator, Scenario};
use azs_site_recovery::http::{Method, Request, Response};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const VERSIONS: [&str; 3] = ["2021-02-16-preview", "2024-09-01", "2026-05-01"];

/// The spec files and the common types they refer to, by path.
struct Specs {
    root: PathBuf,
    docs: HashMap<PathBuf, Value>,
}

impl Specs {
    fn load(root: &Path) -> Specs {
        let mut docs = HashMap::new();
        let mut stack = vec![root.join("datareplication"), root.join("common-types")];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
                panic!("AZS_REFERENCE_DIR: cannot read {}: {e}", dir.display())
            });
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if path.file_name().is_some_and(|n| n != "examples") {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    docs.insert(path, v);
                }
            }
        }
        Specs {
            root: root.to_owned(),
            docs,
        }
    }

    fn spec_path(&self, version: &str) -> PathBuf {
        self.root
            .join("datareplication")
            .join(version)
            .join("recoveryservicesdatareplication.json")
    }

    /// Resolves `reference` (`file#/pointer`) seen in `doc`.
    fn resolve(&self, doc: &Path, reference: &str) -> (PathBuf, Value) {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let path = if file.is_empty() {
            doc.to_owned()
        } else if let Some(i) = file.find("common-types/") {
            self.root.join(&file[i..])
        } else {
            doc.parent().unwrap().join(file.trim_start_matches("./"))
        };
        let d = self.docs.get(&path).unwrap_or_else(|| {
            panic!(
                "$ref {reference} from {}: no {}",
                doc.display(),
                path.display()
            )
        });
        let v = d
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref {reference}: no {pointer} in {}", path.display()));
        (path, v.clone())
    }
}

/// A schema as found: its document (for relative `$ref`s) and its JSON.
type Found = (PathBuf, Value);

struct Validator<'a> {
    specs: &'a Specs,
    errors: Vec<String>,
    /// `Base.instanceType` values the spec does not define.
    unknown_types: BTreeSet<String>,
}

impl Validator<'_> {
    fn deref(&self, doc: &Path, schema: &Value) -> Found {
        let mut cur = (doc.to_owned(), schema.clone());
        for _ in 0..16 {
            match cur.1.get("$ref").and_then(Value::as_str) {
                Some(r) => cur = self.specs.resolve(&cur.0, r),
                None => break,
            }
        }
        cur
    }

    /// The schema and every schema it extends (allOf, transitively), dereferenced.
    fn chain(&self, doc: &Path, schema: &Value) -> Vec<Found> {
        let mut out = Vec::new();
        let mut todo = vec![self.deref(doc, schema)];
        while let Some((d, s)) = todo.pop() {
            if let Some(all) = s.get("allOf").and_then(Value::as_array) {
                for part in all {
                    todo.push(self.deref(&d, part));
                }
            }
            out.push((d, s));
        }
        out
    }

    /// The subtype of `base` (found in `doc`) whose discriminator value is `value`.
    fn subtype(&self, doc: &Path, base_name: &str, value: &str) -> Option<Found> {
        let defs = self.specs.docs.get(doc)?.get("definitions")?.as_object()?;
        for (name, def) in defs {
            let tag = def
                .get("x-ms-discriminator-value")
                .and_then(Value::as_str)
                .unwrap_or(name);
            if !tag.eq_ignore_ascii_case(value) {
                continue;
            }
            let extends = self.chain(doc, def).iter().skip(1).any(|(_, s)| {
                s == self.specs.docs[doc]["definitions"]
                    .get(base_name)
                    .unwrap_or(&Value::Null)
            });
            if extends {
                return Some((doc.to_owned(), def.clone()));
            }
        }
        None
    }

    fn check(&mut self, doc: &Path, schema: &Value, v: &Value, at: &str, strict: bool) {
        let mut chain = self.chain(doc, schema);
        // Polymorphism: pick the subtype the discriminator names.
        let disc = chain.iter().find_map(|(d, s)| {
            s.get("discriminator")
                .and_then(Value::as_str)
                .map(|f| (d.clone(), s.clone(), f.to_owned()))
        });
        let mut strict = strict;
        if let (Some((d, base, field)), Some(obj)) = (disc, v.as_object()) {
            if let Some(tag) = obj.get(&field).and_then(Value::as_str) {
                let base_name = self.specs.docs[&d]["definitions"]
                    .as_object()
                    .and_then(|defs| {
                        defs.iter()
                            .find(|(_, s)| **s == base)
                            .map(|(n, _)| n.clone())
                    })
                    .unwrap_or_default();
                let already = tag.eq_ignore_ascii_case(&base_name)
                    || chain.iter().any(|(_, s)| {
                        s.get("x-ms-discriminator-value").and_then(Value::as_str) == Some(tag)
                    });
                if !already {
                    match self.subtype(&d, &base_name, tag) {
                        Some((sd, sub)) => chain = self.chain(&sd, &sub),
                        None => {
                            self.unknown_types.insert(format!("{base_name}.{tag}"));
                            strict = false;
                        }
                    }
                }
            }
        }
        // Type.
        if let Some(t) = chain
            .iter()
            .find_map(|(_, s)| s.get("type").and_then(Value::as_str))
        {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => true,
            };
            if !ok {
                self.errors.push(format!("{at}: expected {t}, got {v}"));
                return;
            }
        }
        if let Some(s) = v.as_str() {
            for (_, sch) in &chain {
                if sch.get("format").and_then(Value::as_str) == Some("date-time")
                    && chrono::DateTime::parse_from_rfc3339(s).is_err()
                {
                    self.errors
                        .push(format!("{at}: '{s}' is not an RFC 3339 date-time"));
                }
                if let Some(allowed) = sch.get("enum").and_then(Value::as_array) {
                    let open = sch
                        .pointer("/x-ms-enum/modelAsString")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    if !open && !allowed.iter().any(|a| a.as_str() == Some(s)) {
                        self.errors
                            .push(format!("{at}: '{s}' is not one of {allowed:?}"));
                    }
                }
            }
        }
        if let Some(items) = v.as_array() {
            if let Some((d, item_schema)) = chain
                .iter()
                .find_map(|(d, s)| s.get("items").map(|i| (d.clone(), i.clone())))
            {
                for (i, x) in items.iter().enumerate() {
                    self.check(&d, &item_schema, x, &format!("{at}[{i}]"), strict);
                }
            }
        }
        if let Some(obj) = v.as_object() {
            let mut props: BTreeMap<String, Found> = BTreeMap::new();
            let mut additional: Option<Found> = None;
            let mut open = false;
            let mut declared_any = false;
            for (d, s) in &chain {
                if let Some(p) = s.get("properties").and_then(Value::as_object) {
                    declared_any = true;
                    for (k, ps) in p {
                        props.entry(k.clone()).or_insert((d.clone(), ps.clone()));
                    }
                }
                match s.get("additionalProperties") {
                    Some(Value::Bool(true)) => open = true,
                    Some(a @ Value::Object(_)) => additional = Some((d.clone(), a.clone())),
                    _ => {}
                }
                for r in s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let r = r.as_str().unwrap_or_default();
                    if !obj.contains_key(r) {
                        self.errors
                            .push(format!("{at}: required property '{r}' is missing"));
                    }
                }
            }
            for (k, x) in obj {
                let here = format!("{at}.{k}");
                if let Some((d, ps)) = props.get(k) {
                    let (d, ps) = (d.clone(), ps.clone());
                    self.check(&d, &ps, x, &here, strict);
                } else if let Some((d, a)) = additional.clone() {
                    self.check(&d, &a, x, &here, strict);
                } else if strict && declared_any && !open {
                    self.errors
                        .push(format!("{here}: not declared by the spec"));
                }
            }
        }
    }
}

/// One spec operation: its path template (segments), method, and the operation object.
struct Op {
    template: Vec<String>,
    method: String,
    op: Value,
}

fn operations(spec: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "patch", "delete"].contains(&method.as_str()) {
                out.push(Op {
                    template: path
                        .trim_matches('/')
                        .split('/')
                        .map(str::to_owned)
                        .collect(),
                    method: method.to_ascii_uppercase(),
                    op: op.clone(),
                });
            }
        }
    }
    out
}

fn matches(template: &[String], path: &str) -> bool {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    segs.len() == template.len()
        && template
            .iter()
            .zip(&segs)
            .all(|(t, s)| t.starts_with('{') || t.eq_ignore_ascii_case(s))
}

/// What was sent and answered.
struct Exchange {
    method: Method,
    url: String,
    response: Response,
}

/// Drives the emulator like a client and keeps every exchange.
struct Driver {
    emu: Emulator,
    api: String,
    log: Vec<Exchange>,
}

impl Driver {
    fn send(&mut self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!(
                "{}{path}{sep}api-version={}",
                self.emu.topology().arm_endpoint,
                self.api
            )
        };
        let mut req = Request::new(method, url.parse().unwrap());
        if let Some(b) = body {
            req = req.with_json(serde_json::to_vec(&b).unwrap());
        }
        let response = self.emu.handle(&req);
        let v = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let status = response.status;
        self.log.push(Exchange {
            method,
            url,
            response,
        });
        (status, v)
    }

    /// Sends and follows the LRO (monitor, then Location) to its end, recording every poll.
    fn lro(&mut self, method: Method, path: &str, body: Option<Value>) -> u16 {
        let (status, _) = self.send(method, path, body);
        let headers = self.log.last().unwrap().response.headers.clone();
        if let Some(m) = headers.get("Azure-AsyncOperation") {
            for _ in 0..200 {
                let (_, v) = self.send(Method::Get, m, None);
                if v["status"] != "InProgress" {
                    break;
                }
            }
        }
        if let Some(l) = headers.get("Location") {
            for _ in 0..200 {
                let (s, _) = self.send(Method::Get, l, None);
                if s != 202 {
                    return s;
                }
            }
        }
        status
    }

    /// Follows `nextLink`s from a list.
    fn list_all(&mut self, path: &str) -> usize {
        let (_, mut page) = self.send(Method::Get, path, None);
        let mut n = 0;
        for _ in 0..1000 {
            n += page["value"].as_array().map_or(0, Vec::len);
            match page["nextLink"].as_str() {
                Some(next) => page = self.send(Method::Get, next, None).1,
                None => break,
            }
        }
        n
    }
}

/// Every operation of the spec, and some odd but well-formed requests.
fn drive(api: &str) -> Driver {
    let emu = Emulator::new(
        Scenario::builder()
            .seed_vault(true)
            .clock_mode(ClockMode::Auto)
            .page_size(2)
            .build(),
    );
    let t = emu.topology().clone();
    let mut d = Driver {
        emu,
        api: api.to_owned(),
        log: Vec::new(),
    };
    let sub = format!("/subscriptions/{}", t.target_subscription);
    let rg = t.asr_resource_group_id.clone();
    let prov = format!("{rg}/providers/Microsoft.DataReplication");
    let vault = format!("{prov}/replicationVaults/specvault");
    let loc = t.target_location.clone();
    let tgt_rg = t
        .target_resource_group_ids
        .iter()
        .find(|g| g.ends_with("/dr-rg"))
        .unwrap()
        .clone();

    d.send(
        Method::Get,
        "/providers/Microsoft.DataReplication/operations",
        None,
    );
    let check =
        format!("{sub}/providers/Microsoft.DataReplication/locations/{loc}/checkNameAvailability");
    d.send(
        Method::Post,
        &check,
        Some(json!({"name": "asrvault", "type": "Microsoft.DataReplication/replicationVaults"})),
    );
    d.send(
        Method::Post,
        &check,
        Some(json!({"name": "free01", "type": "Microsoft.DataReplication/replicationVaults"})),
    );
    d.list_all(&format!(
        "{sub}/providers/Microsoft.DataReplication/replicationVaults"
    ));
    d.list_all(&format!(
        "{sub}/providers/Microsoft.DataReplication/replicationFabrics"
    ));
    d.list_all(&format!("{prov}/replicationFabrics"));
    d.list_all(&format!("{prov}/replicationVaults"));
    let preflight = format!("{prov}/deployments/dep1/preflight");
    d.send(Method::Post, &preflight, Some(json!({"resources": [
        {"name": "v", "type": "Microsoft.DataReplication/replicationVaults", "location": loc, "apiVersion": api, "properties": {"anything": [1, "two"]}},
        {"name": "w"},
    ]})));
    d.send(Method::Post, &preflight, Some(json!({})));
    // Malformed: refused with a target (what used to be echoed back).
    for bad in [
        json!({"resources": "all of them"}),
        json!({"resources": [1, 2]}),
        json!({"resources": [{"name": 7, "type": "t"}]}),
        json!({"resources": [{"name": "n", "location": ["seattle"]}]}),
        json!([1]),
    ] {
        let (status, body) = d.send(Method::Post, &preflight, Some(bad.clone()));
        assert_eq!(status, 400, "{api}: preflight accepted {bad}: {body}");
        assert_eq!(body["error"]["code"], "InvalidRequestContent", "{body}");
        assert!(body["error"]["target"].is_string(), "{body}");
    }

    // Fabrics and agents (seeded), a new fabric's lifecycle.
    let src_fabric = t.source_fabric_id.clone();
    d.send(Method::Get, &src_fabric, None);
    d.send(
        Method::Get,
        &src_fabric
            .to_ascii_uppercase()
            .replace("/SUBSCRIPTIONS/", "/subscriptions/"),
        None,
    );
    d.list_all(&format!("{src_fabric}/fabricAgents"));
    d.send(Method::Get, &t.appliance_id, None);
    let fabric = format!("{prov}/replicationFabrics/specfabric");
    let fabric_body = json!({"location": loc, "properties": {"customProperties": {"instanceType": "AzStackHub"}}});
    d.lro(Method::Put, &fabric, Some(fabric_body));
    d.lro(Method::Patch, &fabric, Some(json!({"tags": {"a": "b"}})));
    let agent = format!("{fabric}/fabricAgents/specagent");
    d.lro(Method::Put, &agent, Some(json!({"properties": {"machineId": "m1", "machineName": "specagent", "authenticationIdentity": {"tenantId": "t", "applicationId": "a", "objectId": "o", "audience": "x", "aadAuthority": "y"}, "resourceAccessIdentity": {"tenantId": "t", "applicationId": "a", "objectId": "o", "audience": "x", "aadAuthority": "y"}, "customProperties": {"instanceType": "AzStackHub"}}})));
    d.lro(Method::Delete, &agent, None);
    d.lro(Method::Delete, &fabric, None);
    d.send(Method::Delete, &fabric, None); // already gone: 204

    // A vault of its own, its policy, extension, alert settings.
    d.lro(Method::Put, &vault, Some(json!({"location": loc, "tags": {"odd key": "é ✓"}, "properties": {"vaultType": "DisasterRecovery"}})));
    d.lro(
        Method::Put,
        &vault,
        Some(json!({"location": loc, "properties": {"vaultType": "DisasterRecovery"}})),
    ); // update: 200
    d.lro(Method::Patch, &vault, Some(json!({"tags": {}})));
    d.send(Method::Get, &vault, None);
    let policy = format!("{vault}/replicationPolicies/specpolicy");
    d.lro(Method::Put, &policy, Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440, "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60}}})));
    d.list_all(&format!("{vault}/replicationPolicies"));
    d.send(Method::Get, &policy, None);
    let ext = format!("{vault}/replicationExtensions/specext");
    d.lro(Method::Put, &ext, Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "sourceFabricArmId": t.source_fabric_id, "targetFabricArmId": t.target_fabric_id, "storageAccountId": t.target_storage_account_ids[0]}}})));
    d.list_all(&format!("{vault}/replicationExtensions"));
    d.send(Method::Get, &ext, None);
    let alert = format!("{vault}/alertSettings/default");
    d.send(Method::Put, &alert, Some(json!({"properties": {"sendToOwners": false, "customEmailAddresses": [], "locale": "en-US"}})));
    d.send(Method::Get, &alert, None);
    d.list_all(&format!("{vault}/alertSettings"));
    d.list_all(&format!("{vault}/privateEndpointConnections"));
    d.list_all(&format!("{vault}/privateLinkResources"));
    // Private endpoints are not part of Azure Stack Hub: whatever is answered must still be
    // one of the spec's answers (an ARM error under `default`).
    let pec = format!("{vault}/privateEndpointConnections/pec1");
    d.send(Method::Get, &pec, None);
    d.send(
        Method::Put,
        &pec,
        Some(json!({"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}})),
    );
    d.send(Method::Delete, &pec, None);
    d.send(
        Method::Get,
        &format!("{vault}/privateLinkResources/plr1"),
        None,
    );

    // Protected items through a planned failover.
    let item = |n: &str| format!("{vault}/protectedItems/{n}");
    for (vm, name) in [("web-01", "web01"), ("app-01", "app01"), ("dc-01", "dc01")] {
        d.lro(Method::Put, &item(name), Some(json!({"properties": {"policyName": "specpolicy", "replicationExtensionName": "specext", "customProperties": {
            "instanceType": "AzStackToAzStack", "sourceAzStackVirtualMachineId": t.source_vm_id(vm).unwrap(), "applianceId": t.appliance_id,
            "targetResourceGroupId": tgt_rg, "targetNetworkId": t.target_network_id("dr-vnet").unwrap(), "targetSubnetName": "default",
            "testNetworkId": t.target_network_id("test-vnet").unwrap(), "testSubnetName": "default", "logStorageAccountId": t.target_storage_account_ids[0]}}})));
    }
    d.emu.advance(std::time::Duration::from_secs(3600));
    d.list_all(&format!("{vault}/protectedItems"));
    d.list_all(&format!("{vault}/protectedItems?pageSize=1"));
    d.send(Method::Get, &item("web01"), None);
    d.lro(Method::Patch, &item("web01"), Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "targetVmName": "web01-dr"}}})));
    let (_, points) = d.send(
        Method::Get,
        &format!("{}/recoveryPoints", item("web01")),
        None,
    );
    if let Some(id) = points["value"][0]["id"].as_str() {
        d.send(Method::Get, id, None);
    }
    d.list_all(&format!("{}/recoveryPoints", item("web01")));
    d.lro(Method::Post, &format!("{}/testFailover", item("app01")), Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "recoveryPoint": "Latest"}}})));
    d.lro(Method::Post, &format!("{}/plannedFailover", item("web01")), Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": true}}})));
    d.lro(Method::Post, &format!("{}/plannedFailover", item("dc01")), Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": false}}})));
    d.send(
        Method::Post,
        &format!("{}/plannedFailover", item("dc01")),
        Some(json!({"properties": {"customProperties": {"instanceType": "AzStackToAzStack"}}})),
    ); // refused: 409
    d.list_all(&format!("{vault}/jobs"));
    let (_, jobs) = d.send(Method::Get, &format!("{vault}/jobs"), None);
    if let Some(id) = jobs["value"][0]["id"].as_str() {
        d.send(Method::Get, id, None);
        d.send(
            Method::Get,
            &format!("{id}/operations/00000000-0000-0000-0000-000000000000"),
            None,
        );
    }
    // The other spelling of an operation's status (GA).
    let monitor = d.log.iter().rev().find_map(|x| {
        x.response
            .headers
            .get("Azure-AsyncOperation")
            .map(str::to_owned)
    });
    if let Some(m) = monitor {
        let id = m
            .split('?')
            .next()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let rg_name = rg.rsplit('/').next().unwrap();
        d.send(
            Method::Get,
            &format!(
                "{prov}/operationResults/{id}/subscriptions/{}/resourceGroups/{rg_name}/{id}",
                t.target_subscription
            ),
            None,
        );
    }
    let (_, events) = d.send(Method::Get, &format!("{vault}/events"), None);
    if let Some(id) = events["value"][0]["id"].as_str() {
        d.send(Method::Get, id, None);
    }
    d.list_all(&format!("{vault}/events"));

    // Odd but well-formed: missing things, wrong casing, a force delete.
    d.send(Method::Get, &item("nosuchitem"), None);
    d.send(
        Method::Get,
        &format!("{prov}/replicationVaults/nosuchvault"),
        None,
    );
    d.send(
        Method::Get,
        &format!("{prov}/replicationVaults/nosuchvault/jobs"),
        None,
    );
    d.send(
        Method::Get,
        &format!("{}/recoveryPoints/rp19990101000000", item("web01")),
        None,
    );
    d.send(Method::Delete, &item("nosuchitem"), None);
    d.lro(
        Method::Delete,
        &format!("{}?forceDelete=true", item("web01")),
        None,
    );
    d.lro(Method::Delete, &item("app01"), None);
    d.lro(
        Method::Delete,
        &format!("{}?forceDelete=true", item("dc01")),
        None,
    );
    d.lro(Method::Delete, &ext, None);
    d.lro(Method::Delete, &policy, None);
    d.lro(Method::Delete, &vault, None);
    d
}

/// The specs, or `None` (with a note) when `AZS_REFERENCE_DIR` is not set.
fn specs() -> Option<Specs> {
    let Some(dir) = std::env::var_os("AZS_REFERENCE_DIR") else {
        println!("note: AZS_REFERENCE_DIR is not set; the spec conformance of answers is not checked (.ci/run sets it)");
        return None;
    };
    let root = PathBuf::from(dir);
    assert!(
        root.join("datareplication").is_dir(),
        "AZS_REFERENCE_DIR={} has no datareplication/ folder",
        root.display()
    );
    Some(Specs::load(&root))
}

/// The validator is not a rubber stamp: wrong types, missing required properties, undeclared
/// properties, bad dates and closed enums are caught, also below a discriminator.
#[test]
fn the_validator_catches_what_the_spec_forbids() {
    let Some(specs) = specs() else { return };
    let doc = specs.spec_path("2024-09-01");
    let schema = json!({"$ref": "#/definitions/VaultModel"});
    let check = |v: Value| {
        let mut val = Validator {
            specs: &specs,
            errors: Vec::new(),
            unknown_types: BTreeSet::new(),
        };
        val.check(&doc, &schema, &v, "body", true);
        val.errors
    };
    let good = json!({"id": "/x", "name": "v", "type": "t", "location": "seattle", "tags": {"a": "b"},
        "properties": {"vaultType": "DisasterRecovery", "provisioningState": "Succeeded"},
        "systemData": {"createdAt": "2026-01-01T00:00:00Z"}});
    assert_eq!(check(good.clone()), Vec::<String>::new());
    for (bad, says) in [
        (json!({"location": 5}), "body.location: expected string"),
        (
            json!({"name": "v"}),
            "required property 'location' is missing",
        ),
        (
            json!({"location": "l", "colour": "blue"}),
            "body.colour: not declared",
        ),
        (
            json!({"location": "l", "systemData": {"createdAt": "yesterday"}}),
            "not an RFC 3339 date-time",
        ),
        (
            json!({"location": "l", "tags": {"a": 1}}),
            "body.tags.a: expected string",
        ),
    ] {
        let errors = check(bad.clone());
        assert!(errors.iter().any(|e| e.contains(says)), "{bad}: {errors:?}");
    }
    // Below a discriminator: a job's FailoverJobDetails is validated as such.
    let job = json!({"$ref": "#/definitions/JobModel"});
    let mut val = Validator {
        specs: &specs,
        errors: Vec::new(),
        unknown_types: BTreeSet::new(),
    };
    val.check(
        &doc,
        &job,
        &json!({"properties": {"customProperties": {"instanceType": "FailoverJobDetails",
        "protectedItemDetails": [{"recoveryPointTime": "soon"}]}}}),
        "body",
        true,
    );
    assert!(
        val.errors
            .iter()
            .any(|e| e.contains("protectedItemDetails[0].recoveryPointTime")),
        "{:?}",
        val.errors
    );
}

#[test]
fn every_answer_conforms_to_the_spec_of_its_api_version() {
    let Some(specs) = specs() else { return };
    let mut problems = Vec::new();
    let mut unknown_types = BTreeSet::new();
    let mut covered = BTreeSet::new();
    for api in VERSIONS {
        let spec_path = specs.spec_path(api);
        let spec = specs
            .docs
            .get(&spec_path)
            .unwrap_or_else(|| panic!("no spec {}", spec_path.display()))
            .clone();
        let ops = operations(&spec);
        let d = drive(api);
        assert!(d.log.len() > 100, "{api}: only {} exchanges", d.log.len());
        for x in &d.log {
            let url: url::Url = x.url.parse().unwrap();
            let path = url.path();
            let status = x.response.status;
            let where_ = format!("{api} {:?} {path} -> {status}", x.method);
            let body: Option<Value> = if x.response.body.is_empty() {
                None
            } else {
                match serde_json::from_slice(&x.response.body) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        problems.push(format!("{where_}: body is not JSON: {e}"));
                        continue;
                    }
                }
            };
            if body.is_some()
                && !x
                    .response
                    .headers
                    .get("content-type")
                    .is_some_and(|c| c.contains("application/json"))
            {
                problems.push(format!("{where_}: a JSON body without a JSON content-type"));
            }
            let method = format!("{:?}", x.method).to_ascii_uppercase();
            let Some(op) = ops
                .iter()
                .find(|o| o.method == method && matches(&o.template, path))
            else {
                // Not in the spec (inferred actions, Location results): errors are ARM-shaped.
                if status >= 400 {
                    let e = body.as_ref().map(|b| &b["error"]);
                    if !e.is_some_and(|e| e["code"].is_string() && e["message"].is_string()) {
                        problems.push(format!("{where_}: not an ARM error: {body:?}"));
                    }
                }
                continue;
            };
            covered.insert(format!("{api} {method} /{}", op.template.join("/")));
            let responses = op.op["responses"].as_object().unwrap();
            let declared = responses.get(&status.to_string());
            let response = match (declared, status >= 400) {
                (Some(r), _) => r,
                (None, true) if responses.contains_key("default") => &responses["default"],
                _ => {
                    problems.push(format!(
                        "{where_}: status not declared (declared: {:?})",
                        responses.keys().collect::<Vec<_>>()
                    ));
                    continue;
                }
            };
            // Headers: declared integers parse; long-running answers name their monitor.
            if let Some(hs) = response.get("headers").and_then(Value::as_object) {
                for (h, hs) in hs {
                    if let (Some(v), Some("integer")) =
                        (x.response.headers.get(h), hs["type"].as_str())
                    {
                        if v.trim().parse::<i64>().is_err() {
                            problems.push(format!("{where_}: header {h}: '{v}' is not an integer"));
                        }
                    }
                }
            }
            let lro = op.op["x-ms-long-running-operation"].as_bool() == Some(true);
            if lro && (status == 201 || status == 202) {
                let h = &x.response.headers;
                if h.get("Azure-AsyncOperation").is_none() && h.get("Location").is_none() {
                    problems.push(format!("{where_}: a long-running answer without a monitor"));
                }
                if h.get("Retry-After").is_none() {
                    problems.push(format!(
                        "{where_}: a long-running answer without Retry-After"
                    ));
                }
            }
            match (response.get("schema"), &body) {
                (Some(schema), Some(b)) => {
                    let mut v = Validator {
                        specs: &specs,
                        errors: Vec::new(),
                        unknown_types: BTreeSet::new(),
                    };
                    v.check(&spec_path, schema, b, "body", true);
                    problems.extend(v.errors.into_iter().map(|e| format!("{where_}: {e}")));
                    unknown_types.extend(v.unknown_types);
                }
                (Some(_), None) => problems.push(format!("{where_}: no body, the spec has one")),
                (None, Some(b)) if status != 202 => {
                    problems.push(format!("{where_}: a body where the spec has none: {b}"))
                }
                _ => {}
            }
        }
        // Every operation of the spec was exercised.
        for o in &ops {
            let key = format!("{api} {} /{}", o.method, o.template.join("/"));
            if !covered.contains(&key) {
                problems.push(format!("{key}: never exercised"));
            }
        }
    }
    println!(
        "{} spec operations exercised; instance types not in the spec (validated as their base): {unknown_types:?}",
        covered.len()
    );
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
