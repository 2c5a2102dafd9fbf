"""Residents answer the way people do (issue 12): an answer in two halves, a plain no, answers given
before the question, corrections that carry the new value, a moment to fetch a card, and a way out
of the handoff offer that is not another loop."""

from __future__ import annotations

import pytest

from dialogs.engine import step
from dialogs.events import Inbound, ReportStatus, StepResult
from dialogs.pending import Handoff, ReadBack
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import (
    LEGAL,
    LIVING,
    NEW_PHONE,
    NURSING,
    OTHER_ID,
    PROXY_ANSWERS,
    SELF_ANSWERS,
    SELF_ID,
    START,
    all_cases,
    ask,
    cases,
    current_step,
    fill,
    last,
    profile_updates,
    prompt,
    said,
    talk,
    texts,
    then,
)

YES_NO = ("是", "不是")
LEGAL_SELF = {
    "applicant": "给我自己申请",
    "matter": "家庭和婚姻",
    "description": "他喝了酒就打我",
    "urgent": "没有",
    "income": "没有固定收入",
    "name": "张三",
    "district": "柳北区",
    "phone": "13812345678",
}


def answered_up_to(
    catalog: Catalog, service: str, step_id: str, *, proxy: bool = False, opening: tuple[str, ...] = ("你好",)
) -> list[StepResult]:
    """The usual answers up to (not including) ``step_id``."""
    answers = {k: v for k, v in (PROXY_ANSWERS if proxy else SELF_ANSWERS)[service].items() if k != step_id}
    results = fill(catalog, service, answers, opening=opening)
    assert current_step(last(results).state) == step_id, said(last(results))
    return results


def at_summary(catalog: Catalog, service: str, *, proxy: bool = False) -> list[StepResult]:
    results = fill(catalog, service, (PROXY_ANSWERS if proxy else SELF_ANSWERS)[service])
    application = last(results).state.application
    assert application is not None, said(last(results))
    assert application.phase == "confirming", said(last(results))
    return results


def answers_of(result: StepResult) -> dict[str, object]:
    application = result.state.application
    assert application is not None, said(result)
    return dict(application.answers)


def subscribed(catalog: Catalog) -> Conversation:
    return step(Conversation(), Inbound("", "follow", START, "subscribe"), catalog).state


# ----------------------------------------------------------------- halves and a plain no


@pytest.mark.parametrize("halves", [("肢体残疾", "一级"), ("一级", "肢体残疾"), ("是肢体的", "一级的")])
def test_category_and_level_said_in_two_turns_make_one_answer(catalog: Catalog, halves: tuple[str, str]) -> None:
    results = then(catalog, answered_up_to(catalog, NURSING, "disability"), *halves)

    assert answers_of(last(results))["disability"] == {"category": 4, "level": 1}
    assert current_step(last(results).state) == "long_term_care"
    assert last(results).state.misunderstood == 0


@pytest.mark.parametrize("no", ["没有", "都没有", "不是", "不是特困", "没有特困也没有工伤"])
def test_a_plain_no_answers_the_have_you_any_of_these_question(catalog: Catalog, no: str) -> None:
    results = then(catalog, answered_up_to(catalog, NURSING, "other_support"), no)

    assert answers_of(last(results))["other_support"] == "none"
    assert current_step(last(results).state) == "name"


# ----------------------------------------------------------------- answers given before the question


@pytest.mark.parametrize("other_answer", ["肢体残疾", "一级", "没有", "对", "我是她儿子"])
def test_an_answer_to_another_question_is_never_taken_as_a_name(catalog: Catalog, other_answer: str) -> None:
    results = then(catalog, answered_up_to(catalog, NURSING, "name"), other_answer)

    assert "name" not in answers_of(last(results))
    assert current_step(last(results).state) == "name"
    assert "不是名字" in said(last(results))


def test_who_the_resident_is_to_the_person_is_offered_from_how_they_asked(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "1", "1", "帮我爸爸申请，我是他女儿")

    assert answers_of(last(results))["applicant"] == "proxy"
    assert texts(last(results)) == [
        prompt(catalog, "proposal_offer", quote="我是他女儿", label="您和残疾人本人的关系", value="子女")
    ]
    results = then(catalog, results, "对")
    assert answers_of(last(results))["relationship"] == "child"
    assert current_step(last(results).state) == "proxy_name"


def test_naming_both_people_at_the_relationship_question_is_not_ambiguous(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "1", "1", "替家里人申请")
    assert texts(last(results))[0] == ask(catalog, LIVING, "relationship")

    results = then(catalog, results, "帮我爸爸申请，我是他女儿")

    assert answers_of(last(results))["relationship"] == "child"


def test_my_mother_in_the_first_message_answers_who_and_the_relationship(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想给我妈申请护理补贴")
    assert texts(last(results))[-1] == prompt(
        catalog, "proposal_offer", quote="我妈", label="这次申请", value="替家里人或者别人申请"
    )

    results = then(catalog, results, "是的", "对")

    answers = answers_of(last(results))
    assert (answers["applicant"], answers["relationship"]) == ("proxy", "child")
    assert current_step(last(results).state) == "proxy_name"


def test_dibao_said_in_the_first_message_is_offered_when_its_question_comes(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我家里领低保，想申请生活补贴", "给我自己申请", "有")
    assert texts(last(results)) == [
        prompt(catalog, "proposal_offer", quote="我家里领低保", label="低保情况", value="在领低保")
    ]

    results = then(catalog, results, "对")

    assert answers_of(last(results))["dibao"] == "receiving"


def test_an_offered_answer_declined_asks_the_question_itself(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我家里领低保，想申请生活补贴", "给我自己申请", "有", "不是")

    assert texts(last(results))[0] == ask(catalog, LIVING, "dibao")
    results = then(catalog, results, "正在申请")
    assert answers_of(last(results))["dibao"] == "applying"


# ----------------------------------------------------------------- the mode question after following


def test_the_first_message_after_following_is_the_request_not_the_mode_answer(catalog: Catalog) -> None:
    results = talk(catalog, "你好，听说有护理补贴，怎么申请", state=subscribed(catalog))

    assert last(results).state.mode == "text"
    assert all(update.mode != "voice" for update in profile_updates(last(results).effects))
    assert "护理补贴" in said(last(results))


def test_the_mode_question_comes_back_once_the_request_is_over(catalog: Catalog) -> None:
    results = talk(catalog, "我想申请护理补贴", "不办了", "是", state=subscribed(catalog))

    assert texts(last(results))[-1] == prompt(catalog, "mode_question")
    results = then(catalog, results, "文字")
    assert last(results).state.mode == "text"


@pytest.mark.parametrize("deaf", ["我耳朵听不见，想配助听器", "我是聋人", "听不见"])
def test_not_hearing_is_a_reason_for_text_never_for_voice(catalog: Catalog, deaf: str) -> None:
    result = last(talk(catalog, deaf, state=subscribed(catalog)))

    assert result.state.mode == "text"
    assert [update.mode for update in profile_updates(result.effects)] == ["text"]
    assert not result.state.mode_later


@pytest.mark.parametrize(
    ("choice", "mode"), [("语音", "voice"), ("1", "voice"), ("用文字吧", "text"), ("简单", "simple")]
)
def test_a_clear_choice_answers_the_mode_question(catalog: Catalog, choice: str, mode: str) -> None:
    assert last(talk(catalog, choice, state=subscribed(catalog))).state.mode == mode


# ----------------------------------------------------------------- read-back and corrections


def voice_at_read_back(catalog: Catalog) -> list[StepResult]:
    results = answered_up_to(catalog, NURSING, "id_number", opening=("语音模式",))
    results = then(catalog, results, SELF_ID)
    assert isinstance(last(results).state.pending, ReadBack)
    return results


def test_repeating_the_same_number_at_a_read_back_is_a_yes(catalog: Catalog) -> None:
    results = then(catalog, voice_at_read_back(catalog), SELF_ID)

    assert current_step(last(results).state) == "card_number"
    assert last(results).state.pending is None


def test_a_different_number_at_a_read_back_is_a_correction_read_back_in_turn(catalog: Catalog) -> None:
    results = then(catalog, voice_at_read_back(catalog), OTHER_ID)

    assert answers_of(last(results))["id_number"] == OTHER_ID
    assert isinstance(last(results).state.pending, ReadBack)
    assert current_step(last(results).state) == "id_number"


def test_a_wrong_phone_at_the_summary_is_corrected_with_the_number_said(catalog: Catalog) -> None:
    results = then(catalog, at_summary(catalog, NURSING), "不对 电话号码错了 应该是13977218868")

    assert answers_of(last(results))["phone"] == "13977218868"
    assert last(results).state.application.phase == "confirming"  # type: ignore[union-attr]
    assert all_cases(results) == []


def test_a_wrong_district_at_the_summary_is_corrected_with_the_district_said(catalog: Catalog) -> None:
    results = then(catalog, at_summary(catalog, LIVING), "区错了，是城中区")

    assert answers_of(last(results))["district"] == {"code": "450202", "name": "城中区"}
    assert last(results).state.application.phase == "confirming"  # type: ignore[union-attr]


def test_a_name_given_with_an_okay_at_the_summary_corrects_the_name_and_submits_nothing(catalog: Catalog) -> None:
    results = then(catalog, at_summary(catalog, NURSING, proxy=True), "好了，我妈叫王桂兰")

    answers = answers_of(last(results))
    assert (answers["name"], answers["proxy_name"]) == ("王桂兰", "李四")
    assert cases(last(results)) == []


def test_a_corrected_phone_while_answering_a_later_question_is_taken_and_the_question_asked_again(
    catalog: Catalog,
) -> None:
    before = answered_up_to(catalog, NURSING, "has_card", proxy=True)

    result = last(then(catalog, before, f"不对 电话号码错了 应该是{NEW_PHONE}"))

    assert answers_of(result)["proxy_phone"] == NEW_PHONE
    assert current_step(result.state) == "has_card"
    assert texts(result)[-1] == ask(catalog, NURSING, "has_card", proxy=True)


def test_going_to_fetch_the_id_card_pauses_without_counting_a_failure(catalog: Catalog) -> None:
    before = answered_up_to(catalog, NURSING, "id_number")

    results = then(catalog, before, "等一下，我去拿身份证", "等等", "稍等一下我找找")

    assert texts(last(results)) == [prompt(catalog, "waiting")]
    assert last(results).state.misunderstood == 0
    assert last(results).state.pending is None
    results = then(catalog, results, SELF_ID)
    assert answers_of(last(results))["id_number"] == SELF_ID


@pytest.mark.parametrize(
    ("said", "what"),
    [
        pytest.param("等一下，转人工", "handoff", id="a-person"),
        pytest.param("等下，我还是想找人问", "handoff", id="a-person-in-own-words"),
        pytest.param("等等，我想问法律援助", "legal-aid", id="another-service"),
        pytest.param("稍等，批了没有", "status", id="status"),
    ],
)
def test_a_request_after_a_pause_word_is_taken_not_swallowed_as_waiting(catalog: Catalog, said: str, what: str) -> None:
    before = answered_up_to(catalog, NURSING, "id_number")

    result = last(then(catalog, before, said))

    assert texts(result) != [prompt(catalog, "waiting")]
    if what == "handoff":
        assert [c.service for c in cases(result)] == ["handoff"]
    elif what == "status":
        assert any(isinstance(e, ReportStatus) for e in result.effects)
    else:
        application = result.state.application
        assert application is not None
        assert application.service == what
        assert result.state.paused is not None


# ----------------------------------------------------------------- the handoff offer


def at_handoff_offer(catalog: Catalog) -> list[StepResult]:
    results = then(catalog, answered_up_to(catalog, NURSING, "district"), "什么意思", "什么意思", "什么意思")
    assert isinstance(last(results).state.pending, Handoff)
    return results


def test_an_answer_to_the_question_before_the_handoff_offer_is_taken(catalog: Catalog) -> None:
    results = then(catalog, at_handoff_offer(catalog), "柳北区")

    assert answers_of(last(results))["district"] == {"code": "450205", "name": "柳北区"}
    assert last(results).state.pending is None
    assert all_cases(results) == []


def test_two_more_misses_at_the_handoff_offer_file_the_handoff_instead_of_asking_again(catalog: Catalog) -> None:
    results = then(catalog, at_handoff_offer(catalog), "什么意思", "我不懂")

    (case,) = all_cases(results)
    assert case.service == "handoff"
    assert last(results).state.pending is None
    assert prompt(catalog, "handoff_offer") not in said(last(results))


# ----------------------------------------------------------------- danger words inside an answer


def test_a_story_that_raises_the_alarm_is_still_kept_as_the_answer(catalog: Catalog) -> None:
    before = fill(catalog, LEGAL, {k: v for k, v in LEGAL_SELF.items() if k != "description"})
    assert current_step(last(before).state) == "description"

    result = last(then(catalog, before, "他喝了酒就打我"))

    assert [case.urgent for case in cases(result)] == [True]
    assert answers_of(result)["description"] == "他喝了酒就打我"
    assert current_step(result.state) == "urgent"


# ----------------------------------------------------------------- stored conversations


def test_a_conversation_stored_before_these_answers_were_kept_still_loads_and_goes_on(catalog: Catalog) -> None:
    stored = {
        "mode": "text",
        "application": {
            "service": NURSING,
            "application_id": "nursing-allowance-m1",
            "step": "disability",
            "answers": {"applicant": "self", "has_card": True},
            "displays": {"applicant": "给我自己申请", "has_card": "有"},
            "history": ["applicant", "has_card"],
            "phase": "asking",
            "correcting": False,
        },
        "pending": None,
        "misunderstood": 0,
        "last_seen": START,
        "greeted": True,
    }
    state = Conversation.from_dict(stored)
    assert state.application is not None
    assert state.application.partial == {}

    results = talk(catalog, "肢体", "二级", state=state)

    assert answers_of(last(results))["disability"] == {"category": 4, "level": 2}
    assert Conversation.from_dict(last(results).state.to_dict()) == last(results).state


def test_the_new_value_said_when_asked_which_answer_to_change_is_taken(catalog: Catalog) -> None:
    results = then(catalog, at_summary(catalog, LIVING), "不对", "区错了，是城中区")

    assert answers_of(last(results))["district"] == {"code": "450202", "name": "城中区"}
    assert last(results).state.application.phase == "confirming"  # type: ignore[union-attr]


def test_applying_for_oneself_while_mentioning_family_is_for_oneself(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "1", "1", "给我自己申请，我妈让我来问的")

    assert answers_of(last(results))["applicant"] == "self"


def test_her_daughter_said_alone_answers_the_relationship_question(catalog: Catalog) -> None:
    results = then(catalog, answered_up_to(catalog, NURSING, "relationship", proxy=True), "她闺女")

    assert answers_of(last(results))["relationship"] == "child"
    assert last(results).state.misunderstood == 0


def test_a_condition_described_mid_application_does_not_switch_to_the_service_it_could_name(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是", "不是")

    result = last(then(catalog, results, "她是自闭症"))

    assert result.state.application is not None
    assert result.state.application.service == NURSING
    assert result.state.paused is None


def test_another_service_asked_for_mid_application_is_turned_to(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "我想帮我妈申请护理补贴", "是", "不是")

    result = last(then(catalog, results, "算了，我想问法律援助"))

    assert result.state.application is not None
    assert result.state.application.service == "legal-aid"
    assert result.state.paused is not None
