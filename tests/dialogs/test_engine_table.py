"""The dialog core as tables: (state, what the resident says) -> (replies, effects).

States are named by the conversation that leads to them, so each row reads as a situation.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs.commands import detect_command
from dialogs.engine import step
from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase, Inbound, Reply, StepResult, UpdateProfile
from dialogs.pending import Cancel, Guess, Handoff, Restart, Which, kind_of
from dialogs.schema import Catalog
from dialogs.state import Conversation
from dialogs.validators import ChoiceOption, Invalid, Valid, parse_choice, parse_yes_no
from tests.dialogs.conversation import (
    HANDOFF,
    LIVING,
    MENU_PATH,
    NURSING,
    SELF_ANSWERS,
    SELF_CARD,
    SELF_ID,
    TWO_DAYS,
    all_cases,
    ask,
    cases,
    fill,
    last,
    menu_labels,
    profile_updates,
    prompt,
    step_options,
    talk,
    texts,
    then,
)
from tests.dialogs.validators.strategies import said_back

YES_NO = ("是", "不是")

# Named situations: the messages that lead there, and how many of the last replies form the question
# then open (what "帮助" or a mode word must ask again).
TO_SUMMARY = ("你好", *MENU_PATH[LIVING], *SELF_ANSWERS[LIVING].values())
STATES: dict[str, tuple[tuple[str, ...], int]] = {
    "idle": (("你好",), 1),
    "first-question": (("你好", *MENU_PATH[LIVING]), 1),
    "middle-question": (("你好", *MENU_PATH[LIVING], "给我自己申请", "有"), 1),
    "summary": (TO_SUMMARY, 2),
    "correction-list": ((*TO_SUMMARY, "不是"), 1),
}
IN_APPLICATION = ("first-question", "middle-question", "summary", "correction-list")


def reach(catalog: Catalog, name: str) -> tuple[StepResult, tuple[Reply, ...]]:
    """The result that left the conversation in state ``name``, and the question it left open."""
    script, question_size = STATES[name]
    result = last(talk(catalog, *script))
    return result, result.replies[-question_size:]


def menu(catalog: Catalog, *, mode: str = "text") -> Reply:
    return Reply(prompt(catalog, "menu_intro", mode=mode), menu_labels(catalog, mode=mode))


def unclear_yes_no(text: str) -> str:
    """What the yes/no validator says back to ``text`` when it is neither yes nor no."""
    result = parse_yes_no(text)
    assert isinstance(result, Invalid), text
    return said_back(result)


# ----------------------------------------------------------------------------- greeting and menu


def test_first_message_greets_and_shows_the_numbered_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好"))

    assert result.replies == (
        Reply(prompt(catalog, "welcome")),
        Reply(prompt(catalog, "menu_intro"), menu_labels(catalog)),
    )
    assert result.effects == ()
    assert result.state.greeted
    assert result.state.application is None


@pytest.mark.parametrize(
    ("first", "answer"),
    [
        pytest.param("", ("empty_message",), id="empty"),
        pytest.param("帮助", ("help",), id="help"),
        pytest.param("重复", ("nothing_to_repeat",), id="repeat"),
        pytest.param("在吗", (), id="greeting-word"),
        pytest.param("9", (), id="number-not-on-menu"),
        pytest.param("今天天气怎么样", (), id="small-talk"),
        pytest.param("上一步", (), id="back"),
    ],
)
def test_a_first_message_that_is_not_a_request_is_greeted_before_anything_else(
    catalog: Catalog, first: str, answer: tuple[str, ...]
) -> None:
    result = last(talk(catalog, first))

    assert result.replies == (
        Reply(prompt(catalog, "welcome")),
        *(Reply(prompt(catalog, name)) for name in answer),
        menu(catalog),
    )
    assert result.state.misunderstood == 0


@pytest.mark.parametrize(("word", "mode"), [pytest.param("语音模式", "voice"), pytest.param("简单模式", "simple")])
def test_a_first_message_switching_the_mode_is_greeted_then_switches(catalog: Catalog, word: str, mode: str) -> None:
    result = last(talk(catalog, word))

    assert result.replies == (
        Reply(prompt(catalog, "welcome")),
        Reply(prompt(catalog, f"mode_changed_{mode}", mode=mode)),
        menu(catalog, mode=mode),
    )


def test_a_first_message_asking_for_a_person_is_greeted_then_asked_what_it_is_about(catalog: Catalog) -> None:
    result = last(talk(catalog, "转人工"))

    assert texts(result) == [
        prompt(catalog, "welcome"),
        catalog.services[HANDOFF].intro.text,
        ask(catalog, HANDOFF, "topic"),
        prompt(catalog, "skip_hint"),
    ]


def test_the_welcome_is_said_only_once(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "你好")

    assert results[1].replies == (menu(catalog),)


@pytest.mark.parametrize(
    ("numbers", "service"),
    [
        pytest.param(("1", "1"), LIVING, id="digit-1"),
        pytest.param(("一", "一"), LIVING, id="chinese-one"),
        pytest.param(("１", "１"), LIVING, id="full-width-1"),
        pytest.param(("第一个", "第一个"), LIVING, id="the-first-one"),
        pytest.param(("1", "2"), NURSING, id="digit-2"),
        pytest.param(("一", "二"), NURSING, id="chinese-two"),
        pytest.param(("第一个", "第二个"), NURSING, id="the-second-one"),
    ],
)
def test_a_menu_number_opens_the_subsidy_group_and_a_second_number_opens_that_subsidy_at_its_first_question(
    catalog: Catalog, numbers: tuple[str, str], service: str
) -> None:
    group, chosen = talk(catalog, "你好", *numbers)[1:]

    assert group.replies == (
        Reply(prompt(catalog, "group_intro"), tuple(catalog.services[s].name for s in catalog.menu[0].services)),
    )
    assert group.state.application is None
    assert chosen.replies == (
        Reply(catalog.services[service].intro.text),
        Reply(ask(catalog, service, "applicant"), step_options(catalog, service, "applicant")),
    )
    assert chosen.effects == ()
    assert chosen.state.application is not None
    assert chosen.state.application.service == service
    assert chosen.state.application.step == "applicant"
    assert chosen.state.application.answers == {}


@pytest.mark.parametrize(
    ("said", "service"), [("护理的", NURSING), ("那个护理吧", NURSING), ("无障碍", "home-accessibility")]
)
def test_part_of_one_listed_name_in_the_subsidy_group_opens_that_subsidy(
    catalog: Catalog, said: str, service: str
) -> None:
    chosen = last(talk(catalog, "你好", "1", said))

    assert chosen.state.application is not None
    assert chosen.state.application.service == service


def test_a_word_in_several_listed_names_says_not_understood_and_lists_the_group_again(catalog: Catalog) -> None:
    unclear = last(talk(catalog, "你好", "1", "补贴"))

    assert unclear.state.application is None
    assert unclear.replies[-1] == Reply(
        prompt(catalog, "group_intro"), tuple(catalog.services[s].name for s in catalog.menu[0].services)
    )


def test_part_of_one_service_name_outside_any_list_is_asked_about_not_started(catalog: Catalog) -> None:
    guessed = last(talk(catalog, "你好", "护理的"))

    assert guessed.state.application is None
    assert guessed.state.pending == Guess(NURSING)


@pytest.mark.parametrize(
    ("message", "service"),
    [
        pytest.param("生活补贴", LIVING, id="short-name-living"),
        pytest.param("护理补贴", NURSING, id="short-name-nursing"),
        pytest.param("申请重度残疾人护理补贴", NURSING, id="full-menu-label"),
        pytest.param("我想申请护理补贴", NURSING, id="free-text-want-nursing"),
        pytest.param("重度残疾有补助吗", NURSING, id="free-text-severe-disability-question"),
        pytest.param("生活补贴怎么申请", LIVING, id="free-text-how-to-apply-living"),
        pytest.param("家里是低保户，我是残疾人，想问问补助", LIVING, id="free-text-dibao-household-disabled"),
        pytest.param("户理补贴", NURSING, id="sound-alike-slip"),
    ],
)
def test_a_subsidy_named_at_the_main_menu_or_in_free_text_opens_at_its_first_question(
    catalog: Catalog, message: str, service: str
) -> None:
    result = last(talk(catalog, "你好", message))

    assert result.replies == (
        Reply(catalog.services[service].intro.text),
        Reply(ask(catalog, service, "applicant"), step_options(catalog, service, "applicant")),
    )
    assert result.effects == ()
    assert result.state.application is not None
    assert result.state.application.service == service
    assert result.state.application.step == "applicant"
    assert result.state.application.answers == {}


def test_a_first_message_naming_a_subsidy_greets_and_opens_it(catalog: Catalog) -> None:
    result = last(talk(catalog, "我想申请护理补贴"))

    assert texts(result) == [
        prompt(catalog, "welcome"),
        catalog.services[NURSING].intro.text,
        ask(catalog, NURSING, "applicant"),
    ]


def test_the_menu_number_for_a_person_asks_what_the_person_needs_before_handing_off(catalog: Catalog) -> None:
    assert MENU_PATH[HANDOFF] == ("5",)
    results = talk(catalog, "你好", *MENU_PATH[HANDOFF], "我想问残疾人证怎么办")

    assert texts(results[1]) == [
        catalog.services[HANDOFF].intro.text,
        ask(catalog, HANDOFF, "topic"),
        prompt(catalog, "skip_hint"),
    ]
    (case,) = cases(results[2])
    assert (case.service, case.team) == (HANDOFF, "hotline")
    assert case.answers == {"topic": "我想问残疾人证怎么办"}
    assert CASE_ID_PLACEHOLDER in texts(results[2])[0]
    assert results[2].state.application is None


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("今天天气怎么样", id="small-talk"),
        pytest.param("补贴", id="too-vague"),
        pytest.param("9", id="number-not-on-menu"),
    ],
)
def test_unknown_text_says_not_understood_and_shows_the_menu_again(catalog: Catalog, message: str) -> None:
    result = last(talk(catalog, "你好", message))

    assert result.replies == (
        Reply(prompt(catalog, "not_understood")),
        Reply(prompt(catalog, "menu_intro"), menu_labels(catalog)),
    )
    assert result.effects == ()
    assert result.state.application is None
    assert result.state.misunderstood == 1


def _which(catalog: Catalog, first: str, second: str) -> Reply:
    return Reply(prompt(catalog, "which_of_two", first=first, second=second), (first, second))


def test_a_tie_between_the_subsidies_asks_which_of_the_two(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "生活补贴还是护理补贴"))

    assert result.replies == (_which(catalog, "生活补贴", "护理补贴"),)
    assert result.effects == ()
    assert result.state.application is None
    assert isinstance(result.state.pending, Which)
    assert result.state.misunderstood == 0


@pytest.mark.parametrize(
    ("answer", "service"),
    [
        pytest.param("2", "nursing-allowance", id="by-number"),
        pytest.param("护理补贴", "nursing-allowance", id="by-name"),
        pytest.param("第一个", "living-allowance", id="the-first"),
    ],
)
def test_the_answer_to_which_of_two_starts_that_service(catalog: Catalog, answer: str, service: str) -> None:
    result = last(talk(catalog, "你好", "生活补贴还是护理补贴", answer))

    assert result.state.application is not None
    assert result.state.application.service == service


def test_neither_of_the_two_shows_the_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "生活补贴还是护理补贴", "都不是"))

    assert result.replies == (menu(catalog),)
    assert result.state.pending is None


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("护理补贴和生活补贴", id="both-subsidies"),
        pytest.param("我想问一下护理补贴和生活补贴", id="question"),
    ],
)
def test_a_tie_in_other_words_names_both_short_names(catalog: Catalog, sentence: str) -> None:
    result = last(talk(catalog, "你好", sentence))

    asked = {_which(catalog, "生活补贴", "护理补贴"), _which(catalog, "护理补贴", "生活补贴")}
    assert result.replies[0] in asked
    assert len(result.replies) == 1


def test_a_tie_is_not_counted_as_a_misunderstanding(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "随便", "生活补贴还是护理补贴", "哈哈")

    assert last(results).replies == (Reply(prompt(catalog, "not_understood")), menu(catalog))
    assert last(results).state.misunderstood == 2
    assert last(results).state.pending is None


def test_a_first_message_that_is_a_tie_is_greeted_then_asked_which_one(catalog: Catalog) -> None:
    result = last(talk(catalog, "生活补贴还是护理补贴"))

    assert result.replies == (Reply(prompt(catalog, "welcome")), _which(catalog, "生活补贴", "护理补贴"))


def test_third_unknown_text_in_a_row_offers_a_person(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "随便", "哈哈", "嗯嗯嗯啊"))

    assert result.replies == (Reply(prompt(catalog, "handoff_offer"), YES_NO),)
    assert isinstance(result.state.pending, Handoff)
    assert result.state.misunderstood == 0


# ----------------------------------------------------------------------------- hostile input

HOSTILE = [
    pytest.param("", id="empty"),
    pytest.param("   \n\t ", id="only-whitespace"),
    pytest.param("好" * 5000, id="5000-chinese-characters"),
    pytest.param("a" * 5000, id="5000-latin-letters"),
    pytest.param("😀👍🏻👨‍👩‍👧", id="emoji-only"),
    pytest.param("\x00\x07\x1b[31m\x7f", id="control-characters"),
    pytest.param("'; DROP TABLE cases;--", id="sql"),
    pytest.param("<script>alert(1)</script>", id="html"),
    pytest.param("Hello 你好 Привет مرحبا ｶﾀｶﾅ", id="mixed-scripts"),
    pytest.param("\u200b\u200d\ufeff", id="zero-width-only"),
    pytest.param("{case_id}{who}{service}", id="placeholders"),
]


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize("message", HOSTILE)
def test_hostile_text_gets_a_helpful_reply_and_changes_nothing(catalog: Catalog, state_name: str, message: str) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, message, state=before.state))

    assert result.replies
    assert all(reply.text.strip() for reply in result.replies)
    assert result.effects == ()
    assert result.state.application == before.state.application
    if not message.strip():
        assert result.replies == (Reply(prompt(catalog, "empty_message")), *question)
    if len(message) == 5000:
        assert result.replies == (Reply(prompt(catalog, "too_long")), *question)


def test_a_5000_character_message_is_not_kept_whole_in_the_transcript(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "好" * 5000))

    assert max(len(turn.text) for turn in result.state.transcript) <= 1000


@st.composite
def _walk_states(draw: st.DrawFn, states: list[Conversation]) -> Conversation:
    return draw(st.sampled_from(states))


@pytest.fixture(scope="session")
def walk_states(catalog: Catalog) -> list[Conversation]:
    """Every state reached while walking both flows, including each kind of open yes/no question."""
    walks = [
        fill(catalog, LIVING, SELF_ANSWERS[LIVING]),
        fill(catalog, NURSING, {**SELF_ANSWERS[NURSING], "applicant": "替家里人申请", "relationship": "配偶"}),
        talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "取消"),
        talk(catalog, "你好", *MENU_PATH[NURSING], "给我自己申请", "重新开始"),
        talk(catalog, "你好", "随便", "哈哈", "嗯嗯嗯啊"),
        talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "有", "月亮", "星星", "太阳"),
    ]
    summary = walks[0][-1].state
    walks.append(talk(catalog, "不是", state=summary))
    walks.append(talk(catalog, "你好", state=summary, start=summary.last_seen + TWO_DAYS))
    states = [Conversation()] + [result.state for walk in walks for result in walk]
    assert {kind_of(state.pending) for state in states} >= {None, "cancel", "restart", "handoff", "resume"}
    phases = {state.application.phase for state in states if state.application is not None}
    assert phases == {"asking", "confirming", "choosing_correction"}
    return states


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), message=st.text(), pause=st.sampled_from([60.0, TWO_DAYS]))
def test_any_text_at_any_state_of_a_walk_never_raises_and_always_answers(
    catalog: Catalog, walk_states: list[Conversation], data: st.DataObject, message: str, pause: float
) -> None:
    state = data.draw(_walk_states(walk_states))

    result = step(state, Inbound(text=message, message_id="any", now=state.last_seen + pause), catalog)

    assert len(result.replies) >= 1
    assert all(isinstance(reply.text, str) and reply.text for reply in result.replies)


# ----------------------------------------------------------------------------- commands everywhere


@pytest.mark.parametrize("state_name", STATES)
def test_help_explains_the_commands_then_asks_the_open_question_again(catalog: Catalog, state_name: str) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, "帮助", state=before.state))

    assert result.replies == (Reply(prompt(catalog, "help")), *question)
    assert result.effects == ()
    assert result.state.application == before.state.application


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize("word", ["重复", "再说一遍", "没听清", "请再说一遍"])
def test_repeat_says_exactly_the_last_replies_again_and_changes_nothing_else(
    catalog: Catalog, state_name: str, word: str
) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == before.replies
    assert result.effects == ()
    assert replace(result.state, last_seen=before.state.last_seen) == before.state
    assert result.state.last_seen > before.state.last_seen


def test_repeat_twice_still_says_the_question_not_the_word_repeat(catalog: Catalog) -> None:
    before, _ = reach(catalog, "middle-question")

    results = talk(catalog, "重复", "重复", state=before.state)

    assert results[1].replies == before.replies


def test_repeat_before_anything_was_said_says_so_and_shows_the_menu(catalog: Catalog) -> None:
    result = last(talk(catalog, "重复"))

    assert result.replies == (
        Reply(prompt(catalog, "welcome")),
        Reply(prompt(catalog, "nothing_to_repeat")),
        menu(catalog),
    )


def test_a_number_right_after_the_menu_shown_for_a_first_repeat_opens_that_subsidy(catalog: Catalog) -> None:
    result = last(talk(catalog, "重复", *MENU_PATH[LIVING]))

    assert result.state.application is not None
    assert result.state.application.service == LIVING


def test_back_at_the_first_question_says_it_is_the_first(catalog: Catalog) -> None:
    before, question = reach(catalog, "first-question")

    result = last(talk(catalog, "上一步", state=before.state))

    assert result.replies == (Reply(prompt(catalog, "back_at_first")), *question)
    assert result.state.application == before.state.application


@pytest.mark.parametrize("word", ["上一步", "返回", "回去", "上一个"])
def test_back_asks_the_previous_question_and_forgets_its_answer(catalog: Catalog, word: str) -> None:
    before, _ = reach(catalog, "middle-question")
    assert before.state.application is not None
    assert before.state.application.answers["has_card"] is True

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (Reply(ask(catalog, LIVING, "has_card"), ("有", "没有")),)
    application = result.state.application
    assert application is not None
    assert application.step == "has_card"
    assert "has_card" not in application.answers
    assert "has_card" not in application.displays
    assert application.answers == {"applicant": "self"}


def test_back_from_the_summary_asks_the_last_question_again(catalog: Catalog) -> None:
    before, _ = reach(catalog, "summary")

    result = last(talk(catalog, "上一步", state=before.state))

    assert result.replies == (Reply(ask(catalog, LIVING, "phone")),)
    assert result.state.application is not None
    assert result.state.application.phase == "asking"


def test_back_with_no_application_shows_the_menu(catalog: Catalog) -> None:
    before, question = reach(catalog, "idle")

    result = last(talk(catalog, "上一步", state=before.state))

    assert result.replies == question


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize("word", ["重新开始", "从头开始", "重来"])
def test_restart_asks_to_confirm_before_clearing_anything(catalog: Catalog, state_name: str, word: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (Reply(prompt(catalog, "restart_confirm", service="生活补贴"), YES_NO),)
    assert isinstance(result.state.pending, Restart)
    assert result.state.application == before.state.application


@pytest.mark.parametrize("state_name", IN_APPLICATION)
def test_restart_confirmed_goes_to_the_first_question_with_answers_cleared(catalog: Catalog, state_name: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, "重新开始", "是", state=before.state))

    assert result.replies == (Reply(ask(catalog, LIVING, "applicant"), step_options(catalog, LIVING, "applicant")),)
    application = result.state.application
    assert application is not None
    assert (application.service, application.step, application.phase) == (LIVING, "applicant", "asking")
    assert application.answers == {}
    assert application.history == ()
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
def test_restart_declined_asks_the_same_question_again_and_keeps_the_answers(catalog: Catalog, state_name: str) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, "重新开始", "不是", state=before.state))

    assert result.replies == question
    assert result.state.application == before.state.application
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize("word", ["取消", "不办了", "不申请了", "退出"])
def test_cancel_asks_to_confirm_first(catalog: Catalog, state_name: str, word: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (Reply(prompt(catalog, "cancel_confirm", service="生活补贴"), YES_NO),)
    assert isinstance(result.state.pending, Cancel)
    assert result.state.application == before.state.application


@pytest.mark.parametrize("state_name", IN_APPLICATION)
def test_cancel_confirmed_drops_the_application_and_shows_the_menu(catalog: Catalog, state_name: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, "取消", "是", state=before.state))

    assert result.replies == (
        Reply(prompt(catalog, "cancelled")),
        Reply(prompt(catalog, "menu_intro"), menu_labels(catalog)),
    )
    assert result.effects == ()
    assert result.state.application is None
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
def test_cancel_declined_asks_the_same_question_again(catalog: Catalog, state_name: str) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, "取消", "不是", state=before.state))

    assert result.replies == question
    assert result.state.application == before.state.application


def test_cancel_with_nothing_open_says_so_and_shows_the_menu(catalog: Catalog) -> None:
    before, question = reach(catalog, "idle")

    result = last(talk(catalog, "取消", state=before.state))

    assert result.replies == (Reply(prompt(catalog, "nothing_to_cancel")), *question)
    assert question == (menu(catalog),)
    assert result.state.application is None
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize("again", ["取消", "不办了"])
def test_saying_cancel_again_to_the_cancel_question_means_yes(catalog: Catalog, state_name: str, again: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, "取消", again, state=before.state))

    assert result.replies == (Reply(prompt(catalog, "cancelled")), menu(catalog))
    assert result.effects == ()
    assert result.state.application is None
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
def test_saying_restart_again_to_the_restart_question_means_yes(catalog: Catalog, state_name: str) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, "重新开始", "重新开始", state=before.state))

    assert result.replies == (Reply(ask(catalog, LIVING, "applicant"), step_options(catalog, LIVING, "applicant")),)
    application = result.state.application
    assert application is not None
    assert (application.step, application.phase, application.answers) == ("applicant", "asking", {})
    assert result.state.pending is None


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize(("word", "confirm"), [("取消", "cancel_confirm"), ("重新开始", "restart_confirm")])
def test_an_unclear_answer_to_cancel_or_restart_gives_the_reason_and_asks_again(
    catalog: Catalog, state_name: str, word: str, confirm: str
) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, word, "什么", state=before.state))

    assert result.replies == (
        Reply(unclear_yes_no("什么")),
        Reply(prompt(catalog, confirm, service="生活补贴"), YES_NO),
    )
    assert result.state.pending == (Cancel() if word == "取消" else Restart())
    assert result.state.misunderstood == 1
    assert result.state.application == before.state.application


HANDOFF_WORDS = ["转人工", "人工服务", "找工作人员", "找真人", "请帮我转人工吧", "我想转人工，谢谢你"]


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize("word", HANDOFF_WORDS)
def test_handoff_during_an_application_files_a_request_at_once_and_keeps_the_application(
    catalog: Catalog, state_name: str, word: str
) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    (case,) = cases(result)
    assert (case.service, case.team) == (HANDOFF, "hotline")
    assert case.answers["recent_messages"]
    assert case.answers["unfinished_service"] == LIVING
    done = Reply(catalog.services[HANDOFF].done.text)
    assert CASE_ID_PLACEHOLDER in done.text
    assert result.replies == (done, Reply(prompt(catalog, "resumed")), *question)
    assert result.state.application == before.state.application


@pytest.mark.parametrize("word", HANDOFF_WORDS)
def test_handoff_with_nothing_open_starts_the_handoff_service_like_its_menu_option(catalog: Catalog, word: str) -> None:
    before, _ = reach(catalog, "idle")

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (
        Reply(catalog.services[HANDOFF].intro.text),
        Reply(ask(catalog, HANDOFF, "topic")),
        Reply(prompt(catalog, "skip_hint")),
    )
    assert result.replies == last(talk(catalog, *MENU_PATH[HANDOFF], state=before.state)).replies
    assert result.effects == ()
    assert result.state.application is not None
    assert (result.state.application.service, result.state.application.step) == (HANDOFF, "topic")


@pytest.mark.parametrize(
    ("topic", "recorded"),
    [pytest.param("我想问残疾人证怎么办", "我想问残疾人证怎么办", id="a-topic"), pytest.param("没有", None, id="no")],
)
def test_handoff_with_nothing_open_files_the_case_after_the_topic_answer(
    catalog: Catalog, topic: str, recorded: str | None
) -> None:
    results = talk(catalog, "你好", "转人工", topic)

    (case,) = all_cases(results)
    assert (case.service, case.team) == (HANDOFF, "hotline")
    assert case.answers == {"topic": recorded}
    assert last(results).replies == (Reply(catalog.services[HANDOFF].done.text),)
    assert last(results).state.application is None


def test_asking_for_a_person_twice_files_one_request(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "转人工", "转人工", "没有")

    assert len(all_cases(results)) == 1
    assert all(case.answers.get("unfinished_service") != HANDOFF for case in all_cases(results))


def test_a_request_for_a_person_wins_over_an_option_word_inside_it(catalog: Catalog) -> None:
    before, question = reach(catalog, "first-question")
    applicant = catalog.services[LIVING].step("applicant")
    options = [ChoiceOption(option.value, option.label, option.synonyms) for option in applicant.options]
    assert parse_choice("请帮我转人工吧", options) == Valid(value="proxy", display="替家里人或者别人申请")

    result = last(talk(catalog, "请帮我转人工吧", state=before.state))

    (case,) = cases(result)
    assert case.service == HANDOFF
    assert result.replies[1:] == (Reply(prompt(catalog, "resumed")), *question)
    assert result.state.application == before.state.application


def test_handoff_case_carries_what_the_resident_said_last(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "转人工"))

    (case,) = cases(result)
    assert case.answers["recent_messages"] == "1 / 1 / 给我自己申请"
    assert case.fields == {}


MODES = [
    pytest.param("简单模式", "simple", id="simple"),
    pytest.param("说简单点", "simple", id="simple-in-words"),
    pytest.param("文字模式", "text", id="text"),
    pytest.param("语音模式", "voice", id="voice"),
    pytest.param("用语音", "voice", id="voice-in-words"),
]


@pytest.mark.parametrize("state_name", STATES)
@pytest.mark.parametrize(("word", "mode"), MODES)
def test_mode_word_updates_the_profile_and_asks_the_open_question_again(
    catalog: Catalog, state_name: str, word: str, mode: str
) -> None:
    before, _ = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    assert profile_updates(result.effects) == [UpdateProfile(mode=mode)]
    assert result.state.mode == mode
    assert texts(result)[0] == prompt(catalog, f"mode_changed_{mode}", mode=mode)
    assert result.state.application == before.state.application


def test_simple_mode_uses_the_simple_forms_from_then_on(catalog: Catalog) -> None:
    results = talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "简单模式", "有")

    assert texts(results[-2]) == [prompt(catalog, "mode_changed_simple", mode="simple"), "您有残疾人证吗？"]
    assert texts(results[-2])[1] == ask(catalog, LIVING, "has_card", mode="simple")
    assert texts(results[-1]) == [ask(catalog, LIVING, "dibao", mode="simple")]
    assert results[-1].state.mode == "simple"


def test_simple_mode_menu_uses_the_short_labels(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", "简单模式"))

    assert result.replies[-1] == Reply(
        prompt(catalog, "menu_intro", mode="simple"), menu_labels(catalog, mode="simple")
    )
    assert menu_labels(catalog, mode="simple") == ("申请补贴", "康复和辅具", "法律救助", "残疾人证手续", "找工作人员")


def test_text_mode_after_simple_mode_goes_back_to_the_full_wording(catalog: Catalog) -> None:
    results = talk(catalog, "你好", *MENU_PATH[LIVING], "简单模式", "文字模式")

    assert texts(results[-1]) == [prompt(catalog, "mode_changed_text"), ask(catalog, LIVING, "applicant")]


@pytest.mark.parametrize("state_name", IN_APPLICATION)
@pytest.mark.parametrize("word", ["菜单", "主菜单", "首页", "回主菜单", "你好", "您好", "在吗", "有人吗", "hello"])
def test_menu_or_greeting_during_an_application_says_how_to_leave_and_asks_the_open_question_again(
    catalog: Catalog, state_name: str, word: str
) -> None:
    before, question = reach(catalog, state_name)

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (Reply(prompt(catalog, "menu_during_application", service="生活补贴")), *question)
    assert result.effects == ()
    assert result.state.application == before.state.application
    assert result.state.misunderstood == 0


def test_menu_during_an_application_names_the_service_in_simple_mode_too(catalog: Catalog) -> None:
    result = last(talk(catalog, "你好", *MENU_PATH[NURSING], "简单模式", "菜单"))

    assert result.replies == (
        Reply(prompt(catalog, "menu_during_application", mode="simple", service="护理补贴")),
        Reply(ask(catalog, NURSING, "applicant", mode="simple"), step_options(catalog, NURSING, "applicant")),
    )


@pytest.mark.parametrize("word", ["你好", "您好", "在吗", "有人吗", "hello", "hi"])
def test_a_greeting_with_nothing_open_shows_the_menu(catalog: Catalog, word: str) -> None:
    before = last(then(catalog, fill(catalog, LIVING, SELF_ANSWERS[LIVING]), "是"))
    assert before.state.application is None

    result = last(talk(catalog, word, state=before.state))

    assert result.replies == (menu(catalog),)
    assert result.state.misunderstood == 0


@pytest.mark.parametrize(
    ("script", "expected_step"),
    [
        pytest.param(("你好", "你好，护理补贴"), "applicant", id="greeting-and-a-request"),
        pytest.param(
            (
                "你好",
                *MENU_PATH[LIVING],
                "给我自己申请",
                "有",
                "在领低保",
                "都没有",
                "张三",
                SELF_ID,
                SELF_CARD,
                "你好，柳北区",
            ),
            "phone",
            id="greeting-and-a-district",
        ),
    ],
)
def test_a_greeting_in_front_of_a_request_or_an_answer_does_not_drop_it(
    catalog: Catalog, script: tuple[str, ...], expected_step: str
) -> None:
    # A greeting counts as a command only with a word or two around it, never with a request after it.
    assert detect_command(script[-1], catalog.commands) is None

    result = last(talk(catalog, *script))

    assert result.state.application is not None
    assert result.state.application.step == expected_step


def test_a_command_answers_an_open_yes_no_question_first(catalog: Catalog) -> None:
    """转人工 while "确定不办了吗" is open files the handoff and re-asks the question, not the cancel."""
    results = then(catalog, talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "取消"), "转人工")

    result = last(results)
    assert len(cases(result)) == 1
    assert result.state.pending is None
    assert result.state.application is not None


def test_no_case_or_profile_effect_without_a_reason(catalog: Catalog) -> None:
    results = talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "有", "重复", "帮助", "上一步")

    assert [effect for result in results for effect in result.effects] == []
    assert not any(isinstance(effect, CreateCase) for result in results for effect in result.effects)


def test_every_pending_question_is_asked_and_answered_from_one_table() -> None:
    from dialogs.engine import PENDING
    from dialogs.pending import KINDS

    assert set(PENDING) == set(KINDS)
