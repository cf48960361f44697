#!/usr/bin/env python3
"""A DR drill of 100 VMs driven over HTTPS by Microsoft's Python SDK exactly as shipped (default
polling and retry policies), against the emulator's listener: a measurement, not a test of
`cargo test` (run it by hand or from `.ci/run` with AZS_DRILL100=1).

    drill100.py --emulator PATH        (run.sh-style: the venv's python, the example binary)

Enables protection of 100 VMs at once in the listener's ready-made vault (100 pollers), then
test failover of all, cleanup of all, planned failover of all, commit of all, each phase with
its pollers running side by side; prints the wall time of each phase and of the whole drill, and
a closing `N passed, N failed in S s (budget B s)` (DRILL100_BUDGET_SECONDS, default 300).
"""

import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.polling.arm_polling import ARMPolling
from azure.mgmt.recoveryservicesdatareplication import RecoveryServicesDataReplicationMgmtClient

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drive import TOKEN, FakeCredential, start_emulator  # noqa: E402

VMS = 100
STARTED = time.monotonic()
BUDGET = float(os.environ.get("DRILL100_BUDGET_SECONDS", "300"))


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "--emulator":
        print(__doc__)
        return 2
    proc, ann = start_emulator([sys.argv[2], "--vms", str(VMS), "--page-size", "100", "--target-quota", "1000,500"] + sys.argv[3:])
    try:
        return drill(ann)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()


def drill(ann):
    client = RecoveryServicesDataReplicationMgmtClient(
        credential=FakeCredential(TOKEN),
        subscription_id=ann["subscription_id"],
        base_url=ann["endpoint"],
        connection_verify=ann["cert_path"],
    )
    rg, vault = ann["resource_group"], ann["vault_name"]
    net = {i.rsplit("/", 1)[1]: i for i in ann["target_network_ids"]}
    names = [i.rsplit("/", 1)[1].replace("-", "") for i in ann["source_vm_ids"]]
    passed = failed = 0

    def action(name, verb, custom):
        path = f"{ann['vault_id']}/protectedItems/{name}/{verb}"
        req = HttpRequest("POST", client._client.format_url(path, endpoint=client._config.base_url),
                          params={"api-version": "2024-09-01"},
                          json={"properties": {"customProperties": dict({"instanceType": "AzStackToAzStack"}, **custom)}})
        pr = client._client._pipeline.run(req, stream=False)
        return LROPoller(client._client, pr, lambda r: None, ARMPolling(client._config.polling_interval))

    def enable(i):
        body = {"properties": {"policyName": ann["policy_name"], "replicationExtensionName": ann["extension_name"],
                "customProperties": {"instanceType": "AzStackToAzStack", "sourceAzStackVirtualMachineId": ann["source_vm_ids"][i],
                    "applianceId": ann["appliance_id"], "targetResourceGroupId": ann["target_resource_group_ids"][-1],
                    "targetNetworkId": net["dr-vnet"], "targetSubnetName": "default",
                    "testNetworkId": net["test-vnet"], "testSubnetName": "default",
                    "logStorageAccountId": ann["cache_storage_account_id"]}}}
        return client.protected_item.begin_create(rg, vault, names[i], body)

    phases = [
        ("enable protection", lambda i: enable(i), "Protected"),
        ("test failover", lambda i: action(names[i], "testFailover", {"recoveryPoint": "LatestProcessed"}), None),
        ("test failover cleanup", lambda i: action(names[i], "testFailoverCleanup", {}), "Protected"),
        ("planned failover", lambda i: client.protected_item.begin_planned_failover(
            rg, vault, names[i], {"properties": {"customProperties": {"instanceType": "AzStackToAzStack", "shutdownSourceVM": True}}}),
         "PlannedFailoverCompleted"),
        ("commit", lambda i: action(names[i], "commit", {}), "CommitFailoverCompleted"),
    ]
    with ThreadPoolExecutor(max_workers=VMS) as pool:
        for label, start, want in phases:
            t0 = time.monotonic()
            try:
                pollers = list(pool.map(start, range(VMS)))
                list(pool.map(lambda p: p.result(), pollers))
                bad = [p.status() for p in pollers if p.status() != "Succeeded"]
                if want:
                    states = [x.properties.protection_state for x in client.protected_item.list(rg, vault)]
                    bad += [s for s in states if s != want]
                    if len(states) != VMS:
                        bad.append(f"{len(states)} items listed")
                if bad:
                    raise AssertionError(f"{len(bad)} not as expected, e.g. {bad[:3]}")
                passed += 1
                print(f"ok   {label} x{VMS}: {time.monotonic() - t0:.1f} s", flush=True)
            except Exception as e:
                failed += 1
                print(f"FAIL {label} x{VMS}: {type(e).__name__}: {e}", flush=True)
                break
    took = time.monotonic() - STARTED
    print(f"     the drill of {VMS} VMs: {took:.1f} s of wall time", flush=True)
    if took > BUDGET:
        failed += 1
    print(f"{passed} passed, {failed} failed in {took:.1f} s (budget {BUDGET:.0f} s)", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
