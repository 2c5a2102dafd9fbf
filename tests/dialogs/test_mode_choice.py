"""Only a clear choice answers "how shall I answer you?"; not hearing is a reason for text."""

from __future__ import annotations

import pytest

from dialogs.engine import MODE_OPTIONS
from dialogs.mode_choice import cannot_hear, clear_mode_choice
from dialogs.schema import Catalog
from tests.dialogs.conversation import last, said, talk


@pytest.mark.parametrize(
    ("said", "mode"),
    [
        ("语音", "voice"),
        ("听", "voice"),
        ("1", "voice"),
        ("用文字吧", "text"),
        ("打字", "text"),
        ("简单的话", "simple"),
    ],
)
def test_a_clear_choice_is_the_mode(said: str, mode: str) -> None:
    assert clear_mode_choice(said, MODE_OPTIONS) == mode


@pytest.mark.parametrize(
    "said", ["你好，听说有护理补贴，怎么申请", "我想申请生活补贴", "我耳朵听不见，想配助听器", "说话不方便", ""]
)
def test_a_sentence_that_only_contains_an_option_word_is_not_a_choice(said: str) -> None:
    assert clear_mode_choice(said, MODE_OPTIONS) is None


@pytest.mark.parametrize("said", ["我耳朵听不见", "我是聋人", "听不清楚", "想配助听器", "我用手语"])
def test_not_hearing_is_recognised(said: str) -> None:
    assert cannot_hear(said)


def test_a_resident_who_listens_hears_that_staff_replies_are_read_to_them_not_that_staff_write(
    catalog: Catalog,
) -> None:
    listening = said(last(talk(catalog, "你好", "语音模式", "转人工", "没有")))
    reading = said(last(talk(catalog, "你好", "文字模式", "转人工", "没有")))

    assert "读给您听" in listening
    assert "用文字" not in listening
    assert "用文字回复您" in reading
