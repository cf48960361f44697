"""Lists 10,000 protected items (100 pages of 100) from one local HTTP server with Microsoft's
Python SDK (azure-mgmt-recoveryservicesdatareplication) and with this crate
(examples/list_timing.rs), and prints both times and their ratio.

Not part of `cargo test`; run through benches/python_sdk/run.sh, which makes the virtualenv.
Usage: compare.py PATH_TO_LIST_TIMING_BINARY [ROUNDS]
"""

import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from azure.core.credentials import AccessToken
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.mgmt.recoveryservicesdatareplication import RecoveryServicesDataReplicationMgmtClient

SUB = "00000000-0000-0000-0000-000000000000"
VAULT = f"/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationVaults/vault1"
PAGES, PER_PAGE = 100, 100


def item(i):
    """The same ~4 KB protected item as benches/client.rs."""
    name = f"vm{i:05}"
    iid = f"{VAULT}/protectedItems/{name}"
    vm = f"/subscriptions/{SUB}/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/{name}"
    return {
        "id": iid, "name": name, "type": "Microsoft.DataReplication/replicationVaults/protectedItems",
        "systemData": {"createdBy": "ops@contoso.com", "createdByType": "User",
                       "createdAt": "2026-01-02T03:04:05.1234567Z", "lastModifiedBy": "ops@contoso.com",
                       "lastModifiedByType": "User", "lastModifiedAt": "2026-01-03T03:04:05Z"},
        "properties": {
            "policyName": "policy1", "replicationExtensionName": "ext1",
            "correlationId": f"c0ffee00-0000-0000-0000-{i:012}",
            "provisioningState": "Succeeded", "protectionState": "Protected",
            "protectionStateDescription": "Protected", "testFailoverState": "None",
            "testFailoverStateDescription": "None", "resynchronizationState": "None",
            "fabricObjectId": vm, "fabricObjectName": name,
            "sourceFabricProviderId": "AzStack", "targetFabricProviderId": "AzStack",
            "fabricId": f"/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationFabrics/source",
            "targetFabricId": f"/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.DataReplication/replicationFabrics/target",
            "draId": "appliance1", "targetDraId": "appliance2", "resyncRequired": False,
            "lastSuccessfulTestFailoverTime": "2026-01-10T00:00:00Z",
            "currentJob": {"scenarioName": "EnableProtection", "id": f"{VAULT}/jobs/job{i}",
                           "name": f"job{i}", "displayName": "Enable protection", "state": "Succeeded",
                           "startTime": "2026-01-02T03:04:05Z", "endTime": "2026-01-02T05:04:05Z"},
            "allowedJobs": ["TestFailover", "PlannedFailover", "UnplannedFailover", "DisableProtection"],
            "replicationHealth": "Normal", "healthErrors": [],
            "customProperties": {
                "instanceType": "AzStackToAzStack",
                "sourceAzStackVirtualMachineId": vm,
                "applianceId": "appliance1",
                "targetResourceGroupId": f"/subscriptions/{SUB}/resourceGroups/recovery",
                "targetNetworkId": f"/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/recovery",
                "targetSubnetName": "default",
                "testNetworkId": f"/subscriptions/{SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/test",
                "testSubnetName": "default",
                "logStorageAccountId": f"/subscriptions/{SUB}/resourceGroups/dr-rg/providers/Microsoft.Storage/storageAccounts/cache1",
                "targetVmName": name, "targetVmSize": "Standard_DS2_v2",
                "activeLocation": "Primary", "sourceVmName": name, "osType": "Windows",
                "initialReplicationProgressPercentage": 100, "resyncProgressPercentage": 0,
                "lastRecoveryPointReceived": "2026-01-11T10:00:00.1234567Z",
                "lastRecoveryPointId": f"{iid}/recoveryPoints/rp1",
                "protectedDisks": [
                    {"sourceDiskId": f"{vm}/disks/os", "sourceDiskName": "os", "isOsDisk": True,
                     "capacityInBytes": 136365211648, "seedManagedDiskId": "seed-os"},
                    {"sourceDiskId": f"{vm}/disks/data0", "sourceDiskName": "data0", "isOsDisk": False,
                     "capacityInBytes": 1099511627776, "seedManagedDiskId": "seed-data0"},
                ],
                "protectedNics": [{"nicId": f"{vm}/nics/nic0", "macAddress": "00-15-5D-00-00-01",
                                   "networkName": "apps", "targetNetworkId": "recovery", "testNetworkId": "test"}],
            },
        },
    }


def serve():
    bodies = [[item(i) for i in range(p * PER_PAGE, (p + 1) * PER_PAGE)] for p in range(PAGES)]
    # Each page is serialized once, on its first request, so the server costs little of the
    # time measured (it shares the machine with both clients).
    cache = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            q = parse_qs(urlparse(self.path).query)
            page = int(q.get("$skiptoken", ["0"])[0]) % PAGES
            data = cache.get(page)
            if data is None:
                body = {"value": bodies[page]}
                if page + 1 < PAGES:
                    port = self.server.server_address[1]
                    body["nextLink"] = (f"http://127.0.0.1:{port}{VAULT}/protectedItems"
                                        f"?api-version=2024-09-01&$skiptoken={page + 1}")
                data = cache[page] = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class NoToken:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("unused", int(time.time()) + 3600)


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    server = serve()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    client = RecoveryServicesDataReplicationMgmtClient(
        credential=NoToken(), subscription_id=SUB, base_url=endpoint,
        # Plain HTTP on loopback: no bearer token (the SDK refuses one over HTTP).
        authentication_policy=SansIOHTTPPolicy(),
    )
    # Warm the server's page cache first.
    sum(1 for _ in client.protected_item.list("dr-rg", "vault1"))
    py = []
    for _ in range(rounds):
        t = time.perf_counter()
        n = sum(1 for _ in client.protected_item.list("dr-rg", "vault1"))
        py.append(time.perf_counter() - t)
        assert n == PAGES * PER_PAGE, n
    out = subprocess.run([binary, endpoint, SUB, "dr-rg", "vault1", str(rounds)],
                         check=True, capture_output=True, text=True).stdout
    rust = [float(line.split()[2]) / 1e3 for line in out.splitlines() if line.endswith(" ms")]
    py_best, rust_best = min(py), min(rust)
    print(f"list {PAGES * PER_PAGE} items in {PAGES} pages from one local server (best of {rounds}): "
          f"Python SDK {py_best * 1e3:.0f} ms, azs-site-recovery {rust_best * 1e3:.0f} ms, "
          f"the crate is {py_best / rust_best:.0f}x faster")
    server.shutdown()


if __name__ == "__main__":
    main()
