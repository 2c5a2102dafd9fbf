"""Words that signal danger get an immediate answer and an urgent request, from any point of any flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.events import AddToCase, CreateCase, StepResult
from dialogs.pending import Offer
from dialogs.safety import find_danger
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    HANDOFF,
    LEGAL,
    LIVING,
    NURSING,
    PROXY_ANSWERS,
    SELF_ANSWERS,
    cases,
    current_step,
    fill,
    last,
    talk,
    texts,
    then,
)

CRISIS_ADVICE = "您的安全最重要"
DANGER_SETS = Path(__file__).resolve().parents[1] / "data" / "safety"

CRISES = {
    "violence": "他天天打我，我害怕",
    "locked-in": "家里人把我锁在家里出不去",
    "self-harm": "我真的不想活了",
    "fire": "楼下着火了",
    "medical": "我妈妈晕倒了",
}


def _every_state(catalog: Catalog) -> list[tuple[str, StepResult]]:
    """Every state a resident passes through in both subsidies, as a resident and as a proxy."""
    states: list[tuple[str, StepResult]] = [("first contact", last(talk(catalog, "你好")))]
    for service in (LIVING, NURSING):
        for who, answers in (("self", SELF_ANSWERS[service]), ("proxy", PROXY_ANSWERS[service])):
            walk = fill(catalog, service, answers)
            states += [(f"{service}/{who}/{n}", result) for n, result in enumerate(walk)]
            confirmed = then(catalog, walk, "是")
            states.append((f"{service}/{who}/done", confirmed[-1]))
    return states


@pytest.mark.parametrize("category", list(CRISES))
def test_danger_is_answered_at_once_from_every_point_of_every_flow(catalog: Catalog, category: str) -> None:
    expected = next(c for c in catalog.safety.categories if c.id == category)
    for where, before in _every_state(catalog):
        result = last(talk(catalog, CRISES[category], state=before.state))

        said = texts(result)
        assert expected.say.text in said, where
        assert catalog.safety.footer.text in said, where
        (case,) = cases(result)
        assert isinstance(case, CreateCase)
        assert (case.service, case.team, case.urgent) == ("handoff", "hotline", True), where
        assert case.answers["crisis"] == category
        # Nothing the resident was doing is lost: the application waits exactly as it was.
        assert result.state.application == before.state.application, where


def test_every_danger_answer_works_for_someone_who_cannot_phone(catalog: Catalog) -> None:
    for category in catalog.safety.categories:
        for text in (category.say.text, category.say.simple or ""):
            assert any(number in text for number in ("110", "119", "120")), category.id
            # Never only "call": a deaf resident is told to have someone nearby call.
            assert "身边的人" in text or "别人" in text or "邻居" in text or "大声呼救" in text, category.id


def test_a_crisis_said_in_voice_is_not_held_up_by_a_did_you_say_question(catalog: Catalog) -> None:
    from dialogs.engine import step
    from dialogs.events import Inbound

    state = last(talk(catalog, "你好")).state
    result = step(state, Inbound("着火了", "v1", state.last_seen + 60, "voice", 0.2), catalog)

    assert result.state.pending is None
    assert cases(result)[0].urgent


def test_ordinary_answers_do_not_raise_alarms(catalog: Catalog) -> None:
    walk = fill(catalog, LIVING, SELF_ANSWERS[LIVING])
    everything = [*walk, *then(catalog, walk, "是")]
    assert not any(case.urgent for result in everything for case in cases(result))


def test_danger_is_answered_at_the_first_question_of_every_service(catalog: Catalog) -> None:
    from dialogs.engine import step
    from dialogs.events import Inbound

    greeted = last(talk(catalog, "你好")).state
    for service_id in catalog.services:
        opened = step(greeted, Inbound(service_id, "menu", greeted.last_seen + 60, "choose"), catalog)
        assert opened.state.application is not None, service_id

        result = last(talk(catalog, CRISES["violence"], state=opened.state))

        (case,) = cases(result)
        assert case.urgent, service_id
        assert result.state.application == opened.state.application, service_id


def test_danger_told_when_asking_for_a_person_files_one_urgent_case_not_two(catalog: Catalog) -> None:
    walk = fill(catalog, HANDOFF, {})
    assert current_step(last(walk).state) == "topic"  # free text, but the urgent case already is the request

    told = last(then(catalog, walk, "他喝了酒就打我"))

    (case,) = cases(told)
    assert case.urgent
    assert told.state.application == last(walk).state.application


def test_danger_said_again_goes_to_the_open_urgent_case_not_a_second_one(catalog: Catalog) -> None:
    first = talk(catalog, "你好", "他喝了酒就打我")
    (urgent,) = cases(last(first))
    assert urgent.urgent

    again = last(then(catalog, first, "他经常打我，还不给我钱看病"))

    assert cases(again) == []
    (added,) = [effect for effect in again.effects if isinstance(effect, AddToCase)]
    assert added.case_id == last(first).state.handoff_case
    assert added.text == "他经常打我，还不给我钱看病"
    assert CRISIS_ADVICE in texts(again)[0]


def test_asking_for_a_person_after_danger_goes_to_the_open_urgent_case(catalog: Catalog) -> None:
    first = talk(catalog, "你好", "他喝了酒就打我")

    asked = last(then(catalog, first, "转人工"))

    assert cases(asked) == []
    assert [effect for effect in asked.effects if isinstance(effect, AddToCase)]


def test_a_request_said_with_the_danger_is_offered_after_the_alarm(catalog: Catalog) -> None:
    told = last(talk(catalog, "我想找律师，我老公喝了酒就打我"))

    (case,) = cases(told)
    assert case.urgent
    assert told.state.pending == Offer(LEGAL, "我想找律师，我老公喝了酒就打我")

    started = last(then(catalog, [told], "给我自己"))  # a yes, and the answer to the first question

    assert started.state.application is not None
    assert started.state.application.service == LEGAL
    assert started.state.application.answers["applicant"] == "self"


# ----------------------------------------------------------------------------- what counts as danger


@pytest.mark.parametrize(
    ("sentence", "category"),
    [
        pytest.param("他喝了酒就打我", "violence", id="hit-when-drunk"),
        pytest.param("他说要打死我", "violence", id="threat-to-kill"),
        pytest.param("照顾我的人掐我，还扇我耳光", "violence", id="carer-abuse"),
        pytest.param("我女儿是智障，被邻居猥亵了", "violence", id="sexual-abuse-of-a-disabled-daughter"),
        pytest.param("我老婆说我再出门就打断我的腿", "violence", id="break-legs-is-not-interrupt"),
        pytest.param("他们把我锁在屋里", "locked-in", id="locked-in-a-room"),
        pytest.param("他出门把门从外面锁上了，我出不去", "locked-in", id="cannot-get-out-because-locked"),
        pytest.param("死了算了", "self-harm", id="better-dead"),
        pytest.param("活着没意思", "self-harm", id="no-point-living"),
        pytest.param("我想喝农药", "self-harm", id="pesticide"),
        pytest.param("我攒了一瓶安眠药", "self-harm", id="hoarded-sleeping-pills"),
        pytest.param("我不想活了", "self-harm", id="negation-word-inside-the-phrase"),
        pytest.param("家里煤气泄漏了", "fire", id="gas-leak"),
        pytest.param("我妈摔倒了起不来", "medical", id="fallen-cannot-get-up"),
        pytest.param("我爸中风了，嘴歪了说不出话", "medical", id="stroke-now"),
        pytest.param("救救我", "medical", id="save-me"),
        pytest.param("他们不给我饭吃", "neglect", id="not-fed"),
        pytest.param("侄子拿走我的钱，还把我赶出来", "neglect", id="money-taken"),
        pytest.param("护工不给我翻身，背上都烂了", "neglect", id="bedsores-from-neglect"),
    ],
)
def test_danger_is_found_however_it_is_said(catalog: Catalog, sentence: str, category: str) -> None:
    found = find_danger(sentence, catalog.safety)

    assert found is not None
    assert found.category.id == category
    assert found.matched


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("请打我手机", id="call-my-mobile"),
        pytest.param("打我电话", id="call-me"),
        pytest.param("打我儿媳妇电话她不接", id="call-a-relative"),
        pytest.param("被打扰", id="disturbed"),
        pytest.param("我想打车去残联", id="taxi"),
        pytest.param("明天要去医院打针", id="injection"),
        pytest.param("我想请人来打扫卫生", id="cleaning"),
        pytest.param("轮椅出不去", id="wheelchair-cannot-get-out"),
        pytest.param("下雨天路滑我出不去", id="cannot-go-out-in-the-rain"),
        pytest.param("账号被锁了登不上去", id="account-locked"),
        pytest.param("这是我的救命钱，能不能快点发", id="lifeline-money"),
        pytest.param("我妈中风了好几年，想申请护理补贴", id="stroke-years-ago"),
        pytest.param("我每天晚上吃安眠药才睡得着", id="sleeping-pills-as-prescribed"),
        pytest.param("我爸不想活动，整天躺着", id="does-not-want-to-move"),
        pytest.param("老家着火那年我才十岁", id="a-fire-long-ago"),
        pytest.param("卖保健品的把我钱骗走了", id="fraud-is-for-legal-aid"),
    ],
)
def test_everyday_words_that_look_like_danger_raise_no_alarm(catalog: Catalog, sentence: str) -> None:
    assert find_danger(sentence, catalog.safety) is None


@pytest.mark.parametrize(
    ("denied", "meant"),
    [
        pytest.param("没有人打我，我就是想问补贴", "他天天打我", id="nobody-hits-me"),
        pytest.param("他没打我，就是说话难听", "他打我", id="he-did-not-hit-me"),
        pytest.param("我没想死，就是心里烦", "我想死", id="i-did-not-mean-to-die"),
        pytest.param("我没想过自杀，就是问问心理咨询", "我想自杀", id="never-thought-of-suicide"),
    ],
)
def test_a_denied_danger_is_no_danger_but_the_same_words_said_plainly_are(
    catalog: Catalog, denied: str, meant: str
) -> None:
    assert find_danger(denied, catalog.safety) is None
    assert find_danger(meant, catalog.safety) is not None


def test_the_danger_set_is_found_in_full_with_at_most_one_false_alarm_in_fifty(catalog: Catalog) -> None:
    """The labelled sets in tests/data/safety: every danger found, precision at least 0.98."""
    labelled = [
        (sentence, expected)
        for path in sorted(DANGER_SETS.glob("*.tsv"))
        for sentence, _, expected in (
            line.partition("\t") for line in path.read_text("utf-8").splitlines() if line and not line.startswith("#")
        )
    ]
    dangers = [sentence for sentence, expected in labelled if expected != "none"]
    look_alikes = [sentence for sentence, expected in labelled if expected == "none"]
    assert len(dangers) >= 50
    assert len(look_alikes) >= 50

    missed = [s for s in dangers if find_danger(s, catalog.safety) is None]
    false_alarms = [s for s in look_alikes if find_danger(s, catalog.safety) is not None]
    kinds = {s: found.category.id for s in dangers if (found := find_danger(s, catalog.safety))}
    wrong_kind = [(s, e) for s, e in labelled if e != "none" and kinds.get(s, e) != e]

    assert missed == []
    assert len(dangers) / (len(dangers) + len(false_alarms)) >= 0.98, false_alarms
    assert wrong_kind == []


# ----------------------------------------------------------------------------- a story that is also an alarm


def test_a_story_of_danger_in_a_free_text_step_raises_the_alarm_and_is_kept_as_the_answer(catalog: Catalog) -> None:
    answers = {"applicant": "给我自己申请", "matter": "家庭和婚姻"}
    walk = fill(catalog, LEGAL, answers)
    assert current_step(last(walk).state) == "description"

    told = last(then(catalog, walk, "他喝了酒就打我"))

    (case,) = cases(told)
    assert case.urgent
    assert case.answers["crisis"] == "violence"
    said = texts(told)
    assert next(c for c in catalog.safety.categories if c.id == "violence").say.text in said
    application = told.state.application
    assert application is not None
    assert application.answers["description"] == "他喝了酒就打我"
    assert current_step(told.state) != "description"  # the next question, not the same one again


def test_danger_at_a_question_that_is_not_free_text_leaves_the_answer_unset(catalog: Catalog) -> None:
    walk = fill(catalog, LEGAL, {"applicant": "给我自己申请"})
    assert current_step(last(walk).state) == "matter"

    told = last(then(catalog, walk, "他喝了酒就打我"))

    assert cases(told)[0].urgent
    assert told.state.application == last(walk).state.application


def test_a_look_alike_inside_a_form_is_an_answer_not_an_alarm(catalog: Catalog) -> None:
    walk = fill(catalog, LEGAL, {"applicant": "给我自己申请", "matter": "其他"})

    told = last(then(catalog, walk, "门口有坎，轮椅出不去，物业不管"))

    assert not cases(told)
    application = told.state.application
    assert application is not None
    assert application.answers["description"] == "门口有坎，轮椅出不去，物业不管"


def test_an_illness_of_a_time_gone_by_files_no_urgent_case_but_one_of_now_still_does(catalog: Catalog) -> None:
    history = last(talk(catalog, "我老伴去年中风了，现在半边身子不能动，家里就我们两个，有没有什么补助"))
    now = last(talk(catalog, "我妈去年中风过，刚才又晕倒了"))

    assert cases(history) == []
    (case,) = cases(now)
    assert case.urgent
