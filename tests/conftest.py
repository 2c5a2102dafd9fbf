"""Shared fixtures. Nothing is started here: the test command (scripts/test.sh) starts Redis and
PostgreSQL; these fixtures only connect to them. Outside CI a missing server skips its tests; under
``CI=true`` it fails them, so CI never passes for want of a service."""

from __future__ import annotations

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.redis",
    "tests.fixtures.database",
    "tests.fixtures.own_servers",
]
