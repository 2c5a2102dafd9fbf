"""The real content, loaded once per test session for every dialog test."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.loader import load_catalog
from dialogs.schema import Catalog

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = REPO_ROOT / "content"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(CONTENT_DIR)
