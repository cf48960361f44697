#!/usr/bin/env python3
"""An operator's runbook against the emulator, in plain HTTP with Python's standard library only.

No SDK and nothing from this crate: what a `curl` / `az rest` runbook does, written out. Against
the listener started exactly as documented (`--listen 127.0.0.1:0`, nothing else but
`--until-stdin-closes` so that it stops with this script):

  create a vault, a replication policy and a replication extension (PUT, then poll the
  `Azure-AsyncOperation` URL by hand, sleeping what `Retry-After` says), protect a VM (PUT, poll
  to `Succeeded`, the item `Protected`), test failover, clean the test up, planned failover,
  commit (POST, poll the `Location` / `Azure-AsyncOperation` URL the same way), then clean up
  (disable protection, delete the extension, the policy and the vault).

Usage:
    runbook.py --emulator PATH [emulator options...]   start the listener, read its JSON line
    runbook.py --stdin                                 read the JSON line from stdin

Prints one line per step and a closing `N passed, N failed in S s (budget B s)`; exceeding the
wall-time budget (RUNBOOK_BUDGET_SECONDS, default 60) is a failure. Exits 1 on any failure.
"""

import json
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

API = "api-version=2024-09-01"
VAULT = "runbookvault"
POLICY = "runbookpolicy"
EXTENSION = "runbookextension"
VM = "web-03"
STARTED = time.monotonic()
BUDGET = float(os.environ.get("RUNBOOK_BUDGET_SECONDS", "60"))
MAX_POLLS = 120  # no loop is unbounded: a stuck operation fails the step instead


class Http:
    """Requests with the bearer token (if any) and the emulator's certificate (if TLS)."""

    def __init__(self, ann, token):
        self.ann = ann
        self.token = token
        self.ctx = ssl.create_default_context(cafile=ann["cert_path"]) if ann.get("cert_path") else None
        self.requests = 0
        self.slept = 0.0

    def call(self, method, url, body=None):
        if not url.startswith("http"):
            url = self.ann["endpoint"] + url
        if "api-version=" not in url:
            url += ("&" if "?" in url else "?") + API
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("accept", "application/json")
        if data is not None:
            req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", f"Bearer {self.token}")
        self.requests += 1
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=30) as r:
                status, headers, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, headers, raw = e.code, e.headers, e.read()
        text = raw.decode("utf-8") if raw else ""
        return status, headers, (json.loads(text) if text else None)

    def wait(self, headers):
        """Sleeps what Retry-After says (seconds; ARM sends whole seconds)."""
        secs = float(headers.get("Retry-After") or 0)
        time.sleep(secs)
        self.slept += secs

    def lro(self, method, url, body=None):
        """Sends an ARM long-running operation and polls it to the end by hand. Returns the
        final operation status (Azure-AsyncOperation) or the final resource (Location)."""
        status, headers, out = self.call(method, url, body)
        if status not in (200, 201, 202, 204):
            raise AssertionError(f"{method} {url} -> {status}: {out}")
        monitor = headers.get("Azure-AsyncOperation")
        location = headers.get("Location")
        if status in (200, 204) and not (monitor or location):
            return out  # finished synchronously
        if not (monitor or location):
            raise AssertionError(f"{method} {url} -> {status} without Azure-AsyncOperation or Location")
        for _ in range(MAX_POLLS):
            self.wait(headers)
            if monitor:
                status, headers, op = self.call("GET", monitor)
                expect(status == 200, f"GET {monitor} -> {status}: {op}")
                if op["status"] in ("Succeeded", "Failed", "Canceled"):
                    expect(op["status"] == "Succeeded", f"{method} {url}: {op}")
                    return op
            else:
                status, headers, out = self.call("GET", location)
                if status == 202:
                    continue
                expect(status in (200, 204), f"GET {location} -> {status}: {out}")
                return out
        raise AssertionError(f"{method} {url} still running after {MAX_POLLS} polls")


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def step(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # report and stop: each step needs the one before
            self.failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            return False
        self.passed += 1
        print(f"ok   {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        return True

    def finish(self):
        took = time.monotonic() - STARTED
        if took > BUDGET:
            self.failed += 1
            print(f"FAIL the whole runbook within its wall-time budget: {took:.1f} s > {BUDGET:.0f} s", flush=True)
        print(f"{self.passed} passed, {self.failed} failed in {took:.1f} s (budget {BUDGET:.0f} s)", flush=True)
        return 0 if self.failed == 0 else 1


def runbook(ann, token):
    http = Http(ann, token)
    run = Run()
    rg_id = ann["resource_group_id"]
    vault = f"{rg_id}/providers/Microsoft.DataReplication/replicationVaults/{VAULT}"
    item = f"{vault}/protectedItems/{VM}"
    vms = {i.rsplit("/", 1)[1]: i for i in ann["source_vm_ids"]}
    nets = {i.rsplit("/", 1)[1]: i for i in ann["target_network_ids"]}

    def power():
        status, _, st = http.call("GET", ann["control_endpoint"] + "/state")
        expect(status == 200, f"control state -> {status}")
        return {v["id"].lower(): v["powerState"] for v in st["vms"]}

    def get_item():
        status, _, it = http.call("GET", item)
        expect(status == 200, f"GET {item} -> {status}: {it}")
        return it["properties"]

    def create_vault():
        op = http.lro("PUT", vault, {"location": ann["location"], "properties": {"vaultType": "DisasterRecovery"}})
        expect(op["status"] == "Succeeded", op)
        _, _, v = http.call("GET", vault)
        expect(v["properties"]["provisioningState"] == "Succeeded", v)

    def create_policy():
        http.lro("PUT", f"{vault}/replicationPolicies/{POLICY}", {"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 1440,
            "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60}}})

    def create_extension():
        http.lro("PUT", f"{vault}/replicationExtensions/{EXTENSION}", {"properties": {"customProperties": {
            "instanceType": "AzStackToAzStack", "sourceFabricArmId": ann["source_fabric_id"],
            "targetFabricArmId": ann["target_fabric_id"], "storageAccountId": ann["cache_storage_account_id"]}}})

    def protect():
        http.lro("PUT", item, {"properties": {"policyName": POLICY, "replicationExtensionName": EXTENSION,
            "customProperties": {"instanceType": "AzStackToAzStack", "sourceAzStackVirtualMachineId": vms[VM],
                "applianceId": ann["appliance_id"], "targetResourceGroupId": ann["target_resource_group_ids"][-1],
                "targetNetworkId": nets["dr-vnet"], "targetSubnetName": "default",
                "testNetworkId": nets["test-vnet"], "testSubnetName": "default",
                "logStorageAccountId": ann["cache_storage_account_id"]}}})
        p = get_item()
        expect(p["protectionState"] == "Protected", p["protectionState"])
        expect(p["replicationHealth"] == "Normal", p["replicationHealth"])

    def action(name, custom):
        http.lro("POST", f"{item}/{name}", {"properties": {"customProperties": dict({"instanceType": "AzStackToAzStack"}, **custom)}})
        return get_item()

    def test_failover():
        p = action("testFailover", {"recoveryPoint": "LatestProcessed"})
        expect(p["testFailoverState"] not in (None, "None"), p["testFailoverState"])
        test_vms = [i for i, p in power().items() if i.endswith(f"/{VM}-test") and p == "PowerState/running"]
        expect(test_vms, f"no running {VM}-test")

    def cleanup_test():
        p = action("testFailoverCleanup", {})
        expect(not [i for i in power() if i.endswith(f"/{VM}-test")], f"{VM}-test is still there")
        expect(p["protectionState"] == "Protected", p["protectionState"])

    def planned_failover():
        p = action("plannedFailover", {"shutdownSourceVM": True})
        expect(p["protectionState"] == "PlannedFailoverCompleted", p["protectionState"])
        expect(power()[vms[VM].lower()] == "PowerState/deallocated", power()[vms[VM].lower()])

    def commit():
        p = action("commit", {})
        expect(p["protectionState"] == "CommitFailoverCompleted", p["protectionState"])

    def jobs():
        status, _, page = http.call("GET", f"{vault}/jobs")
        expect(status == 200, status)
        names = []
        while True:
            names += [j["properties"]["displayName"] for j in page["value"]]
            expect(all(j["properties"]["state"] == "Succeeded" for j in page["value"]), page["value"])
            if not page.get("nextLink"):
                break
            _, _, page = http.call("GET", page["nextLink"])
        expect(len(names) >= 5, names)

    def clean_up():
        http.lro("DELETE", item + "?forceDelete=true&" + API)
        expect(http.call("GET", item)[0] == 404, "the protected item is still there")
        for child in (f"{vault}/replicationExtensions/{EXTENSION}", f"{vault}/replicationPolicies/{POLICY}", vault):
            http.lro("DELETE", child)
            expect(http.call("GET", child)[0] == 404, f"{child} is still there")

    steps = [
        ("create vault (PUT, Azure-AsyncOperation polled by hand)", create_vault),
        ("create replication policy", create_policy),
        ("create replication extension", create_extension),
        (f"protect {VM} (initial replication polled to Protected)", protect),
        ("test failover (LatestProcessed); the test VM runs", test_failover),
        ("test failover cleanup; the test VM is gone", cleanup_test),
        ("planned failover; the source VM is shut down", planned_failover),
        ("commit", commit),
        ("jobs list (nextLink followed): every job succeeded", jobs),
        ("clean up: disable protection, delete extension, policy, vault", clean_up),
    ]
    for name, fn in steps:
        if not run.step(name, fn):
            break
    print(f"     {http.requests} requests, {http.slept:.0f} s slept as Retry-After asked", flush=True)
    return run.finish()


def main():
    token = os.environ.get("EMULATOR_TOKEN")
    if len(sys.argv) >= 2 and sys.argv[1] == "--stdin":
        return runbook(json.loads(sys.stdin.readline()), token)
    if len(sys.argv) >= 3 and sys.argv[1] == "--emulator":
        args = [sys.argv[2], "--listen", "127.0.0.1:0", "--until-stdin-closes"] + sys.argv[3:]
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            if not line:
                print(f"the emulator printed nothing (exit {proc.poll()})", flush=True)
                print("0 passed, 1 failed", flush=True)
                return 1
            return runbook(json.loads(line), token)
        finally:
            proc.stdin.close()  # --until-stdin-closes: the emulator stops
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
