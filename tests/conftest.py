"""Shared fixtures. Nothing is started here: the test command (scripts/test.sh) starts Redis and
PostgreSQL; these fixtures only connect to them. Outside CI a missing server skips its tests; under
``CI=true`` it fails them, so CI never passes for want of a service."""

from __future__ import annotations

from hypothesis import settings

# Property tests check what the code does, not how fast: speed is measured by `benchmarks/`. On a shared
# two-core machine one example can take 300 ms under load, and Hypothesis' default 200 ms deadline then
# fails a correct test.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.redis",
    "tests.fixtures.database",
    "tests.fixtures.own_servers",
]
