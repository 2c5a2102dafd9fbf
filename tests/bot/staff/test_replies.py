"""Canned replies: the shipped file loads, and a broken one is refused naming file, place and problem."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from bot.cli.content import run_check
from bot.staff.replies import load_replies
from dialogs.loader import ContentError
from tests.paths import CONTENT_DIR


def _content_with(tmp_path: Path, replies: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    (folder / "replies.yaml").write_text(replies, encoding="utf-8")
    return folder


def test_the_shipped_replies_are_short_plain_and_distinct() -> None:
    replies = load_replies(CONTENT_DIR)
    assert len(replies) >= 8
    assert len({reply.id for reply in replies}) == len(replies)
    assert all(len(reply.title) <= 10 and len(reply.text) <= 60 for reply in replies)


def test_without_a_replies_file_there_are_none(tmp_path: Path) -> None:
    assert load_replies(tmp_path) == ()


@pytest.mark.parametrize(
    ("replies", "problem"),
    [
        ("- {id: a, title: 收到, text: 请点击下面的链接}", "[0] (id a).text: says to click"),
        ("- {id: a, title: 收到, text: 补贴每月100元}", "[0] (id a).text: states an amount of money"),
        ("- {id: a, title: 收到}", "[0] (id a).text: must be some text"),
        ("- {id: Bad Id, title: 收到, text: 好的}", "[0] (id Bad Id).id: must be lower-case"),
        ("- {id: a, title: 收到, text: 好的}\n- {id: a, title: 好, text: 好的}", "[1] (id a).id: id 'a' is used twice"),
        ("- {id: a, title: 收到, text: 好的, voice: yes}", "[0] (id a): unknown field(s): voice"),
        ("id: a", "content/replies.yaml: -: must be a list"),
        ("- [unclosed", "content/replies.yaml: line"),
    ],
)
def test_a_broken_replies_file_names_the_place_and_the_problem(tmp_path: Path, replies: str, problem: str) -> None:
    with pytest.raises(ContentError) as raised:
        load_replies(_content_with(tmp_path, replies))
    assert any(problem in str(found) for found in raised.value.problems), raised.value.problems


def test_content_check_names_a_broken_replies_file_beside_other_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _content_with(tmp_path, "- {id: a, title: 收到, text: 请点击这里}")
    menu = folder / "menu.yaml"
    menu.write_text(menu.read_text(encoding="utf-8") + "\n- {label: 多余的选项, service: nowhere}\n", "utf-8")
    with pytest.raises(ContentError) as raised:
        run_check(argparse.Namespace(dir=folder))
    found = [str(problem) for problem in raised.value.problems]
    assert (
        "content/replies.yaml: [0] (id a).text: says to click; a blind resident cannot, say what to type or say"
        in found
    )
    assert any(problem.startswith("content/menu.yaml") for problem in found)
    assert run_check(argparse.Namespace(dir=CONTENT_DIR)) == 0
    assert "canned replies" in capsys.readouterr().out
