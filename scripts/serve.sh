#!/usr/bin/env bash
# Try the service on its embedded defaults: no Redis or database server needed.
# Installs into .venv (creating it, with apt's python3-venv if needed and root), then runs
# `python -m bot serve`, which prints what to open or run next. Extra arguments go to serve.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/common.sh
source scripts/common.sh

make_venv ''
exec .venv/bin/python -m bot serve "$@"
