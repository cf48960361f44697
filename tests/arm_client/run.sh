#!/usr/bin/env bash
# Wire conformance with two ARM clients not written with this crate, each against the listener
# (examples/emulator.rs) as shipped, each within a wall-time budget:
#  1. drive.py: Microsoft's Python SDK (azure-mgmt-recoveryservicesdatareplication, api-version
#     2024-09-01) exactly as shipped (no patching, default polling and retry policies), over HTTPS
#     with a bearer token;
#  2. runbook.py: an operator's runbook in plain HTTP with Python's standard library only
#     (urllib), against the documented command `--listen 127.0.0.1:0`, polling by hand and
#     sleeping what Retry-After says.
#
# Needs python3 (with venv and pip) and access to PyPI the first time. Creates a virtualenv under
# the target directory (reused while requirements.txt is unchanged), builds and starts the example in
# the background, runs the clients, stops the servers. Ends with a line `N passed, N failed` (both
# clients added up); exits non-zero on any failure.
#
# Environment: CARGO_TARGET_DIR (as for cargo), ARM_CLIENT_VENV (default
# $CARGO_TARGET_DIR/arm-client-venv, else target/arm-client-venv), PYTHON (default python3),
# AZS_DRILL100=1 (also time a drill of 100 VMs: drill100.py).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 1
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${ARM_CLIENT_VENV:-$target/arm-client-venv}"
python="${PYTHON:-python3}"
token="arm-client-$$-token"
work="$(mktemp -d "${TMPDIR:-/tmp}/azs-arm-client.XXXXXX")"
server_pid=""

fail() {
    echo "run.sh: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# 1. The Python SDK, pinned.
stamp="$venv/.requirements.sha"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$python" -m venv "$venv" || fail "cannot create a virtualenv in $venv (python3-venv installed?)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" \
        || fail "pip install failed (is PyPI reachable?)"
    echo "$want" > "$stamp"
fi

# 2. The emulator example.
cargo build --quiet --example emulator --features emulator-server || fail "cargo build failed"
bin="$target/debug/examples/emulator"
[ -x "$bin" ] || fail "no emulator binary at $bin"

# 3. Start it in the background; its first stdout line is the announcement.
mkfifo "$work/out" || fail "mkfifo failed"
"$bin" --tls --cert-dir "$work/tls" --token "$token" --page-size 2 > "$work/out" &
server_pid=$!
exec 3< "$work/out"
IFS= read -r -t 60 announcement <&3 || fail "the emulator did not announce itself within 60 s"

# 4. Drive it with the SDK.
echo "$announcement" | EMULATOR_TOKEN="$token" "$venv/bin/python" "$here/drive.py" --stdin | tee "$work/drive.log"
drive_status=${PIPESTATUS[1]}

# 5. The stdlib-only runbook, against the documented command (it starts its own listener).
"$python" "$here/runbook.py" --emulator "$bin" | tee "$work/runbook.log"
runbook_status=${PIPESTATUS[0]}

# Optional (AZS_DRILL100=1): a drill of 100 VMs by the SDK, timed (a measurement).
logs="drive runbook"
if [ "${AZS_DRILL100:-0}" = 1 ]; then
    "$venv/bin/python" "$here/drill100.py" --emulator "$bin" | tee "$work/drill100.log"
    logs="$logs drill100"
fi

# 6. Add up. Each script's last line is `N passed, N failed in S s (budget B s)`.
passed=0
failed=0
for log in $logs; do
    last="$(tail -n 1 "$work/$log.log")"
    if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        passed=$((passed + BASH_REMATCH[1]))
        failed=$((failed + BASH_REMATCH[2]))
    else
        echo "run.sh: $log.py stopped early" >&2
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ] || [ "$drive_status" -ne 0 ] || [ "$runbook_status" -ne 0 ]; then
    exit 1
fi
exit 0
