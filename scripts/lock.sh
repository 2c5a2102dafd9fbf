#!/usr/bin/env bash
# Pin every dependency (and theirs) in requirements.lock, from pyproject.toml's ranges, with pip-tools.
# Run after changing a dependency in pyproject.toml; scripts/test.sh and scripts/serve.sh install from the lock.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/pip" install --quiet --disable-pip-version-check "pip-tools>=7.4"
"$tools/bin/pip-compile" --quiet --strip-extras --extra dev --no-emit-index-url --no-emit-find-links \
    --output-file requirements.lock pyproject.toml
