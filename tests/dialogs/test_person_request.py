"""A request for a person in the resident's own words is a request for a person (issue 12): never the
yes of a yes/no question, and mid-application it does what "转人工" does."""

from __future__ import annotations

import pytest

from dialogs.commands import detect_command
from dialogs.person_request import asks_for_person
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    NURSING,
    PROXY_ANSWERS,
    cases,
    current_step,
    fill,
    last,
    prompt,
    said,
    talk,
    then,
)

IN_OWN_WORDS = [
    "我要找个活人问问",
    "有没有真人",
    "叫工作人员来",
    "我想跟真人说",
    "你们有客服吗",
    "找个人问问",
    "换个人工来",
]


@pytest.mark.parametrize("words", IN_OWN_WORDS)
def test_a_person_asked_for_in_own_words_is_the_handoff_command(catalog: Catalog, words: str) -> None:
    assert detect_command(words, catalog.commands) == "handoff"


@pytest.mark.parametrize(
    "words",
    [
        pytest.param("我是社区工作人员", id="being-one"),
        pytest.param("不用转人工", id="refusing-one"),
        pytest.param("我爸需要人照顾", id="care-by-a-person"),
        pytest.param("我昨天去社区找工作人员问了护理补贴的事情", id="a-story"),
        pytest.param("社区工作人员让我来申请", id="sent-by-one"),
    ],
)
def test_a_person_word_that_asks_for_nobody_is_not_a_request(words: str) -> None:
    assert not asks_for_person(words)


def test_asking_for_a_living_person_at_a_yes_no_question_is_not_a_yes(catalog: Catalog) -> None:
    before = fill(catalog, NURSING, {k: v for k, v in PROXY_ANSWERS[NURSING].items() if k != "has_card"})
    assert current_step(last(before).state) == "has_card"

    result = last(then(catalog, before, "我要找个活人问问"))

    application = result.state.application
    assert application is not None
    assert "has_card" not in application.answers
    assert [case.service for case in cases(result)] == ["handoff"]


def test_asking_for_a_person_in_own_words_mid_application_files_a_request_like_the_command(catalog: Catalog) -> None:
    answers = {k: v for k, v in PROXY_ANSWERS[NURSING].items() if k != "id_number"}
    before = fill(catalog, NURSING, answers)

    result = last(then(catalog, before, "我要找个活人问问"))

    assert [case.service for case in cases(result)] == ["handoff"]
    assert current_step(result.state) == "id_number"  # the application waits where it was
    assert result.state.application is not None
    assert result.state.application.service == NURSING
    assert prompt(catalog, "resumed") in said(result)


@pytest.mark.parametrize(
    "text",
    ["不要转人工", "不用转人工，我自己填", "别找工作人员了", "我不需要人工服务"],
)
def test_the_words_for_a_person_said_to_refuse_one_are_no_request(catalog: Catalog, text: str) -> None:
    assert detect_command(text, catalog.commands) is None


@pytest.mark.parametrize(
    "text",
    ["帮我转人工，我想问问残疾证年审的事", "我想问问残疾证年审的事，帮我转人工", "怎么转人工"],
)
def test_a_person_asked_for_in_a_clause_of_its_own_is_a_request_whatever_else_is_said(
    catalog: Catalog, text: str
) -> None:
    assert detect_command(text, catalog.commands) == "handoff"


def test_what_the_person_is_wanted_for_said_with_the_request_is_filed_without_asking_again(catalog: Catalog) -> None:
    result = last(talk(catalog, "帮我转人工，我想问问残疾证年审的事"))

    (case,) = cases(result)
    assert case.answers["topic"] == "帮我转人工，我想问问残疾证年审的事"
    assert result.state.application is None


def test_a_bare_request_for_a_person_asks_what_it_is_about(catalog: Catalog) -> None:
    result = last(talk(catalog, "帮我转人工，谢谢"))

    assert cases(result) == []
    assert current_step(result.state) == "topic"
