#!/usr/bin/env python3
"""Drive the emulator with Microsoft's own Python SDK (not written with this crate).

The SDK is `azure-mgmt-recoveryservicesdatareplication` (generated from the same OpenAPI/TypeSpec
as the crate, api-version 2024-09-01). If it can create, read, list (across pages), fail over and
delete through the emulator, the emulator speaks ARM on the wire: shapes, status codes, LRO headers
(`Azure-AsyncOperation`, `Location`, `Retry-After`), `nextLink`.

Usage:
    drive.py --emulator PATH [emulator options...]   start the example binary, read its JSON line
    drive.py --stdin                                 read the JSON line from stdin (server runs elsewhere)

The example is started with `--tls --token ... --page-size 2 --until-stdin-closes`. Over plain
http azure-core (1.41) refuses to send a bearer token ("Bearer token authentication is not
permitted for non-TLS protected (non-https) URLs") unless every single call passes
`enforce_https=False` (a client-level keyword does not work, and pollers' GETs would need it too),
so the client uses HTTPS and trusts the emulator's generated certificate
(`connection_verify=cert_path`).

The SDK runs exactly as shipped: nothing is patched, the pollers and the retry policy are the
SDK's defaults (ARM polling every 30 s unless the service says otherwise in `Retry-After`). The
listener advertises at most 1 s of `Retry-After` while its auto clock moves by the operation's
real step, so the whole script takes seconds. Actions the 2024-09-01 SDK has no method for (the
inferred `testFailover`, `testFailoverCleanup`, `commit`) are sent through the SDK's own pipeline
and polled by its own `LROPoller` + `ARMPolling`, as its generated `begin_*` methods do.

Prints one line per check and a closing `N passed, N failed in S s (budget B s)`; exceeding the
wall-time budget (DRIVE_BUDGET_SECONDS, default 120) is a failure. Exits 1 on any failure.
"""

import json
import os
import subprocess
import sys
import time
import traceback
import urllib.request
import ssl

from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError, ResponseNotReadError
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.recoveryservicesdatareplication import RecoveryServicesDataReplicationMgmtClient

TOKEN = os.environ.get("EMULATOR_TOKEN", "python-sdk-fake-token")
VAULT = "pyvault"
POLICY = "pypolicy"
EXTENSION = "pyextension"
ITEMS = ["web-01", "web-02", "app-01", "app-02", "dc-01"]
DRILL_VM = "file-01"  # protected in the listener's ready-made vault, drilled end to end
STARTED = time.monotonic()
BUDGET = float(os.environ.get("DRIVE_BUDGET_SECONDS", "120"))


class FakeCredential:
    """The smallest TokenCredential: always the token the emulator was started with."""

    def __init__(self, token):
        self.token = token
        self.calls = 0

    def get_token(self, *scopes, **kwargs):
        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)


class Run:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        t0 = time.monotonic()
        try:
            fn()
        except Exception as e:  # report and go on: later checks say what else works
            self.failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(limit=4, file=sys.stdout)
            return False
        self.passed += 1
        print(f"ok   {name} ({time.monotonic() - t0:.1f} s)", flush=True)
        return True


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def start_emulator(argv):
    """Starts the example; returns (process, announcement)."""
    path = argv[0]
    extra = argv[1:]
    args = [path, "--tls", "--token", TOKEN, "--page-size", "2", "--until-stdin-closes"] + extra
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit(f"the emulator printed nothing (exit {proc.poll()})")
    return proc, json.loads(line)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--stdin":
        proc, ann = None, json.loads(sys.stdin.readline())
    elif len(sys.argv) >= 3 and sys.argv[1] == "--emulator":
        proc, ann = start_emulator(sys.argv[2:])
    else:
        print(__doc__)
        return 2
    try:
        return drive(ann)
    finally:
        if proc is not None:
            proc.stdin.close()  # --until-stdin-closes: the emulator stops
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def control(ann, method, path, body=None):
    """Calls the emulator's control endpoint (not ARM; no SDK for it)."""
    ctx = ssl.create_default_context(cafile=ann["cert_path"]) if ann.get("cert_path") else None
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ann["control_endpoint"] + path, data=data, method=method)
    # The control endpoint refuses a change without a JSON content type (DNS-rebinding guard).
    req.add_header("content-type", "application/json")
    with urllib.request.urlopen(req, context=ctx) as r:
        return r.status, json.loads(r.read())


def drive(ann):
    run = Run()
    rg = ann["resource_group"]
    vm_ids = {i.rsplit("/", 1)[1]: i for i in ann["source_vm_ids"]}
    net = {i.rsplit("/", 1)[1]: i for i in ann["target_network_ids"]}
    cred = FakeCredential(TOKEN)
    seen = []  # every response the SDK got: (method, url, status, headers, body)

    def record(pipeline_response):
        r = pipeline_response.http_response
        try:
            text = r.text()
        except ResponseNotReadError:  # a streamed LRO answer: read it (the SDK reads the cache)
            r.read()
            text = r.text()
        seen.append((r.request.method, r.request.url, r.status_code, dict(r.headers), text))

    kwargs = {}
    if ann.get("cert_path"):
        kwargs["connection_verify"] = ann["cert_path"]
    client = RecoveryServicesDataReplicationMgmtClient(
        credential=cred,
        subscription_id=ann["subscription_id"],
        base_url=ann["endpoint"],
        raw_response_hook=record,
        **kwargs,
    )
    expect("2024-09-01" in ann["api_versions"], "the emulator must serve 2024-09-01")
    state = {}

    def wrong_token():
        bad = RecoveryServicesDataReplicationMgmtClient(
            credential=FakeCredential("not-the-token"),
            subscription_id=ann["subscription_id"],
            base_url=ann["endpoint"],
            **kwargs,
        )
        try:
            bad.vault.get(rg, "anything")
        except HttpResponseError as e:
            expect(e.status_code == 401, f"expected 401, got {e.status_code}")
            return
        raise AssertionError("a wrong bearer token was accepted")

    run.check("a wrong bearer token is refused with 401", wrong_token)

    def operations():
        ops = list(client.operations.list())
        expect(len(ops) > 0, "no operations")
        expect(all(o.name.startswith("Microsoft.DataReplication/") for o in ops), ops[0].name)

    run.check("operations list", operations)

    def name_check():
        r = client.check_name_availability.post(
            ann["location"], body={"name": VAULT, "type": "Microsoft.DataReplication/replicationVaults"}
        )
        expect(r.name_available is True, f"{VAULT} should be free: {r}")

    run.check("checkNameAvailability", name_check)

    def fabrics():
        fabs = list(client.fabric.list(rg))
        names = sorted(f.name for f in fabs)
        expect(names == sorted([ann["source_fabric_id"].rsplit("/", 1)[1], ann["target_fabric_id"].rsplit("/", 1)[1]]), names)
        src = client.fabric.get(rg, ann["source_fabric_id"].rsplit("/", 1)[1])
        expect(src.properties.provisioning_state == "Succeeded", src.properties.provisioning_state)
        agents = list(client.fabric_agent.list(rg, src.name))
        expect([a.id.lower() for a in agents] == [ann["appliance_id"].lower()], [a.id for a in agents])
        expect(agents[0].properties.is_responsive is True, "appliance not responsive")

    run.check("fabrics and fabric agents (get, list)", fabrics)

    def vault_create():
        poller = client.vault.begin_create(
            rg, VAULT, {"location": ann["location"], "properties": {"vaultType": "DisasterRecovery"}}
        )
        v = poller.result()
        expect(poller.status() == "Succeeded", poller.status())
        expect(v.name == VAULT, v.name)
        expect(v.properties.provisioning_state == "Succeeded", v.properties.provisioning_state)
        expect(v.properties.vault_type == "DisasterRecovery", v.properties.vault_type)

    if not run.check("vault create (begin_create polled to Succeeded)", vault_create):
        return finish(run)

    def vault_get_list():
        v = client.vault.get(rg, VAULT)
        expect(v.id.lower().endswith(f"/replicationvaults/{VAULT}"), v.id)
        expect(v.location == ann["location"], v.location)
        names = [x.name for x in client.vault.list(rg)]
        expect(VAULT in names, names)
        names = [x.name for x in client.vault.list_by_subscription()]
        expect(VAULT in names, names)
        try:
            client.vault.get(rg, "no-such-vault")
        except ResourceNotFoundError:
            return
        raise AssertionError("a missing vault was found")

    run.check("vault get, list, list_by_subscription, 404", vault_get_list)

    def vault_update():
        v = client.vault.begin_update(rg, VAULT, {"tags": {"owner": "python-sdk"}}).result()
        expect(v.tags == {"owner": "python-sdk"}, v.tags)
        expect(client.vault.get(rg, VAULT).tags == {"owner": "python-sdk"}, "tags not kept")

    run.check("vault update (PATCH, begin_update polled)", vault_update)

    def operation_status():
        monitors = [h.get("Azure-AsyncOperation") for (m, _, st, h, _) in seen if m == "PUT" and st == 201]
        monitors = [u for u in monitors if u]
        expect(monitors, "no PUT answered 201 + Azure-AsyncOperation")
        op_id = monitors[0].split("?")[0].rstrip("/").rsplit("/", 1)[1]
        st = client.location_based_operation_results.get(rg, ann["location"], op_id)
        expect(st.status == "Succeeded", st.status)
        st = client.operation_results.get(rg, op_id)
        expect(st.status == "Succeeded", st.status)

    run.check("operation status (location_based_operation_results, operation_results)", operation_status)

    def alert_settings():
        body = {"properties": {"sendToOwners": True, "customEmailAddresses": ["dr@contoso.example"], "locale": "en-US"}}
        made = client.email_configuration.create(rg, VAULT, "default", body)
        expect(made.properties.send_to_owners is True, made.properties)
        got = client.email_configuration.get(rg, VAULT, "default")
        expect(got.properties.custom_email_addresses == ["dr@contoso.example"], got.properties)
        expect([x.name for x in client.email_configuration.list(rg, VAULT)] == ["default"], "alert settings list")

    run.check("alert settings (email_configuration) create, get, list", alert_settings)

    def preflight():
        r = client.deployment_preflight.post(
            rg,
            "deploy1",
            {"resources": [{"name": "v", "type": "Microsoft.DataReplication/replicationVaults", "location": ann["location"], "apiVersion": "2024-09-01", "properties": {}}]},
        )
        expect(len(r.resources or []) == 1, r)

    run.check("deployment preflight", preflight)

    def policy():
        p = client.policy.begin_create(
            rg,
            VAULT,
            POLICY,
            {
                "properties": {
                    "customProperties": {
                        "instanceType": "AzStackToAzStack",
                        "recoveryPointHistoryInMinutes": 1440,
                        "crashConsistentFrequencyInMinutes": 5,
                        "appConsistentFrequencyInMinutes": 60,
                    }
                }
            },
        ).result()
        expect(p.properties.provisioning_state == "Succeeded", p.properties.provisioning_state)
        got = client.policy.get(rg, VAULT, POLICY)
        expect(got.properties.custom_properties["recoveryPointHistoryInMinutes"] == 1440, got.properties.custom_properties)
        expect([x.name for x in client.policy.list(rg, VAULT)] == [POLICY], "policy list")

    if not run.check("policy create, get, list", policy):
        return finish(run)

    def resume_from_continuation_token():
        body = {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "recoveryPointHistoryInMinutes": 720,
                "crashConsistentFrequencyInMinutes": 5, "appConsistentFrequencyInMinutes": 60}}}
        first = client.policy.begin_create(rg, VAULT, "resumed", body)
        token = first.continuation_token()
        again = client.policy.begin_create(rg, VAULT, "resumed", None, continuation_token=token)
        p = again.result()
        expect(p.name == "resumed" and p.properties.provisioning_state == "Succeeded", p)
        client.policy.begin_delete(rg, VAULT, "resumed").result()

    run.check("a poller resumed from its continuation token", resume_from_continuation_token)

    def extension():
        e = client.replication_extension.begin_create(
            rg,
            VAULT,
            EXTENSION,
            {
                "properties": {
                    "customProperties": {
                        "instanceType": "AzStackToAzStack",
                        "sourceFabricArmId": ann["source_fabric_id"],
                        "targetFabricArmId": ann["target_fabric_id"],
                        "storageAccountId": ann["cache_storage_account_id"],
                    }
                }
            },
        ).result()
        expect(e.properties.provisioning_state == "Succeeded", e.properties.provisioning_state)
        got = client.replication_extension.get(rg, VAULT, EXTENSION)
        expect(got.properties.custom_properties["instanceType"] == "AzStackToAzStack", got.properties.custom_properties)
        expect([x.name for x in client.replication_extension.list(rg, VAULT)] == [EXTENSION], "extension list")

    if not run.check("replication extension create, get, list", extension):
        return finish(run)

    def protect():
        pollers = []
        for vm in ITEMS:
            body = {
                "properties": {
                    "policyName": POLICY,
                    "replicationExtensionName": EXTENSION,
                    "customProperties": {
                        "instanceType": "AzStackToAzStack",
                        "sourceAzStackVirtualMachineId": vm_ids[vm],
                        "applianceId": ann["appliance_id"],
                        "targetResourceGroupId": ann["target_resource_group_ids"][-1],
                        "targetNetworkId": net["dr-vnet"],
                        "targetSubnetName": "default",
                        "testNetworkId": net["test-vnet"],
                        "testSubnetName": "default",
                        "logStorageAccountId": ann["cache_storage_account_id"],
                    },
                }
            }
            pollers.append(client.protected_item.begin_create(rg, VAULT, vm, body))
        for vm, p in zip(ITEMS, pollers):
            item = p.result()
            expect(p.status() == "Succeeded", f"{vm}: {p.status()}")
            expect(item.name == vm, item.name)
            expect(item.properties.protection_state == "Protected", f"{vm}: {item.properties.protection_state}")
            expect(item.properties.replication_health == "Normal", f"{vm}: {item.properties.replication_health}")

    if not run.check(f"protected items create x{len(ITEMS)} (initial replication polled to Protected)", protect):
        return finish(run)

    def items_get_list():
        it = client.protected_item.get(rg, VAULT, "web-01")
        expect(it.properties.policy_name == POLICY, it.properties.policy_name)
        expect(it.properties.custom_properties["instanceType"] == "AzStackToAzStack", it.properties.custom_properties)
        expect("PlannedFailover" in (it.properties.allowed_jobs or []), it.properties.allowed_jobs)
        pages = list(client.protected_item.list(rg, VAULT).by_page())
        names = sorted(x.name for page in pages for x in page)
        expect(names == sorted(ITEMS), names)
        expect(len(pages) == (len(ITEMS) + 1) // 2, f"{len(pages)} pages of 2 for {len(ITEMS)} items")
        ones = list(client.protected_item.list(rg, VAULT, page_size=1).by_page())
        expect(len(ones) == len(ITEMS), f"{len(ones)} pages with pageSize=1")

    run.check("protected item get; list across pages (nextLink)", items_get_list)

    def item_update():
        body = {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "targetVmName": "web-02-dr"}}}
        it = client.protected_item.begin_update(rg, VAULT, "web-02", body).result()
        expect(it.properties.custom_properties["targetVmName"] == "web-02-dr", it.properties.custom_properties)
        got = client.protected_item.get(rg, VAULT, "web-02")
        expect(got.properties.custom_properties["targetVmName"] == "web-02-dr", "update not kept")

    run.check("protected item update (PATCH, begin_update)", item_update)

    def recovery_points():
        control(ann, "POST", "/advance?seconds=3600")
        rps = list(client.recovery_point.list(rg, VAULT, "web-01"))
        expect(len(rps) >= 2, f"{len(rps)} recovery points after an hour")
        one = client.recovery_point.get(rg, VAULT, "web-01", rps[0].name)
        expect(one.id == rps[0].id, (one.id, rps[0].id))
        expect(one.properties.recovery_point_time is not None, "no recoveryPointTime")

    run.check("recovery points list, get (after advancing the clock via /_emulator)", recovery_points)

    def failover():
        poller = client.protected_item.begin_planned_failover(
            rg,
            VAULT,
            "app-01",
            {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": True}}},
        )
        result = poller.result()
        expect(poller.status() == "Succeeded", poller.status())
        expect(result is not None, "no final result (the Location must answer 200 + PlannedFailoverModel)")
        expect(result.properties.custom_properties["shutdownSourceVM"] is True, result.properties.custom_properties)
        it = client.protected_item.get(rg, VAULT, "app-01")
        expect(it.properties.protection_state in ("PlannedFailoverCompleted", "UnplannedFailoverCompleted"), it.properties.protection_state)
        _, st = control(ann, "GET", "/state")
        power = {v["id"].lower(): v["powerState"] for v in st["vms"]}
        expect(power[vm_ids["app-01"].lower()] == "PowerState/deallocated", power[vm_ids["app-01"].lower()])
        state["failed_over"] = True

    run.check("planned failover (begin_planned_failover polled; source VM shut down)", failover)

    def jobs():
        js = list(client.job.list(rg, VAULT))
        kinds = {j.properties.custom_properties["instanceType"] + "/" + (j.properties.display_name or "") for j in js}
        expect(len(js) >= len(ITEMS), f"{len(js)} jobs")
        expect(all(j.properties.state == "Succeeded" for j in js), [(j.name, j.properties.state) for j in js])
        expect(any("failover" in k.lower() for k in kinds), kinds)
        one = client.job.get(rg, VAULT, js[0].name)
        expect(one.id == js[0].id, (one.id, js[0].id))
        expect(len(one.properties.tasks or []) > 0, "a job without tasks")

    run.check("jobs list (across pages), get", jobs)

    def events():
        es = list(client.event.list(rg, VAULT))
        expect(len(es) > 0, "no events")
        one = client.event.get(rg, VAULT, es[0].name)
        expect(one.id == es[0].id, (one.id, es[0].id))
        expect(one.properties.event_name, "no eventName")

    run.check("events list, get", events)

    def throttled_then_retried():
        code, _ = control(ann, "POST", "/faults", {"kind": "throttle", "method": "GET", "pathContains": "/replicationPolicies/", "times": 1})
        expect(code == 201, code)
        p = client.policy.get(rg, VAULT, POLICY)  # the SDK's retry policy honours 429 + Retry-After
        expect(p.name == POLICY, p.name)

    run.check("a 429 injected via /_emulator/faults is retried by the SDK", throttled_then_retried)

    def delete_items():
        for vm in ITEMS:
            client.protected_item.begin_delete(rg, VAULT, vm, force_delete=True).result()
        left = [x.name for x in client.protected_item.list(rg, VAULT)]
        expect(left == [], left)
        try:
            client.protected_item.get(rg, VAULT, "web-01")
        except ResourceNotFoundError:
            return
        raise AssertionError("a deleted item is still there")

    run.check("protected items delete (begin_delete polled), then 404", delete_items)

    def delete_vault():
        client.replication_extension.begin_delete(rg, VAULT, EXTENSION).result()
        client.policy.begin_delete(rg, VAULT, POLICY).result()
        client.vault.begin_delete(rg, VAULT).result()
        expect(VAULT not in [x.name for x in client.vault.list(rg)], "vault still listed")

    run.check("extension, policy, vault delete", delete_vault)

    # The drill an operator runs on the listener's ready-made vault (no set-up of their own):
    # enable -> test failover -> cleanup -> planned failover -> commit, all with default polling.
    drill = {}

    def ready_vault():
        expect(ann.get("vault_id"), "the announcement names no ready vault")
        v = client.vault.get(rg, ann["vault_name"])
        expect(v.id.lower() == ann["vault_id"].lower(), (v.id, ann["vault_id"]))
        p = client.policy.get(rg, ann["vault_name"], ann["policy_name"])
        expect(p.properties.provisioning_state == "Succeeded", p.properties.provisioning_state)
        e = client.replication_extension.get(rg, ann["vault_name"], ann["extension_name"])
        expect(e.properties.provisioning_state == "Succeeded", e.properties.provisioning_state)
        drill["item"] = f"{ann['vault_id']}/protectedItems/{DRILL_VM}"
        drill["t0"] = time.monotonic()

    if not run.check("the announced vault, policy and extension exist (ready for a drill)", ready_vault):
        return finish(run)

    def action(name, body):
        """POST {item}/{name} through the SDK's own pipeline, polled by its LROPoller + ARMPolling
        with the client's default interval: what the generated begin_* methods do."""
        req = HttpRequest("POST", client._client.format_url(f"{drill['item']}/{name}", endpoint=client._config.base_url), params={"api-version": "2024-09-01"}, json=body)
        pr = client._client._pipeline.run(req, stream=False)
        if pr.http_response.status_code not in (200, 202):
            raise HttpResponseError(response=pr.http_response)
        poller = LROPoller(client._client, pr, lambda r: None, ARMPolling(client._config.polling_interval))
        poller.result()
        expect(poller.status() == "Succeeded", f"{name}: {poller.status()}")
        return client.protected_item.get(rg, ann["vault_name"], DRILL_VM)

    def vms():
        _, st = control(ann, "GET", "/state")
        return {v["id"].rsplit("/", 1)[1].lower() for v in st["vms"]}

    def drill_enable():
        body = {"properties": {"policyName": ann["policy_name"], "replicationExtensionName": ann["extension_name"],
                "customProperties": {"instanceType": "AzStackToAzStack", "sourceAzStackVirtualMachineId": vm_ids[DRILL_VM],
                    "applianceId": ann["appliance_id"], "targetResourceGroupId": ann["target_resource_group_ids"][-1],
                    "targetNetworkId": net["dr-vnet"], "targetSubnetName": "default",
                    "testNetworkId": net["test-vnet"], "testSubnetName": "default",
                    "logStorageAccountId": ann["cache_storage_account_id"]}}}
        it = client.protected_item.begin_create(rg, ann["vault_name"], DRILL_VM, body).result()
        expect(it.properties.protection_state == "Protected", it.properties.protection_state)

    def drill_test_failover():
        it = action("testFailover", {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "recoveryPoint": "Latest"}}})
        expect(it.properties.test_failover_state not in (None, "None"), f"test failover state {it.properties.test_failover_state}")
        expect(f"{DRILL_VM}-test" in vms(), f"no {DRILL_VM}-test VM after a test failover")

    def drill_cleanup():
        it = action("testFailoverCleanup", {"properties": {"customProperties": {"instanceType": "AzStackToAzStack"}}})
        expect(f"{DRILL_VM}-test" not in vms(), f"{DRILL_VM}-test still there after the cleanup")
        expect(it.properties.protection_state == "Protected", it.properties.protection_state)

    def drill_planned_failover():
        client.protected_item.begin_planned_failover(
            rg, ann["vault_name"], DRILL_VM,
            {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": True}}},
        ).result()
        it = client.protected_item.get(rg, ann["vault_name"], DRILL_VM)
        expect(it.properties.protection_state == "PlannedFailoverCompleted", it.properties.protection_state)

    def drill_commit():
        it = action("commit", {"properties": {"customProperties": {"instanceType": "AzStackToAzStack"}}})
        expect(it.properties.protection_state == "CommitFailoverCompleted", it.properties.protection_state)
        took = time.monotonic() - drill["t0"]
        print(f"     drill enable -> test failover -> cleanup -> planned failover -> commit: {took:.1f} s", flush=True)
        expect(took < 60, f"the drill took {took:.1f} s of wall time (more than a minute)")

    for name, fn in [("enable protection", drill_enable), ("test failover (Latest)", drill_test_failover),
                     ("test failover cleanup", drill_cleanup), ("planned failover", drill_planned_failover),
                     ("commit (the whole drill under a minute of wall time)", drill_commit)]:
        if not run.check(f"drill on the ready vault: {name}", fn):
            break

    def wire():
        problems = []
        origin = ann["endpoint"].lower()
        for (m, url, st, h, body) in seen:
            hl = {k.lower(): v for k, v in h.items()}
            where = f"{m} {url.split('?')[0]} -> {st}"
            if "x-ms-request-id" not in hl:
                problems.append(f"{where}: no x-ms-request-id")
            if body and "json" not in hl.get("content-type", ""):
                problems.append(f"{where}: body without a JSON content-type")
            synchronous = "/alertsettings/" in url.lower()  # the spec's only non-LRO PUT here
            if not synchronous and (m in ("PUT", "PATCH", "DELETE") and st in (201, 202) or (m == "POST" and st == 202)):
                if not (hl.get("azure-asyncoperation") or hl.get("location")):
                    problems.append(f"{where}: an LRO answer without Azure-AsyncOperation or Location")
                if "retry-after" not in hl:
                    problems.append(f"{where}: an LRO answer without Retry-After")
            for k in ("azure-asyncoperation", "location"):
                if k in hl and not hl[k].lower().startswith(origin):
                    problems.append(f"{where}: {k} {hl[k]} is not on {origin}")
            if st == 200 and body.startswith("{") and '"nextLink"' in body:
                nl = json.loads(body).get("nextLink")
                if nl and not nl.lower().startswith(origin):
                    problems.append(f"{where}: nextLink {nl} is not on {origin}")
        expect(len(seen) > 50, f"only {len(seen)} responses recorded")
        expect(not problems, "\n  ".join(problems[:20]))

    run.check("wire: request ids, JSON content types, LRO headers, nextLink/Location on the endpoint", wire)
    expect(cred.calls > 0, "the credential was never asked for a token")
    return finish(run)


def finish(run):
    took = time.monotonic() - STARTED
    if took > BUDGET:
        run.failed += 1
        print(f"FAIL the whole script within its wall-time budget: {took:.1f} s > {BUDGET:.0f} s", flush=True)
    print(f"{run.passed} passed, {run.failed} failed in {took:.1f} s (budget {BUDGET:.0f} s)", flush=True)
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
