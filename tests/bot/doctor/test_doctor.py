"""``python -m bot doctor``: each check against the real thing (Redis, PostgreSQL, SQLite, the WeChat
simulator, the Korean Vosk model, espeak-ng), good and broken; a broken one is one plain ``fail`` line,
never a traceback, and any failure makes the command exit 1."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from pytest_aiohttp import AiohttpServer

from bot.channels.wechat.simulator import WeChatSimulator
from bot.config import Settings
from bot.doctor.outside import check_espeak, check_speech_model, check_wechat_token
from bot.doctor.result import Finding
from bot.doctor.stores import check_database, check_redis
from tests.bot.channels.wechat.simulated import APP_ID, APP_SECRET
from tests.paths import ROOT
from tests.speech.test_stt import KOREAN_MODEL

NOWHERE_REDIS = "redis://127.0.0.1:1/0"
NOWHERE_POSTGRES = "postgresql+asyncpg://postgres:s3cret-pw@127.0.0.1:1/test"


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(var_dir=tmp_path / "var", secret_key="s" * 48, **values)


async def _simulator_url(aiohttp_server: AiohttpServer) -> str:
    server = await aiohttp_server(WeChatSimulator(APP_ID, APP_SECRET).app())
    return str(server.make_url("")).rstrip("/")


def _states(findings: list[Finding]) -> dict[str, str]:
    return {finding.check: finding.state for finding in findings}


# ---------------------------------------------------------------- Redis


async def test_a_redis_that_answers_is_ok(tmp_path: Path, redis_url: str) -> None:
    finding = await check_redis(_settings(tmp_path, redis_url=redis_url))

    assert finding.state == "ok"


async def test_a_redis_that_cannot_be_reached_is_one_fail_line_naming_it(tmp_path: Path) -> None:
    finding = await check_redis(_settings(tmp_path, redis_url=NOWHERE_REDIS))

    assert finding.state == "fail"
    assert finding.line().startswith("fail  redis: cannot reach redis://127.0.0.1:1/0 (ConnectionError")
    assert "\n" not in finding.line()


async def test_the_embedded_store_is_ok_and_says_what_it_means(tmp_path: Path) -> None:
    finding = await check_redis(_settings(tmp_path))

    assert finding.state == "ok"
    assert "BOT_REDIS_URL unset" in finding.detail


# ---------------------------------------------------------------- database and migrations


async def test_a_migrated_postgresql_is_ok_twice(tmp_path: Path, postgres_database_url: str) -> None:
    findings = await check_database(_settings(tmp_path, database_url=postgres_database_url))

    assert _states(findings) == {"database": "ok", "migrations": "ok"}


async def test_a_postgresql_that_cannot_be_reached_fails_without_showing_its_password(tmp_path: Path) -> None:
    findings = await check_database(_settings(tmp_path, database_url=NOWHERE_POSTGRES))

    assert _states(findings) == {"database": "fail", "migrations": "skip"}
    assert "127.0.0.1:1" in findings[0].detail
    assert "s3cret-pw" not in findings[0].line()
    assert "postgres:***@" in findings[0].detail


async def test_a_database_without_the_migrations_says_how_to_apply_them(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()

    findings = await check_database(_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{empty}"))

    assert _states(findings) == {"database": "ok", "migrations": "fail"}
    assert "python -m bot db upgrade" in findings[1].detail


async def test_a_migrated_sqlite_file_is_ok(tmp_path: Path, sqlite_database_url: str) -> None:
    findings = await check_database(_settings(tmp_path, database_url=sqlite_database_url))

    assert _states(findings) == {"database": "ok", "migrations": "ok"}


async def test_the_embedded_database_not_made_yet_is_left_for_serve_to_make(tmp_path: Path) -> None:
    findings = await check_database(_settings(tmp_path))

    assert _states(findings) == {"database": "ok", "migrations": "skip"}
    assert not (tmp_path / "var").exists()  # the doctor creates nothing


# ---------------------------------------------------------------- WeChat


async def test_a_token_is_fetched_from_the_configured_api(tmp_path: Path, aiohttp_server: AiohttpServer) -> None:
    base = await _simulator_url(aiohttp_server)
    settings = _settings(
        tmp_path, wechat_token="t", wechat_app_id=APP_ID, wechat_app_secret=APP_SECRET, wechat_api_base=base
    )

    finding = await check_wechat_token(settings)

    assert finding.state == "ok", finding.line()


async def test_a_wrong_app_secret_is_named_with_what_to_check(tmp_path: Path, aiohttp_server: AiohttpServer) -> None:
    base = await _simulator_url(aiohttp_server)
    wrong = "f" * 32
    settings = _settings(
        tmp_path, wechat_token="t", wechat_app_id=APP_ID, wechat_app_secret=wrong, wechat_api_base=base
    )

    finding = await check_wechat_token(settings)

    assert finding.state == "fail"
    assert "40125" in finding.detail
    assert "check BOT_WECHAT_APP_ID and BOT_WECHAT_APP_SECRET" in finding.detail
    assert wrong not in finding.line()


async def test_an_api_that_cannot_be_reached_fails_in_one_line(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        wechat_token="t",
        wechat_app_id=APP_ID,
        wechat_app_secret=APP_SECRET,
        wechat_api_base="http://127.0.0.1:1",
    )

    finding = await check_wechat_token(settings)

    assert finding.state == "fail"
    assert finding.detail.startswith("cannot fetch an access token from http://127.0.0.1:1")
    assert APP_SECRET not in finding.line()


async def test_without_credentials_the_wechat_check_is_skipped_saying_what_that_means(tmp_path: Path) -> None:
    finding = await check_wechat_token(_settings(tmp_path, wechat_token="t"))

    assert finding.state == "skip"
    assert "BOT_WECHAT_APP_SECRET unset" in finding.detail


# ---------------------------------------------------------------- speech


async def test_the_korean_model_loads(tmp_path: Path) -> None:
    finding = await check_speech_model(_settings(tmp_path, vosk_model=KOREAN_MODEL))

    assert finding.state == "ok"


async def test_a_folder_that_is_not_a_model_fails_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-model"
    folder.mkdir()

    finding = await check_speech_model(_settings(tmp_path, vosk_model=folder))

    assert finding.state == "fail"
    assert str(folder) in finding.detail


async def test_espeak_ng_on_the_path_is_ok_and_missing_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (await check_espeak()).state == "ok"

    monkeypatch.setenv("PATH", "")
    missing = await check_espeak()

    assert missing.state == "fail"
    assert "espeak-ng" in missing.detail


# ---------------------------------------------------------------- the command


async def _doctor(**env: str) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        cwd=ROOT,
        env=clean | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_command_exits_0_when_everything_answers(
    tmp_path: Path, redis_url: str, postgres_database_url: str, aiohttp_server: AiohttpServer
) -> None:
    base = await _simulator_url(aiohttp_server)

    code, out, err = await _doctor(
        BOT_VAR_DIR=str(tmp_path / "var"),
        BOT_REDIS_URL=redis_url,
        BOT_DATABASE_URL=postgres_database_url,
        BOT_WECHAT_TOKEN="t",
        BOT_WECHAT_APP_ID=APP_ID,
        BOT_WECHAT_APP_SECRET=APP_SECRET,
        BOT_WECHAT_API_BASE=base,
        BOT_VOSK_MODEL=str(KOREAN_MODEL),
    )

    assert code == 0, out + err
    assert [line.split()[0] for line in out.splitlines()[:-1]] == ["ok"] * 8
    assert out.splitlines()[-1] == "All checks passed."


async def test_the_command_exits_1_with_a_plain_line_per_problem_and_no_traceback(tmp_path: Path) -> None:
    code, out, err = await _doctor(
        BOT_VAR_DIR=str(tmp_path / "var"), BOT_REDIS_URL=NOWHERE_REDIS, BOT_DATABASE_URL=NOWHERE_POSTGRES
    )

    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("fail  redis: cannot reach redis://127.0.0.1:1/0") for line in lines)
    assert any(line.startswith("fail  database: cannot reach") for line in lines)
    assert lines[-1] == "2 problems found."
    assert "Traceback" not in out + err
    assert "s3cret-pw" not in out + err


async def test_bad_settings_are_each_a_fail_line_and_the_rest_waits_for_them(tmp_path: Path) -> None:
    code, out, err = await _doctor(BOT_VAR_DIR=str(tmp_path / "var"), BOT_PORT="eighty", BOT_REDIS_URL="http://x")

    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith("fail  settings: BOT_PORT:") for line in lines)
    assert any(line.startswith("fail  settings: BOT_REDIS_URL:") for line in lines)
    assert "skip  redis: fix the settings first" in lines
    assert "Traceback" not in out + err
