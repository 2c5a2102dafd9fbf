"""The shipped content's catalog, loaded once per test process: loading and validating ``content/`` costs
about half a second of CPU, and a catalog is frozen, so every test that opens the service shares one."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from dialogs.loader import load_catalog
from dialogs.schema import Catalog
from tests.paths import CONTENT_DIR


@cache
def shipped_catalog() -> Catalog:
    return load_catalog(CONTENT_DIR)


def catalog_of(folder: Path) -> Catalog:
    """The catalog of ``folder``: the shared one for the shipped content, a fresh one for any other."""
    return shipped_catalog() if folder == CONTENT_DIR else load_catalog(folder)
