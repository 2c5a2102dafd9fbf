"""``python -m bot`` as an operator uses it: real processes, real files, clear messages on bad input."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.services import POSTGRES_URL, REDIS_URL
from tests.paths import CONTENT_DIR, ROOT
from tests.ports import free_port
from tests.speech.test_stt import damaged_model


def run_bot(*args: str, env: dict[str, str], stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    clean["BOT_VAR_DIR"] = str(tmp_path / "var")
    return clean


@pytest.mark.parametrize(
    "command", [[], ["serve"], ["chat"], ["route"], ["safety"], ["content", "check"], ["staff", "add-user"]]
)
def test_every_command_has_help(command: list[str], env: dict[str, str]) -> None:
    result = run_bot(*command, "--help", env=env)
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_content_check_passes_on_the_shipped_content(env: dict[str, str]) -> None:
    result = run_bot("content", "check", env=env)
    assert result.returncode == 0, result.stderr
    assert "content ok" in result.stdout


def test_content_check_names_the_file_the_place_and_the_problem(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    service = broken / "services" / "living-allowance.yaml"
    service.write_text(service.read_text(encoding="utf-8").replace("type: mobile", "type: telepathy", 1), "utf-8")

    result = run_bot("content", "check", "--dir", str(broken), env=env)

    assert result.returncode == 2
    assert "content/services/living-allowance.yaml: steps[3] (id proxy_phone).type:" in result.stderr
    assert "Traceback" not in result.stderr


def test_route_prints_the_service_a_sentence_starts_as_json(env: dict[str, str]) -> None:
    result = run_bot("route", "重度残疾有补助吗", env=env)
    answer = json.loads(result.stdout)
    assert answer["service"] == "nursing-allowance"
    assert set(answer) == {"service", "score", "alternatives"}


def test_route_without_a_sentence_lists_the_service_ids(env: dict[str, str]) -> None:
    result = run_bot("route", env=env)

    assert result.returncode == 2
    assert "Give a sentence" in result.stderr
    for service in ("living-allowance", "dibao", "employment", "care-services", "education-aid", "handoff"):
        assert service in result.stderr


def test_route_answers_null_for_a_sentence_it_cannot_place(env: dict[str, str]) -> None:
    answer = json.loads(run_bot("route", "今天天气怎么样", env=env).stdout)
    assert answer["service"] is None


def test_staff_add_user_reads_the_password_from_standard_input(env: dict[str, str]) -> None:
    result = run_bot(
        "staff", "add-user", "li.na", "--role", "agent", "--team", "subsidy", env=env, stdin="a-good-long-password\n"
    )
    assert result.returncode == 0, result.stderr
    assert "created staff user li.na" in result.stdout

    again = run_bot("staff", "add-user", "li.na", "--role", "agent", env=env, stdin="a-good-long-password\n")
    assert again.returncode == 2
    assert "Not created" in again.stderr


def test_staff_add_user_refuses_a_short_password_with_a_reason(env: dict[str, str]) -> None:
    result = run_bot("staff", "add-user", "li.na", "--role", "agent", env=env, stdin="short\n")
    assert result.returncode == 2
    assert "Not created" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_setting_stops_start_up_naming_the_variable(env: dict[str, str]) -> None:
    result = run_bot("content", "check", env={**env, "BOT_PORT": "eighty"})
    assert result.returncode == 2
    assert "BOT_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_workers_are_refused_with_the_embedded_stores(env: dict[str, str]) -> None:
    result = run_bot("serve", "--workers", "2", "--port", str(free_port()), env=env, timeout=30)
    assert result.returncode == 2
    assert "BOT_REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("count", ["0", "65", "two"])
def test_a_worker_count_out_of_range_is_refused_before_start_up(env: dict[str, str], count: str) -> None:
    result = run_bot("serve", "--workers", count, env=env, timeout=30)
    assert result.returncode == 2
    assert "--workers" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("port", ["-1", "0", "65536", "http"])
def test_a_port_out_of_range_is_refused_before_start_up(env: dict[str, str], port: str) -> None:
    result = run_bot("serve", "--port", port, env=env, timeout=30)
    assert result.returncode == 2
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_staff_add_user_refuses_a_password_that_is_not_text(env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add-user", "li.na", "--role", "agent"],
        input=b"\xff\xfe-not-utf-8-password\n",
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"Not created: the password is not UTF-8 text" in result.stderr
    assert b"Traceback" not in result.stderr


def test_serve_names_an_unreachable_database_without_a_traceback(env: dict[str, str]) -> None:
    closed = free_port()  # nothing listens there
    unreachable = f"postgresql+asyncpg://postgres:hunter2@127.0.0.1:{closed}/test"
    for workers in ("1", "2"):
        result = run_bot(
            "serve",
            "--workers",
            workers,
            "--port",
            str(free_port()),
            env={**env, "BOT_DATABASE_URL": unreachable, "BOT_REDIS_URL": REDIS_URL},
            timeout=60,
        )
        assert result.returncode == 1, result.stderr
        assert "Database unavailable" in result.stderr
        assert "ConnectionRefusedError" in result.stderr
        assert "hunter2" not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_names_a_folder_that_is_not_a_speech_model_before_starting(
    env: dict[str, str], tmp_path: Path, workers: str
) -> None:
    shared = {"BOT_REDIS_URL": REDIS_URL, "BOT_DATABASE_URL": POSTGRES_URL}
    not_a_model = tmp_path / "downloads"
    not_a_model.mkdir()
    result = run_bot(
        "serve", "--workers", workers, "--port", str(free_port()),
        env={**env, **shared, "BOT_VOSK_MODEL": str(not_a_model)}, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{not_a_model} is not a Vosk model folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Workers:" not in result.stdout  # stopped before any worker was started


def test_serve_names_a_damaged_speech_model_and_closes_what_it_opened(env: dict[str, str], tmp_path: Path) -> None:
    folder = damaged_model(tmp_path / "broken-model")
    result = run_bot("serve", "--port", str(free_port()), env={**env, "BOT_VOSK_MODEL": str(folder)}, timeout=120)
    assert result.returncode == 2
    assert f"load the speech model in {folder}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Unclosed" not in result.stderr


def test_serve_says_when_its_port_is_taken(env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_bot("serve", "--port", str(port), env=env, timeout=60)
    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}: address already in use" in result.stderr
    assert "Unclosed" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_names_a_damaged_secret_key_file(env: dict[str, str]) -> None:
    var = Path(env["BOT_VAR_DIR"])
    var.mkdir(parents=True)
    (var / "secret.key").write_text("short\n", encoding="utf-8")
    result = run_bot("serve", "--port", str(free_port()), env=env, timeout=60)
    assert result.returncode == 2
    assert "secret key file" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_files_an_application_typed_in_the_terminal(env: dict[str, str]) -> None:
    lines = [
        "你好",
        "1",
        "1",
        "有",
        "在领",
        "都没有",
        "张三",
        "11010519491231002X",
        "11010519491231002X42",
        "融水",
        "13812345678",
        "是",
    ]
    result = run_bot("chat", "--user", "tester", env=env, stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "编号是1" in result.stdout
    assert "embedded" in result.stderr


def test_chat_says_in_one_line_that_redis_is_unreachable(env: dict[str, str]) -> None:
    closed = free_port()  # nothing listens there
    result = run_bot("chat", env={**env, "BOT_REDIS_URL": f"redis://:hunter2@127.0.0.1:{closed}/0"}, stdin="你好\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "Redis unavailable" in line]
    assert len(errors) == 1, result.stderr
    assert "hunter2" not in result.stderr + result.stdout


def test_serve_announces_embedded_defaults_first_and_answers_health_checks(env: dict[str, str]) -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first_lines = [process.stdout.readline() for _ in range(2)]
        assert "embedded" in first_lines[0]
        assert "Redis" in first_lines[0]
        assert "SQLite" in first_lines[1]
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    assert json.load(response)["status"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline, "service did not answer within 30 s"
                time.sleep(0.2)
        process.terminate()
        rest = process.stdout.read()
        assert "Event loop: uvloop" in rest
        assert "python -m bot chat" in rest
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_commands_serve_suggests_work_as_printed_outside_an_activated_venv(env: dict[str, str]) -> None:
    # As after `bash scripts/serve.sh`: the venv's python runs, but `python` on the PATH is another one.
    outside = {**env, "PATH": "/usr/bin:/bin", "VIRTUAL_ENV": ""}
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=outside,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        suggested = ""
        for line in process.stdout:
            if "talk as a resident in the terminal:" in line:
                suggested = line.split(":", 1)[1].strip()
                break
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    assert suggested.endswith(" -m bot chat"), suggested
    shown = subprocess.run(  # noqa: S602 - the exact line the service printed, as an operator pastes it
        suggested.removesuffix(" chat") + " chat --help", shell=True, cwd=ROOT, env=outside, capture_output=True
    )
    assert shown.returncode == 0, shown.stderr


def test_serve_refuses_to_start_on_broken_content(env: dict[str, str], tmp_path: Path) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    (broken / "prompts.yaml").write_text("welcome: [unclosed\n", encoding="utf-8")
    result = run_bot("serve", "--port", str(free_port()), env={**env, "BOT_CONTENT_DIR": str(broken)}, timeout=30)
    assert result.returncode == 2
    assert "prompts.yaml: line" in result.stderr


def test_content_check_names_a_missing_text_for_staff_about_waiting_replies(
    env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, broken)
    (broken / "delivery.yaml").write_text("queued: {}\n", encoding="utf-8")
    result = run_bot("content", "check", "--dir", str(broken), env=env)
    assert result.returncode == 2
    assert "delivery.yaml: queued.outside_window" in result.stderr


def test_route_eval_scores_labelled_sentences_and_fails_below_the_minimum(env: dict[str, str], tmp_path: Path) -> None:
    labelled = tmp_path / "routing.tsv"
    labelled.write_text(
        "我想申请护理补贴\tnursing-allowance\n今天天气怎么样\tnone\n生活补贴\tnursing-allowance\n", "utf-8"
    )

    result = run_bot("route", "--eval", str(labelled), env=env)

    report = json.loads(result.stdout)
    assert (report["sentences"], report["correct"]) == (3, 2)
    assert report["misses"][0]["sentence"] == "生活补贴"
    assert result.returncode == 1
    assert run_bot("route", "--eval", str(labelled), "--min", "0.6", env=env).returncode == 0


def test_route_eval_names_the_line_of_a_malformed_file(env: dict[str, str], tmp_path: Path) -> None:
    labelled = tmp_path / "routing.tsv"
    labelled.write_text("我想申请护理补贴\tno-such-service\n", "utf-8")

    result = run_bot("route", "--eval", str(labelled), env=env)

    assert result.returncode == 2
    assert "routing.tsv:1: unknown service 'no-such-service'" in result.stderr


def test_routing_set_of_every_service_scores_at_least_95_percent(env: dict[str, str]) -> None:
    files = sorted(str(p) for p in (ROOT / "tests" / "data" / "routing").glob("*.tsv"))
    result = run_bot("route", "--eval", *files, env=env)

    report = json.loads(result.stdout)
    assert report["sentences"] >= 200
    assert result.returncode == 0, report["misses"]
    assert report["accuracy"] >= 0.95


def test_safety_prints_whether_a_sentence_signals_danger_as_json(env: dict[str, str]) -> None:
    danger = json.loads(run_bot("safety", "他喝了酒就打我", env=env).stdout)
    calm = json.loads(run_bot("safety", "请打我手机", env=env).stdout)

    assert danger == {"danger": True, "kind": "violence", "matched": "打我"}
    assert calm == {"danger": False, "kind": None, "matched": None}


def test_safety_eval_reports_recall_and_precision_and_fails_below_the_bar(env: dict[str, str], tmp_path: Path) -> None:
    labelled = tmp_path / "danger.tsv"
    labelled.write_text("他说要打死我\tviolence\n请打我手机\tnone\n我好难受啊\tself-harm\n", "utf-8")

    result = run_bot("safety", "--eval", str(labelled), env=env)

    report = json.loads(result.stdout)
    assert (report["dangers"], report["look_alikes"], report["recall"], report["precision"]) == (2, 1, 0.5, 1.0)
    assert [m["sentence"] for m in report["missed"]] == ["我好难受啊"]
    assert result.returncode == 1
    assert run_bot("safety", "--eval", str(labelled), "--min-recall", "0.5", env=env).returncode == 0


def test_safety_eval_names_the_line_of_a_malformed_file(env: dict[str, str], tmp_path: Path) -> None:
    labelled = tmp_path / "danger.tsv"
    labelled.write_text("# a comment\n他打我\tno-such-kind\n", "utf-8")

    result = run_bot("safety", "--eval", str(labelled), env=env)

    assert result.returncode == 2
    assert "danger.tsv:2: unknown danger category 'no-such-kind'" in result.stderr
    assert "Traceback" not in result.stderr


def test_safety_without_a_sentence_says_what_to_give(env: dict[str, str]) -> None:
    result = run_bot("safety", env=env)

    assert result.returncode == 2
    assert "Give a sentence" in result.stderr
