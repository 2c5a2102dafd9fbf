"""What channels add beyond typed text: new followers, menu buttons, media, recognised speech, speech rate."""

from __future__ import annotations

from dialogs.engine import step
from dialogs.events import Inbound, InboundKind, StepResult, UpdateProfile
from dialogs.pending import Guess, Heard, ModeQuestion, ReadBack, Resume
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import (
    LIVING,
    MENU_PATH,
    NURSING,
    START,
    ask,
    last,
    menu_labels,
    profile_updates,
    prompt,
    talk,
    texts,
)


def event(
    catalog: Catalog,
    kind: InboundKind,
    text: str = "",
    *,
    state: Conversation | None = None,
    confidence: float | None = None,
) -> StepResult:
    current = state if state is not None else Conversation()
    now = current.last_seen + 60 if current.last_seen else START
    return step(current, Inbound(text, f"e{now:.0f}", now, kind, confidence), catalog)


def test_a_new_follower_is_welcomed_and_asked_once_how_to_be_answered(catalog: Catalog) -> None:
    result = event(catalog, "subscribe")

    assert texts(result) == [prompt(catalog, "subscribed"), prompt(catalog, "mode_question")]
    assert result.replies[-1].options == ("语音", "文字", "简单的话")
    assert isinstance(result.state.pending, ModeQuestion)
    assert result.state.mode_asked

    again = event(catalog, "subscribe", state=result.state)
    assert texts(again) == [prompt(catalog, "subscribed"), prompt(catalog, "menu_intro")]


def test_answering_the_mode_question_remembers_it_and_shows_the_menu(catalog: Catalog) -> None:
    asked = event(catalog, "subscribe")

    result = last(talk(catalog, "语音", state=asked.state))

    assert result.state.mode == "voice"
    assert profile_updates(result.effects) == [UpdateProfile(mode="voice", speech_rate=0)]
    assert texts(result) == [prompt(catalog, "mode_changed_voice"), prompt(catalog, "menu_intro")]


def test_a_request_instead_of_a_mode_answer_is_taken_as_the_request(catalog: Catalog) -> None:
    asked = event(catalog, "subscribe")

    result = last(talk(catalog, "我想申请护理补贴", state=asked.state))

    assert result.state.pending is None
    assert result.state.application is not None
    assert result.state.application.service == NURSING
    assert result.state.mode == "text"


def test_a_returning_follower_with_an_unfinished_application_is_offered_to_go_on(catalog: Catalog) -> None:
    started = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请"))

    result = event(catalog, "subscribe", state=started.state)

    assert texts(result)[0] == prompt(catalog, "subscribed")
    assert isinstance(result.state.pending, Resume)


def test_a_menu_button_naming_a_service_starts_it(catalog: Catalog) -> None:
    result = event(catalog, "choose", NURSING, state=last(talk(catalog, "你好")).state)

    assert result.state.application is not None
    assert result.state.application.service == NURSING
    assert texts(result)[-1] == ask(catalog, NURSING, "applicant")


def test_a_menu_button_during_an_application_keeps_it(catalog: Catalog) -> None:
    started = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请"))

    result = event(catalog, "choose", NURSING, state=started.state)

    assert result.state.application == started.state.application
    assert texts(result)[0] == prompt(catalog, "menu_during_application", service="生活补贴")


def test_a_picture_gets_a_kind_answer_and_the_open_question_again(catalog: Catalog) -> None:
    started = last(talk(catalog, "你好", *MENU_PATH[LIVING]))

    result = event(catalog, "unsupported", state=started.state)

    assert texts(result) == [prompt(catalog, "unsupported_media"), ask(catalog, LIVING, "applicant")]
    assert result.state.misunderstood == 0
    assert result.state.application == started.state.application


def test_voice_that_could_not_be_recognised_asks_to_say_it_again_or_type(catalog: Catalog) -> None:
    started = last(talk(catalog, "你好", *MENU_PATH[LIVING]))

    result = event(catalog, "voice", "", state=started.state)

    assert texts(result) == [prompt(catalog, "voice_not_understood"), ask(catalog, LIVING, "applicant")]


def test_confidently_recognised_speech_is_acted_on_like_typed_text(catalog: Catalog) -> None:
    result = event(catalog, "voice", "我想申请护理补贴", state=last(talk(catalog, "你好")).state, confidence=0.9)

    assert result.state.application is not None
    assert result.state.application.service == NURSING


def test_unsure_speech_is_checked_back_and_yes_acts_on_it(catalog: Catalog) -> None:
    unsure = event(catalog, "voice", "护理补贴", state=last(talk(catalog, "你好")).state, confidence=0.3)

    assert texts(unsure) == [prompt(catalog, "did_you_say", heard="护理补贴")]
    assert isinstance(unsure.state.pending, Heard)
    assert unsure.state.application is None

    confirmed = event(catalog, "voice", "对", state=unsure.state, confidence=0.4)
    assert confirmed.state.application is not None
    assert confirmed.state.application.service == NURSING


def test_unsure_speech_answered_no_asks_to_say_it_again(catalog: Catalog) -> None:
    unsure = event(catalog, "voice", "护理补贴", state=last(talk(catalog, "你好")).state, confidence=0.3)

    result = last(talk(catalog, "不是", state=unsure.state))

    assert texts(result)[0] == prompt(catalog, "voice_not_understood")
    assert result.state.pending is None
    assert result.state.application is None


def test_slower_and_faster_change_the_remembered_speech_rate_within_limits(catalog: Catalog) -> None:
    results = talk(catalog, "你好", "慢一点", "慢一点", "慢一点", "快一点")

    assert [r.state.speech_rate for r in results] == [0, -1, -2, -2, -1]
    assert profile_updates(results[1].effects) == [UpdateProfile(mode="text", speech_rate=-1)]
    assert texts(results[1])[0] == prompt(catalog, "rate_changed_slower")
    assert texts(results[3])[0] == prompt(catalog, "rate_at_limit")
    assert profile_updates(results[3].effects) == []
    assert texts(results[4])[0] == prompt(catalog, "rate_changed_faster")
    assert results[4].replies[-1].options == menu_labels(catalog)


def test_speech_rate_and_heard_text_survive_storage(catalog: Catalog) -> None:
    unsure = event(catalog, "voice", "护理补贴", state=last(talk(catalog, "你好", "慢一点")).state, confidence=0.3)

    restored = Conversation.from_dict(unsure.state.to_dict())

    assert restored.speech_rate == -1
    assert restored.pending == Heard("护理补贴")


def _voice_user_at_the_id_question(catalog: Catalog) -> Conversation:
    answers = ("你好", "语音模式", "生活补贴", "给我自己申请", "有", "在领低保", "都没有", "张三")
    return last(talk(catalog, *answers)).state


def test_a_voice_user_hears_a_spoken_id_number_read_back_before_going_on(catalog: Catalog) -> None:
    result = last(talk(catalog, "11010519491231002X", state=_voice_user_at_the_id_question(catalog)))

    assert isinstance(result.state.pending, ReadBack)
    assert texts(result) == [prompt(catalog, "read_back", label="身份证号码", value="110105 19491231 002X")]

    confirmed = last(talk(catalog, "对", state=result.state))
    assert confirmed.state.pending is None
    assert texts(confirmed) == [ask(catalog, LIVING, "card_number")]


def test_no_to_the_read_back_asks_for_the_number_again_and_forgets_it(catalog: Catalog) -> None:
    heard = last(talk(catalog, "11010519491231002X", state=_voice_user_at_the_id_question(catalog)))

    result = last(talk(catalog, "不对", state=heard.state))

    assert texts(result) == [ask(catalog, LIVING, "id_number")]
    assert result.state.application is not None
    assert "id_number" not in result.state.application.answers


def test_a_text_user_is_not_read_back_what_they_typed(catalog: Catalog) -> None:
    answers = ("你好", "生活补贴", "给我自己申请", "有", "在领低保", "都没有", "张三", "11010519491231002X")
    result = last(talk(catalog, *answers))

    assert result.state.pending is None
    assert texts(result) == [ask(catalog, LIVING, "card_number")]


def test_a_weak_guess_is_asked_about_instead_of_started(catalog: Catalog) -> None:
    """ "辅据" only sounds like 辅具: the resident is asked, with something else beside it, and "是" starts it."""
    asked = last(talk(catalog, "你好", "辅据"))

    assert asked.state.application is None
    assert asked.state.pending == Guess("assistive-device")
    guess = catalog.services["assistive-device"]
    assert texts(asked) == [prompt(catalog, "did_you_mean", service=guess.short_name)]
    assert asked.replies[0].options == (guess.short_name, prompt(catalog, "something_else"))

    started = last(talk(catalog, "是", state=asked.state))
    assert started.state.application is not None
    assert started.state.application.service == "assistive-device"


def test_in_simple_mode_a_choice_of_two_is_answered_yes_or_no(catalog: Catalog) -> None:
    asked = last(talk(catalog, "你好", "简单模式", "生活补贴"))
    assert texts(asked)[-1] == catalog.services[LIVING].step("applicant").ask.simple

    for said, chosen in (("是", "self"), ("不是", "proxy")):
        answered = last(talk(catalog, said, state=asked.state))
        assert answered.state.application is not None
        assert answered.state.application.answers["applicant"] == chosen


def test_in_full_mode_yes_to_a_choice_of_two_is_asked_again(catalog: Catalog) -> None:
    asked = last(talk(catalog, "你好", "生活补贴"))

    answered = last(talk(catalog, "是", state=asked.state))

    assert answered.state.application is not None
    assert "applicant" not in answered.state.application.answers
