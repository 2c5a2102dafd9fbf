"""Settings come from BOT_* variables; a bad value stops start-up with one line naming the variable."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from bot.config import SettingsError, load_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "BOT_TRUSTED_PROXIES",
        "BOT_WORKERS",
        "BOT_PORT",
        "BOT_WECHAT_PREVIOUS_AES_KEY",
        "BOT_WECHAT_AES_KEY",
        "BOT_WECHAT_APP_ID",
        "BOT_WECHAT_MODE",
        "BOT_SESSION_MAX_HOURS",
        "BOT_RETENTION_DAYS",
        "BOT_WAITING_CLOSE_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TRUSTED_PROXIES", " 10.0.0.5, 172.16.0.0/12,,::1 ")
    assert load_settings().trusted_proxies == (
        ip_network("10.0.0.5/32"),
        ip_network("172.16.0.0/12"),
        ip_network("::1/128"),
    )


def test_no_proxy_is_trusted_unless_configured() -> None:
    assert load_settings().trusted_proxies == ()


@pytest.mark.parametrize("value", ["10.0.0.x", "nginx", "10.0.0.0/33"])
def test_a_proxy_entry_that_is_not_an_address_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("BOT_TRUSTED_PROXIES", f"10.0.0.1,{value}")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == f"BOT_TRUSTED_PROXIES: Value error, not an IP address or network: '{value}'"


@pytest.mark.parametrize(("value", "valid"), [("1", True), ("64", True), ("0", False), ("65", False)])
def test_workers_are_between_one_and_sixty_four(monkeypatch: pytest.MonkeyPatch, value: str, valid: bool) -> None:
    monkeypatch.setenv("BOT_WORKERS", value)
    if valid:
        assert load_settings().workers == int(value)
    else:
        with pytest.raises(SettingsError, match="BOT_WORKERS"):
            load_settings()


def test_the_previous_aes_key_is_checked_like_the_current_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WECHAT_PREVIOUS_AES_KEY", "too-short")
    with pytest.raises(SettingsError, match=r"BOT_WECHAT_PREVIOUS_AES_KEY: .*43 characters"):
        load_settings()


AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.mark.parametrize(
    ("aes_key", "mode", "effective"),
    [(None, None, "plain"), (AES_KEY, None, "safe"), (AES_KEY, "compatible", "compatible"), (None, "plain", "plain")],
)
def test_wechat_mode_is_safe_by_default_once_an_aes_key_is_set(
    monkeypatch: pytest.MonkeyPatch, aes_key: str | None, mode: str | None, effective: str
) -> None:
    monkeypatch.setenv("BOT_WECHAT_APP_ID", "wx0123456789")
    if aes_key is not None:
        monkeypatch.setenv("BOT_WECHAT_AES_KEY", aes_key)
    if mode is not None:
        monkeypatch.setenv("BOT_WECHAT_MODE", mode)
    assert load_settings().effective_wechat_mode == effective


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_a_mode_that_opens_sealed_pushes_needs_the_key_and_the_app_id(
    monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("BOT_WECHAT_MODE", mode)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert str(raised.value) == (
        f"BOT_WECHAT_MODE: {mode} needs BOT_WECHAT_AES_KEY and BOT_WECHAT_APP_ID to open sealed pushes"
    )


def test_an_unknown_wechat_mode_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_WECHAT_MODE", "encrypted")
    with pytest.raises(SettingsError, match=r"^BOT_WECHAT_MODE: Input should be 'plain', 'compatible' or 'safe'$"):
        load_settings()


def test_staff_sessions_end_twelve_hours_after_login_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().session_max_hours == 12
    monkeypatch.setenv("BOT_SESSION_MAX_HOURS", "8")
    assert load_settings().session_max_hours == 8
    monkeypatch.setenv("BOT_SESSION_MAX_HOURS", "0")
    with pytest.raises(SettingsError, match="BOT_SESSION_MAX_HOURS"):
        load_settings()


def test_finished_cases_keep_personal_data_three_years_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().retention_days == 3 * 365
    monkeypatch.setenv("BOT_RETENTION_DAYS", "730")
    assert load_settings().retention_days == 730
    monkeypatch.setenv("BOT_RETENTION_DAYS", "7")
    with pytest.raises(SettingsError, match="BOT_RETENTION_DAYS"):
        load_settings()


def test_cases_waiting_on_the_resident_close_after_two_weeks_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().waiting_close_days == 14
    monkeypatch.setenv("BOT_WAITING_CLOSE_DAYS", "1")
    with pytest.raises(SettingsError, match="BOT_WAITING_CLOSE_DAYS"):
        load_settings()
