"""The metrics module on its own: labels stay within fixed sets, ``BOT_METRICS=off`` records nothing, and
the multiprocess folder of ``serve --workers`` starts empty and is removed when the service stops."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import values

from bot.config import SettingsError, load_settings
from bot.observability import metrics
from tests.bot.observability.scrape import Scrape


@pytest.fixture
def recording() -> Iterator[None]:
    metrics.set_enabled(True)
    yield
    metrics.set_enabled(True)


@pytest.fixture
def single_process() -> Iterator[None]:
    """Whatever a test does to multiprocess mode is undone: the rest of the run counts in memory."""
    yield
    os.environ.pop(metrics.MULTIPROCESS_DIR_VARIABLE, None)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    metrics._metrics = None


def _now() -> Scrape:
    return Scrape(metrics.exposition().decode())


def test_a_service_outside_the_known_form_is_counted_as_other(recording: None) -> None:
    before = _now()

    metrics.count_case("o6_someone 13812345678")
    metrics.count_case("living-allowance")

    after = _now()
    assert (
        after.value("bot_cases_created_total", service="other")
        - before.value("bot_cases_created_total", service="other")
        == 1
    )
    assert "13812345678" not in after.text


def test_a_method_outside_get_and_post_is_other(recording: None) -> None:
    before = _now()

    metrics.count_staff_request("(no route)", "PROPFIND-o6", 405)

    after = _now()
    labels = {"route": "(no route)", "method": "other", "status": "405"}
    assert after.value("bot_staff_requests_total", **labels) - before.value("bot_staff_requests_total", **labels) == 1
    assert "PROPFIND-o6" not in after.text


def test_when_off_nothing_is_recorded_or_exported(recording: None) -> None:
    before = _now().value("bot_lock_timeouts_total")

    metrics.set_enabled(False)
    metrics.count_lock_timeout()
    exported_while_off = metrics.exposition()
    metrics.set_enabled(True)

    assert exported_while_off == b""
    assert _now().value("bot_lock_timeouts_total") == before


def test_the_workers_folder_starts_empty_and_a_made_one_is_removed_at_the_end(single_process: None) -> None:
    with metrics.shared_between_workers(True) as folder:
        assert folder is not None
        assert os.environ[metrics.MULTIPROCESS_DIR_VARIABLE] == str(folder)
        metrics.count_lock_timeout()
        assert list(folder.glob("*.db"))  # the value went to this process's file
        assert _now().value("bot_lock_timeouts_total") == 1

    assert not folder.exists()
    assert metrics.MULTIPROCESS_DIR_VARIABLE not in os.environ


def test_an_operators_folder_is_emptied_of_a_previous_run_and_kept(
    single_process: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "counter_99999.db"
    stale.write_bytes(b"left by a previous run")
    keep = tmp_path / "README"
    keep.write_text("not ours")
    monkeypatch.setenv(metrics.MULTIPROCESS_DIR_VARIABLE, str(tmp_path))

    with metrics.shared_between_workers(True) as folder:
        assert folder == tmp_path
        assert not stale.exists()

    assert keep.exists()


def test_off_leaves_the_environment_alone(single_process: None) -> None:
    with metrics.shared_between_workers(False) as folder:
        assert folder is None
        assert metrics.MULTIPROCESS_DIR_VARIABLE not in os.environ


def test_bot_metrics_off_is_read_and_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_METRICS", "off")
    assert load_settings().metrics is False

    monkeypatch.setenv("BOT_METRICS", "perhaps")
    with pytest.raises(SettingsError, match="BOT_METRICS"):
        load_settings()
