"""How a resident wants to be reached, said at any point (issue 12): acknowledged, voice replies stop
for a text-only wish, and the core asks the bot layer to keep it on the resident's open requests."""

from __future__ import annotations

import pytest

from dialogs.engine import step
from dialogs.events import Inbound, RecordContactPreference
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import (
    NURSING,
    PROXY_ANSWERS,
    START,
    current_step,
    fill,
    last,
    profile_updates,
    prompt,
    said,
    talk,
    then,
)

DEAF = "我耳朵听不见，别给我打电话，有事发文字"


def wishes(effects: object) -> list[RecordContactPreference]:
    return [e for e in effects if isinstance(e, RecordContactPreference)]  # type: ignore[attr-defined]


def test_a_deaf_residents_wish_after_filing_is_understood_and_kept(catalog: Catalog) -> None:
    filed = talk(catalog, "转人工", "我想问问补贴")
    assert filed[-1].effects, said(filed[-1])

    result = last(then(catalog, filed, DEAF))

    assert said(result).startswith(prompt(catalog, "contact_text_only"))
    assert prompt(catalog, "not_understood") not in said(result)
    assert wishes(result.effects) == [RecordContactPreference("text_only", DEAF)]
    assert result.state.misunderstood == 0


def test_a_text_only_wish_in_voice_mode_switches_to_text(catalog: Catalog) -> None:
    voice = Conversation(mode="voice", greeted=True, mode_asked=True)

    result = step(voice, Inbound(DEAF, "m1", START, "voice", 0.9), catalog)

    assert result.state.mode == "text"
    assert [update.mode for update in profile_updates(result.effects)] == ["text"]


def test_a_wish_mid_application_is_kept_and_the_question_asked_again(catalog: Catalog) -> None:
    before = fill(catalog, NURSING, {k: v for k, v in PROXY_ANSWERS[NURSING].items() if k != "id_number"})

    result = last(then(catalog, before, "有事找我女儿，别打我电话"))

    assert wishes(result.effects)[0].preference == "via_family"
    assert current_step(result.state) == "id_number"
    assert result.state.misunderstood == 0


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("不能打电话怎么申请法律援助", id="a-question-about-a-service"),
        pytest.param("我耳朵听不见，想配助听器", id="a-request-for-a-service"),
    ],
)
def test_a_message_that_asks_for_more_than_how_to_be_reached_is_handled_as_that(catalog: Catalog, words: str) -> None:
    result = last(talk(catalog, "你好", words))

    assert not wishes(result.effects)
    assert not said(result).startswith(prompt(catalog, "contact_text_only"))


def test_a_wish_said_with_an_answer_is_kept_and_the_answer_taken(catalog: Catalog) -> None:
    before = fill(catalog, NURSING, {k: v for k, v in PROXY_ANSWERS[NURSING].items() if k != "district"})

    result = last(then(catalog, before, "柳北区，别给我打电话，发文字"))

    assert wishes(result.effects)[0].preference == "text_only"
    assert result.state.application is not None
    assert result.state.application.answers["district"]["name"] == "柳北区"


def test_not_hearing_said_as_the_answer_to_a_question_about_the_disability_is_no_wish(catalog: Catalog) -> None:
    before = fill(catalog, NURSING, {k: v for k, v in PROXY_ANSWERS[NURSING].items() if k != "disability"})

    result = last(then(catalog, before, "听力残疾一级"))

    assert not wishes(result.effects)
    assert result.state.application is not None
    assert result.state.application.answers["disability"] == {"category": 2, "level": 1}


def test_a_wish_said_at_a_list_question_is_heard_and_the_question_stays_open(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "老板不给我工资", "我自己", "对", "欠了两个月工资", "没有")
    assert current_step(last(results).state) == "income"  # "您现在的收入是哪一种？ 1. 没有固定收入 …"

    heard = last(then(catalog, results, "别给我打电话，我听不见"))

    assert heard.state.application is not None
    assert "income" not in heard.state.application.answers  # its "别" is no "没有固定收入"
    assert current_step(heard.state) == "income"
    assert said(heard).startswith(prompt(catalog, "contact_text_only"))
