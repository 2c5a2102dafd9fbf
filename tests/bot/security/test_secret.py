"""The secret key comes from BOT_SECRET_KEY, or else from a private file generated once under var_dir."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.config import Settings
from bot.security.secret import SecretKeyError, load_or_create_secret

CONFIGURED = "a-configured-secret-key-of-enough-length-123"


def test_configured_key_is_used_and_no_file_is_written(tmp_path: Path) -> None:
    settings = Settings(secret_key=CONFIGURED, var_dir=tmp_path)
    assert load_or_create_secret(settings) == (CONFIGURED, False)
    assert not (tmp_path / "secret.key").exists()


def test_without_a_configured_key_one_is_generated_privately(tmp_path: Path) -> None:
    var_dir = tmp_path / "var" / "nested"
    key, generated = load_or_create_secret(Settings(var_dir=var_dir))
    path = var_dir / "secret.key"
    assert generated is True
    assert len(key) >= 64
    assert path.read_text().strip() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in var_dir.iterdir()] == ["secret.key"]


def test_the_generated_key_is_reused_on_the_next_start(tmp_path: Path) -> None:
    first, _ = load_or_create_secret(Settings(var_dir=tmp_path))
    second, generated = load_or_create_secret(Settings(var_dir=tmp_path))
    assert second == first
    assert generated is True


def test_a_damaged_key_file_is_reported_without_its_content(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("short-key")
    with pytest.raises(SecretKeyError) as caught:
        load_or_create_secret(Settings(var_dir=tmp_path))
    assert "short-key" not in str(caught.value)
