"""The notice a resident gets when staff claim or close their case, in the form their mode asks for: the
text form, the short simple form, or for voice residents the words as they are heard."""

from __future__ import annotations

import pytest

from bot.staff.case_notices import notice_text, staff_notices
from dialogs.loader import load_catalog
from tests.paths import CONTENT_DIR


@pytest.fixture(scope="module")
def notices() -> dict[str, str]:
    return staff_notices(load_catalog(CONTENT_DIR).prompts)


def test_a_text_resident_gets_the_outcome_and_the_staff_note_in_full(notices: dict[str, str]) -> None:
    text = notice_text(notices, "resolved", "text", case_id=1234, outcome="approved", note="下周一来领卡")
    assert text == (
        "您的申请，编号1234，已经办结了。申请通过了。工作人员说：下周一来领卡。还有问题可以在这里说，或者说“转人工”。"
    )


def test_a_simple_mode_resident_gets_the_short_simple_form(notices: dict[str, str]) -> None:
    text = notice_text(notices, "resolved", "simple", case_id=1234, outcome="rejected", note="")
    assert text == "编号1234的申请办完了。没有通过。"
    assert notice_text(notices, "claimed", "simple", case_id=7) == "编号7的申请，工作人员在办了。"


def test_a_voice_resident_gets_words_that_read_aloud_well(notices: dict[str, str]) -> None:
    text = notice_text(notices, "resolved", "voice", case_id=1234, outcome="referred", note="电话 0772-1234567")
    assert text.startswith("您的申请，编号一 二 三 四，已经办结了。这件事已经转给能办的部门去办。")
    assert "零 七 七 二" in text
    assert "“" not in text  # quotation marks are not read out
    assert not any(character.isdigit() for character in text)


def test_notices_switched_off_send_nothing() -> None:
    assert notice_text({}, "resolved", "voice", case_id=1, outcome="approved") == ""
