//! A tiny raw-HTTP driver for the emulator tests (no client: requests are built by hand).
#![allow(dead_code)]

use azs_site_recovery::emulator::Emulator;
use azs_site_recovery::http::{Headers, Method, Request};
use serde_json::{json, Value};

pub const PREVIEW: &str = "2021-02-16-preview";
pub const GA: &str = "2024-09-01";
pub const NEWEST: &str = "2026-05-01";

pub struct Raw {
    pub emu: Emulator,
    pub api: String,
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Headers,
    pub body: Value,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

impl Raw {
    pub fn new(emu: Emulator, api: &str) -> Self {
        Raw {
            emu,
            api: api.to_owned(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            return path.to_owned();
        }
        let base = &self.emu.topology().arm_endpoint;
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{base}{path}{sep}api-version={}", self.api)
    }

    pub fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = Request::new(method, self.url(path).parse().expect("valid url"));
        if let Some(b) = body {
            req = req.with_json(serde_json::to_vec(&b).unwrap());
        }
        let r = self.emu.handle(&req);
        let body = if r.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&r.body).expect("JSON body")
        };
        Answer {
            status: r.status,
            headers: r.headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send(Method::Get, path, None)
    }
    pub fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::Put, path, Some(body))
    }
    pub fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::Post, path, Some(body))
    }
    pub fn delete(&self, path: &str) -> Answer {
        self.send(Method::Delete, path, None)
    }

    /// Follows an LRO to its end like a client: Azure-AsyncOperation first, else Location.
    /// Returns the final status-monitor status ("Succeeded"/"Failed") or the Location answer's
    /// status code as a string.
    pub fn wait(&self, started: &Answer) -> String {
        if let Some(url) = started.header("Azure-AsyncOperation") {
            for _ in 0..500 {
                let a = self.get(url);
                assert_eq!(a.status, 200, "status monitor: {a:?}");
                let s = a.body["status"].as_str().unwrap().to_owned();
                if s != "InProgress" {
                    return s;
                }
                if self.emu.clock_mode() == azs_site_recovery::emulator::ClockMode::Manual {
                    let secs: u64 = a.header("Retry-After").unwrap().parse().unwrap();
                    self.emu.advance(std::time::Duration::from_secs(secs));
                }
            }
            panic!("operation never finished");
        }
        let url = started
            .header("Location")
            .expect("an LRO header")
            .to_owned();
        for _ in 0..500 {
            let a = self.get(&url);
            if a.status != 202 {
                return a.status.to_string();
            }
            if self.emu.clock_mode() == azs_site_recovery::emulator::ClockMode::Manual {
                let secs: u64 = a.header("Retry-After").unwrap().parse().unwrap();
                self.emu.advance(std::time::Duration::from_secs(secs));
            }
        }
        panic!("operation never finished");
    }

    pub fn vault(&self) -> String {
        self.emu.topology().vault_id("asrvault")
    }

    pub fn item_path(&self, name: &str) -> String {
        format!("{}/protectedItems/{name}", self.vault())
    }

    /// The body of an enable-protection PUT for source VM `vm`.
    pub fn enable_body(&self, vm: &str) -> Value {
        let t = self.emu.topology();
        let rg = t
            .target_resource_group_ids
            .iter()
            .find(|g| g.ends_with("/dr-rg"))
            .unwrap()
            .clone();
        json!({
            "properties": {
                "policyName": "default-replication-policy",
                "replicationExtensionName": "default-replication-extension",
                "customProperties": {
                    "instanceType": "AzStackToAzStack",
                    "sourceAzStackVirtualMachineId": t.source_vm_id(vm).unwrap(),
                    "applianceId": t.appliance_id,
                    "targetResourceGroupId": rg,
                    "targetNetworkId": t.target_network_id("dr-vnet").unwrap(),
                    "targetSubnetName": "default",
                    "testNetworkId": t.target_network_id("test-vnet").unwrap(),
                    "testSubnetName": "default",
                    "logStorageAccountId": t.target_storage_account_ids[0],
                }
            }
        })
    }

    /// Enables protection of `vm` as item `name` and polls the item until it is Protected.
    pub fn protect(&self, vm: &str, name: &str) -> Value {
        let a = self.put(&self.item_path(name), self.enable_body(vm));
        assert_eq!(a.status, 201, "{a:?}");
        assert_eq!(self.wait(&a), "Succeeded");
        self.poll_item(name, |p| p["protectionState"] == "Protected")
    }

    /// GETs the item until `cond` holds on its properties (advancing a manual clock by the
    /// Retry-After each time).
    pub fn poll_item(&self, name: &str, cond: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..1000 {
            let a = self.get(&self.item_path(name));
            assert_eq!(a.status, 200, "{a:?}");
            if cond(&a.body["properties"]) {
                return a.body;
            }
            let secs: u64 = a
                .header("Retry-After")
                .map(|s| s.parse().unwrap())
                .unwrap_or(60);
            if self.emu.clock_mode() == azs_site_recovery::emulator::ClockMode::Manual
                || a.header("Retry-After").is_none()
            {
                self.emu.advance(std::time::Duration::from_secs(secs));
            }
        }
        panic!("condition never held for {name}");
    }

    /// POSTs an action and waits for its operation; returns the final Location answer status.
    pub fn action(&self, name: &str, action: &str, custom: Value) -> String {
        let a = self.post(
            &format!("{}/{action}", self.item_path(name)),
            json!({ "properties": { "customProperties": custom } }),
        );
        assert_eq!(a.status, 202, "{action}: {a:?}");
        self.wait(&a)
    }
}
