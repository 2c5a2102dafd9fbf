"""The embedded default as an operator tries it: ``serve`` and ``chat`` as two processes sharing only SQLite.

A resident files in the terminal chat, a staff member claims and replies through the service's API, and
the reply reaches the chat; the resident's answer goes back to the case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from tests.paths import ROOT
from tests.ports import free_port

APPLICATION = ["你好", "1", "1", "有", "在领", "都没有", "张三", "11010519491231002X", "11010519491231002X42", "融水"]
APPLICATION += ["13812345678", "是"]
PASSWORD = "a-long-enough-password"
TEAMS = ("--role", "agent", "--team", "subsidy", "--team", "rehab", "--team", "legal", "--team", "hotline")


@pytest.fixture
def embedded_env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    clean["BOT_VAR_DIR"] = str(tmp_path / "var")
    return clean


@pytest.fixture
def service(embedded_env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=embedded_env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 - http to our own service
                    break
            except OSError:
                assert time.monotonic() < deadline, "service did not answer within 60 s"
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


class Staff:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        url = self.base + "/staff/api" + path
        request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310
        request.add_header("Content-Type", "application/json")
        try:
            with self.opener.open(request, timeout=10) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{path}: {error.code} {error.read().decode()}") from None


def _run_bot(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )


def test_a_staff_reply_reaches_the_terminal_chat_and_the_answer_reaches_the_case(
    service: str, embedded_env: dict[str, str]
) -> None:
    filed = _run_bot(embedded_env, "chat", "--user", "liu", stdin="\n".join(APPLICATION) + "\n")
    assert filed.returncode == 0, filed.stderr
    assert "编号是1" in filed.stdout

    added = _run_bot(embedded_env, "staff", "add-user", "wang", *TEAMS, stdin=PASSWORD)
    assert added.returncode == 0, added.stderr
    staff = Staff(service)
    staff.call("/login", {"username": "wang", "password": PASSWORD})
    staff.call("/cases/1/claim", {})
    sent = staff.call("/cases/1/reply", {"text": "请问户口本上户主是谁？", "await_resident": True})
    assert sent["delivered"] is True

    answered = _run_bot(embedded_env, "chat", "--user", "liu", stdin="户主是我爸刘建国\n")
    assert answered.returncode == 0, answered.stderr
    assert "【工作人员回复】请问户口本上户主是谁？" in answered.stdout
    assert "已转给工作人员" in answered.stdout

    messages = staff.call("/cases/1")["messages"]
    assert messages[-1]["from"] == "resident"
    assert messages[-1]["text"] == "户主是我爸刘建国"

    again = _run_bot(embedded_env, "chat", "--user", "liu", stdin="好的\n")
    assert "【工作人员回复】" not in again.stdout  # shown once
