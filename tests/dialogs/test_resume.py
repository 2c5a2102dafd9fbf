"""Coming back later: the offer to go on, and a stored conversation surviving storage."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dialogs.engine import RESUME_AFTER_SECONDS, step
from dialogs.events import Inbound, Reply, StepResult
from dialogs.pending import Cancel, Handoff, Resume, kind_of
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import (
    LIVING,
    MENU_PATH,
    NURSING,
    OTHER_CARD,
    PROXY_ID,
    SELF_ANSWERS,
    SELF_CARD,
    SELF_ID,
    START,
    TWO_DAYS,
    all_cases,
    ask,
    card_for,
    cases,
    current_step,
    last,
    menu_labels,
    prompt,
    step_options,
    talk,
    texts,
    then,
)

RESUME_OPTIONS = ("接着填", "重新开始", "不办了")
YES_NO = ("是", "不是")


def mid_application(catalog: Catalog) -> StepResult:
    """Three answers into the living allowance, now at the question about other benefits."""
    result = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "有", "在领低保"))
    assert current_step(result.state) == "other_support"
    return result


def two_days_later(catalog: Catalog, before: StepResult, *messages: str) -> list[StepResult]:
    return talk(catalog, *messages, state=before.state, start=before.state.last_seen + TWO_DAYS)


def offer(catalog: Catalog, count: str = "3") -> Reply:
    return Reply(prompt(catalog, "resume_offer", service="生活补贴", count=count), RESUME_OPTIONS)


def menu(catalog: Catalog) -> Reply:
    return Reply(prompt(catalog, "menu_intro"), menu_labels(catalog))


# ----------------------------------------------------------------------------- the offer


@pytest.mark.parametrize("greeting", ["你好", "在吗", "都没有", "菜单", "帮助", "上一步", "重新开始", "", "生活补贴"])
def test_returning_two_days_later_mid_application_is_offered_to_continue(catalog: Catalog, greeting: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, greeting))

    assert result.replies == (offer(catalog),)
    assert isinstance(result.state.pending, Resume)
    assert result.state.application == before.state.application
    assert result.effects == ()


@pytest.mark.parametrize("choice", ["接着填", "1", "继续", "好的"])
def test_continue_asks_the_open_question_with_the_answers_kept(catalog: Catalog, choice: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", choice))

    assert result.replies == (
        Reply(prompt(catalog, "resumed")),
        Reply(ask(catalog, LIVING, "other_support"), step_options(catalog, LIVING, "other_support")),
    )
    assert result.state.application == before.state.application
    assert result.state.pending is None


def test_after_continuing_the_application_can_be_finished(catalog: Catalog) -> None:
    before = mid_application(catalog)
    answers = SELF_ANSWERS[LIVING]

    results = two_days_later(catalog, before, "你好", "接着填", *(answers[key] for key in list(answers)[3:]), "是")

    (case,) = cases(last(results))
    assert case.answers["dibao"] == "receiving"
    assert case.fields["id_number"] == SELF_ID


@pytest.mark.parametrize("choice", ["2", "从头"])
def test_restart_from_the_offer_asks_the_first_question_with_answers_cleared(catalog: Catalog, choice: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", choice))

    assert result.replies == (Reply(ask(catalog, LIVING, "applicant"), step_options(catalog, LIVING, "applicant")),)
    application = result.state.application
    assert application is not None
    assert (application.service, application.step, application.answers) == (LIVING, "applicant", {})


@pytest.mark.parametrize("choice", ["3", "不要了"])
def test_stop_from_the_offer_drops_the_application_and_shows_the_menu(catalog: Catalog, choice: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", choice))

    assert result.replies == (
        Reply(prompt(catalog, "cancelled")),
        Reply(prompt(catalog, "menu_intro"), menu_labels(catalog)),
    )
    assert result.state.application is None
    assert result.effects == ()


def test_saying_the_restart_option_by_its_words_restarts(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", "重新开始"))

    assert current_step(result.state) == "applicant"
    assert result.state.pending is None


def test_saying_the_stop_option_by_its_words_stops(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", "不办了"))

    assert result.state.application is None


def test_an_unclear_answer_to_the_offer_explains_and_offers_again(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", "随便吧"))

    assert result.replies[-1] == Reply(prompt(catalog, "resume_offer", service="生活补贴", count="3"), RESUME_OPTIONS)
    assert len(result.replies) == 2
    assert isinstance(result.state.pending, Resume)
    assert result.state.misunderstood == 1


def test_an_answer_within_a_few_hours_just_continues(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(talk(catalog, "都没有", state=before.state, start=before.state.last_seen + RESUME_AFTER_SECONDS - 60))

    assert texts(result) == [ask(catalog, LIVING, "name")]
    assert result.state.pending is None


def test_returning_at_the_summary_is_offered_to_continue_and_sees_the_summary_again(catalog: Catalog) -> None:
    answers = SELF_ANSWERS[LIVING]
    before = last(talk(catalog, "你好", *MENU_PATH[LIVING], *answers.values()))
    assert before.state.application is not None
    assert before.state.application.phase == "confirming"

    results = two_days_later(catalog, before, "你好", "接着填")

    assert results[0].replies[0].options == RESUME_OPTIONS
    assert results[1].replies[1:] == before.replies


def test_returning_with_no_application_is_not_offered_anything(catalog: Catalog) -> None:
    before = last(talk(catalog, "你好"))

    result = last(two_days_later(catalog, before, *MENU_PATH[NURSING]))

    assert current_step(result.state) == "applicant"
    assert result.state.application is not None
    assert result.state.application.service == NURSING


@pytest.mark.parametrize("word", ["重复", "再说一遍"])
def test_repeat_on_returning_gets_the_offer_which_is_the_new_question(catalog: Catalog, word: str) -> None:
    before = mid_application(catalog)

    results = two_days_later(catalog, before, word, word)

    assert results[0].replies == (offer(catalog),)
    assert isinstance(results[0].state.pending, Resume)
    assert results[1].replies == (offer(catalog),)
    assert results[1].state.application == before.state.application


@pytest.mark.parametrize("word", ["取消", "不办了"])
def test_cancel_on_returning_asks_to_confirm_the_cancel_without_an_offer(catalog: Catalog, word: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, word))

    assert result.replies == (Reply(prompt(catalog, "cancel_confirm", service="生活补贴"), YES_NO),)
    assert isinstance(result.state.pending, Cancel)
    assert result.state.application == before.state.application


@pytest.mark.parametrize("choice", ["取消", "不办了"])
def test_cancel_words_at_the_offer_stop_at_once(catalog: Catalog, choice: str) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", choice))

    assert result.replies == (Reply(prompt(catalog, "cancelled")), menu(catalog))
    assert result.state.application is None
    assert result.state.pending is None


def test_the_restart_words_at_the_offer_restart_at_once(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "你好", "重新开始"))

    assert result.replies == (Reply(ask(catalog, LIVING, "applicant"), step_options(catalog, LIVING, "applicant")),)
    assert result.state.pending is None
    assert result.state.application is not None
    assert result.state.application.answers == {}


def test_handoff_on_returning_files_the_request_and_keeps_the_application(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(two_days_later(catalog, before, "转人工"))

    (case,) = cases(result)
    assert case.answers["unfinished_service"] == LIVING
    assert result.state.application == before.state.application


@pytest.mark.parametrize(
    ("opening", "pending"),
    [
        pytest.param(("取消",), "cancel", id="cancel-question"),
        pytest.param(("重新开始",), "restart", id="restart-question"),
        pytest.param(("火星", "月亮", "abc"), "handoff", id="handoff-offer"),
    ],
)
@pytest.mark.parametrize("answer", ["你好", "是"])
def test_returning_days_later_to_an_open_yes_no_question_is_offered_to_continue_instead(
    catalog: Catalog, opening: tuple[str, ...], pending: str, answer: str
) -> None:
    before = last(then(catalog, [mid_application(catalog)], *opening))
    assert kind_of(before.state.pending) == pending

    result = last(two_days_later(catalog, before, answer))

    assert result.replies == (offer(catalog),)
    assert isinstance(result.state.pending, Resume)
    assert result.state.application == before.state.application
    assert result.effects == ()


def test_an_open_offer_of_a_person_with_no_application_is_dropped_on_returning(catalog: Catalog) -> None:
    before = last(talk(catalog, "你好", "随便", "哈哈", "嗯嗯嗯啊"))
    assert (before.state.pending, before.state.application) == (Handoff(), None)

    result = last(two_days_later(catalog, before, "是"))

    assert result.replies == (Reply(prompt(catalog, "not_understood")), menu(catalog))
    assert result.state.pending is None
    assert result.effects == ()


def test_a_stored_question_with_no_application_is_dropped_on_returning(catalog: Catalog) -> None:
    state = Conversation.from_dict({"pending": "cancel", "greeted": True, "last_seen": START})
    assert isinstance(state.pending, Cancel)

    result = step(state, Inbound(text="是", message_id="m1", now=START + TWO_DAYS), catalog)

    assert result.state.pending is None
    assert result.replies == (Reply(prompt(catalog, "not_understood")), menu(catalog))


# ----------------------------------------------------------------------------- storage round trip


def round_trip(state: Conversation) -> Conversation:
    return Conversation.from_dict(json.loads(json.dumps(state.to_dict(), ensure_ascii=False)))


# Each message with the seconds since the one before it: corrections, back, a note, pending
# questions, a handoff and a two-day pause, so every part of the state is stored once at least.
WALKS: dict[str, list[tuple[str, float]]] = {
    "living-self-with-correction-and-pause": [
        ("你好", 0),
        ("1", 60),
        ("1", 60),
        ("给我自己申请", 60),
        ("有", 60),
        ("正在申请低保", 60),
        ("上一步", 60),
        ("在领低保", 60),
        ("都没有", 60),
        ("张三", 60),
        ("简单模式", 60),
        (SELF_ID, 60),
        (OTHER_CARD, 60),
        ("abc", 60),
        ("def", 60),
        ("不是", 60),
        (SELF_ID + "42", 60),
        ("你好", TWO_DAYS),
        ("接着填", 60),
        ("柳北区", 60),
        ("13812345678", 60),
        ("不是", 60),
        ("9", 60),
        ("13900001111", 60),
        ("取消", 60),
        ("不是", 60),
        ("是", 60),
    ],
    "nursing-proxy-with-notes-and-handoff": [
        ("我想申请护理补贴", 0),
        ("替我妈申请", 60),
        ("儿子", 60),
        ("李四", 60),
        ("13987654321", 60),
        ("有", 60),
        ("精神三级", 60),  # so the card below ends in 63
        ("说不清楚", 60),
        ("转人工", 60),
        ("离休", 60),
        ("王秀英", 60),
        ("重新开始", 60),
        ("不是", 60),
        ("450225196003150020", 60),
        (card_for(PROXY_ID, "精神三级"), 60),
        ("融水", 60),
        ("名字不对", 60),
        ("王秀兰", 60),
        ("是", 60),
    ],
}


def walk(catalog: Catalog, messages: list[tuple[str, float]], *, stored: bool) -> list[StepResult]:
    state = Conversation()
    now = START
    results: list[StepResult] = []
    for index, (text, pause) in enumerate(messages):
        now += pause
        if stored:
            state = round_trip(state)
        result = step(state, Inbound(text=text, message_id=f"m{index}", now=now), catalog)
        results.append(result)
        state = result.state
    return results


@pytest.mark.parametrize("name", WALKS)
def test_state_survives_json_storage_at_every_step(catalog: Catalog, name: str) -> None:
    for result in walk(catalog, WALKS[name], stored=False):
        assert round_trip(result.state) == result.state


@pytest.mark.parametrize("name", WALKS)
def test_a_walk_through_storage_continues_identically(catalog: Catalog, name: str) -> None:
    direct = walk(catalog, WALKS[name], stored=False)
    stored = walk(catalog, WALKS[name], stored=True)

    assert [r.replies for r in stored] == [r.replies for r in direct]
    assert [r.effects for r in stored] == [r.effects for r in direct]
    assert stored[-1].state == direct[-1].state
    assert len(cases(direct[-1])) == 1


def test_the_walks_reach_every_kind_of_state(catalog: Catalog) -> None:
    states = [r.state for name in WALKS for r in walk(catalog, WALKS[name], stored=False)]

    kinds = {kind_of(s.pending) for s in states}
    assert kinds == {None, "resume", "cancel", "restart", "handoff", "proposal", "reading"}
    assert {s.application.phase for s in states if s.application} == {"asking", "confirming", "choosing_correction"}
    assert {s.mode for s in states} == {"text", "simple"}
    filed = [case for name in WALKS for case in all_cases(walk(catalog, WALKS[name], stored=True))]
    assert [case.service for case in filed] == ["living-allowance", "handoff", "nursing-allowance"]
    assert filed[-1].notes == ("level-three-four-mental", "care-unsure", "similar-benefit")


CORRUPT: list[Any] = [
    pytest.param(None, id="none"),
    pytest.param([], id="a-list"),
    pytest.param("conversation", id="a-string"),
    pytest.param(42, id="a-number"),
    pytest.param({"application": "living-allowance"}, id="application-not-a-mapping"),
    pytest.param({"application": {"service": "living-allowance"}}, id="application-missing-keys"),
    pytest.param(
        {"application": {"service": LIVING, "application_id": "a", "step": "dibao", "answers": [1, 2]}},
        id="answers-not-a-mapping",
    ),
    pytest.param(
        {"application": {"service": LIVING, "application_id": "a", "step": "dibao", "history": 5}},
        id="history-not-a-list",
    ),
    pytest.param({"misunderstood": "many"}, id="count-not-a-number"),
    pytest.param({"last_seen": "yesterday"}, id="time-not-a-number"),
    pytest.param({"transcript": [{"who": "resident"}]}, id="turn-without-text"),
    pytest.param({"transcript": 7}, id="transcript-not-a-list"),
]


@pytest.mark.parametrize("data", CORRUPT)
def test_a_corrupt_stored_dict_gives_a_fresh_conversation(catalog: Catalog, data: Any) -> None:
    state = Conversation.from_dict(data)

    assert state == Conversation()
    result = step(state, Inbound(text="你好", message_id="m1", now=START), catalog)
    assert texts(result)[0] == prompt(catalog, "welcome")


def test_an_empty_stored_dict_is_a_fresh_conversation() -> None:
    assert Conversation.from_dict({}) == Conversation()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            {"last_replies": "abc"},
            "重复",
            id="last-replies-not-dicts",
        ),
        pytest.param(
            {"pending": "bogus"},
            "1",
            id="unknown-pending-question",
        ),
        pytest.param(
            {"application": {"service": "retired-service", "application_id": "a", "step": "x"}},
            "你好",
            id="service-no-longer-in-content",
        ),
        pytest.param(
            {"application": {"service": LIVING, "application_id": "a", "step": "old_step"}},
            "你好",
            id="step-no-longer-in-content",
        ),
        pytest.param(
            {"application": {"service": LIVING, "application_id": "a", "step": "dibao", "phase": "done"}},
            "帮助",
            id="unknown-phase",
        ),
    ],
)
def test_a_stored_state_that_no_longer_fits_is_answered_not_raised(
    catalog: Catalog, data: dict[str, Any], message: str
) -> None:
    state = Conversation.from_dict(data)

    result = step(state, Inbound(text=message, message_id="m1", now=START), catalog)

    assert result.replies
    assert all(reply.text for reply in result.replies)


def test_a_stored_state_in_an_unknown_mode_still_speaks_in_full(catalog: Catalog) -> None:
    state = Conversation.from_dict({"mode": "shouting", "greeted": True})
    assert state.mode == "text"

    result = step(state, Inbound(text="生活补贴", message_id="m1", now=START), catalog)

    assert result.replies == (
        Reply(catalog.services[LIVING].intro.text),
        Reply(ask(catalog, LIVING, "applicant"), step_options(catalog, LIVING, "applicant")),
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({"mode": "shouting"}, {"mode": "text"}, id="unknown-mode"),
        pytest.param({"pending": "bogus"}, {"pending": None}, id="unknown-pending"),
        pytest.param({"last_replies": ["abc", 5, {"text": "x", "options": []}]}, {}, id="last-replies-not-dicts"),
    ],
)
def test_unknown_stored_values_fall_back_to_the_defaults(data: dict[str, Any], expected: dict[str, Any]) -> None:
    state = Conversation.from_dict(data)

    for name, value in expected.items():
        assert getattr(state, name) == value
    if "last_replies" in data:
        assert state.last_replies == ({"text": "x", "options": []},)


def test_an_unknown_stored_phase_falls_back_to_asking(catalog: Catalog) -> None:
    data = {"application": {"service": LIVING, "application_id": "a", "step": "dibao", "phase": "done"}}
    state = Conversation.from_dict({**data, "greeted": True})
    assert state.application is not None
    assert state.application.phase == "asking"

    result = step(state, Inbound(text="帮助", message_id="m1", now=START), catalog)

    assert result.replies == (
        Reply(prompt(catalog, "help")),
        Reply(ask(catalog, LIVING, "dibao"), step_options(catalog, LIVING, "dibao")),
    )


def test_stored_replies_that_are_not_dicts_are_dropped_so_repeat_says_there_is_nothing(catalog: Catalog) -> None:
    state = Conversation.from_dict({"last_replies": "abc", "greeted": True})

    result = step(state, Inbound(text="重复", message_id="m1", now=START), catalog)

    assert result.replies == (Reply(prompt(catalog, "nothing_to_repeat")), menu(catalog))


def test_an_application_for_a_service_no_longer_in_content_is_dropped_and_said_so(catalog: Catalog) -> None:
    state = Conversation.from_dict(
        {
            "application": {"service": "retired-service", "application_id": "a", "step": "x"},
            "pending": "cancel",
            "greeted": True,
            "last_seen": START,
        }
    )

    result = step(state, Inbound(text="你好", message_id="m1", now=1060.0), catalog)

    assert result.replies == (Reply(prompt(catalog, "application_lost")), menu(catalog))
    assert result.state.application is None
    assert result.state.pending is None
    assert result.effects == ()


@pytest.mark.parametrize(
    ("answers", "history", "expected_step"),
    [
        pytest.param({}, [], "applicant", id="nothing-answered"),
        pytest.param(
            {"applicant": "self", "has_card": True, "gone": "x"},
            ["applicant", "has_card", "gone"],
            "dibao",
            id="answers-kept-the-unknown-one-dropped",
        ),
    ],
)
def test_a_step_no_longer_in_content_moves_to_the_first_unanswered_question(
    catalog: Catalog, answers: dict[str, Any], history: list[str], expected_step: str
) -> None:
    data = {"service": LIVING, "application_id": "a", "step": "old_step", "answers": answers, "history": history}
    state = Conversation.from_dict({"application": data, "greeted": True, "last_seen": START})

    result = step(state, Inbound(text="帮助", message_id="m1", now=1060.0), catalog)

    assert result.replies == (
        Reply(prompt(catalog, "help")),
        Reply(ask(catalog, LIVING, expected_step), step_options(catalog, LIVING, expected_step)),
    )
    application = result.state.application
    assert application is not None
    assert (application.step, application.phase) == (expected_step, "asking")
    assert "gone" not in application.answers
    assert "gone" not in application.history


def test_a_step_no_longer_in_content_with_everything_answered_goes_to_the_summary(catalog: Catalog) -> None:
    summary = last(talk(catalog, "你好", *MENU_PATH[LIVING], *SELF_ANSWERS[LIVING].values()))
    assert summary.state.application is not None
    stored = summary.state.to_dict()
    stored["application"]["step"] = "old_step"
    stored["application"]["phase"] = "asking"

    result = last(talk(catalog, "重复", state=Conversation.from_dict(stored)))

    assert result.state.application is not None
    assert result.state.application.phase == "confirming"
    result = last(talk(catalog, "是", state=result.state))
    (case,) = cases(result)
    assert case.fields["card_number"]["number"] == SELF_CARD


def test_stored_replies_repeat_with_their_options(catalog: Catalog) -> None:
    before = mid_application(catalog)

    result = last(talk(catalog, "重复", state=round_trip(before.state)))

    assert result.replies == before.replies
    assert result.replies[-1].options == step_options(catalog, LIVING, "other_support")
    assert result.replies[-1].options != YES_NO
