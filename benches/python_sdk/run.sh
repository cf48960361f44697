#!/usr/bin/env bash
# Listing 10,000 protected items: Microsoft's Python SDK against this crate, on one local server
# (benches/python_sdk/compare.py). Optional; not part of `cargo test` or CI.
#
# Needs python3 (with venv and pip) and access to PyPI the first time: the SDK goes into a
# virtualenv under target/ (PYTHON_SDK_VENV to choose another). Usage: run.sh [ROUNDS]
set -eu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${PYTHON_SDK_VENV:-$target/python-sdk-venv}"
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
cargo build --quiet --release --example list_timing
"$venv/bin/python" "$here/compare.py" "$target/release/examples/list_timing" "${1:-3}"
