"""While the closing of one application is read part by part ("要听下一项吗？") and another application is
paused, nothing the resident says is dropped: an answer to the paused application's question goes there,
and anything else is taken as what it is."""

from __future__ import annotations

from dialogs.evolve import evolve
from dialogs.pending import Reading, Resume
from dialogs.schema import Catalog
from dialogs.state import Conversation
from tests.dialogs.conversation import LIVING, MENU_PATH, NURSING, ask, last, prompt, talk, texts

PARTS = ("要带的材料：一、身份证。", "到哪里办：县级残联。")


def _reading_beside_paused(catalog: Catalog) -> Conversation:
    """A living allowance paused at "您家里现在领低保吗？", and another application's closing being read."""
    paused = last(talk(catalog, "你好", *MENU_PATH[LIVING], "给我自己申请", "有")).state
    assert paused.application is not None
    assert paused.application.step == "dibao"
    return evolve(paused, application=None, paused=paused.application, pending=Reading(PARTS), mode="simple")


def test_an_answer_to_the_paused_question_is_taken_there(catalog: Catalog) -> None:
    result = last(talk(catalog, "家里在领低保", state=_reading_beside_paused(catalog)))

    application = result.state.application
    assert application is not None
    assert application.service == LIVING
    assert application.answers["dibao"] == "receiving"
    assert result.state.paused is None
    assert texts(result) == [
        prompt(catalog, "paused_back", mode="simple", service="生活补贴"),
        ask(catalog, LIVING, "other_support", mode="simple"),
    ]


def test_another_request_is_taken_as_itself_and_the_paused_application_waits(catalog: Catalog) -> None:
    state = _reading_beside_paused(catalog)

    result = last(talk(catalog, "我还想问问护理补贴", state=state))

    assert result.state.application is not None
    assert result.state.application.service == NURSING
    assert result.state.paused == state.paused


def test_words_that_are_neither_are_answered_and_the_paused_application_is_offered_again(catalog: Catalog) -> None:
    state = _reading_beside_paused(catalog)

    result = last(talk(catalog, "你们几点下班", state=state))

    assert prompt(catalog, "paused_resume", mode="simple", service="生活补贴") in texts(result)
    assert result.state.application == state.paused
    assert isinstance(result.state.pending, Resume)


def test_yes_still_reads_on_and_no_still_stops(catalog: Catalog) -> None:
    state = _reading_beside_paused(catalog)

    assert texts(last(talk(catalog, "是", state=state)))[0] == PARTS[0]
    stopped = last(talk(catalog, "不用了", state=state))
    assert texts(stopped)[0] == prompt(catalog, "reading_stopped", mode="simple")
    assert stopped.state.application == state.paused
