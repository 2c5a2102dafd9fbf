"""A conversation is stored as JSON: every field is written, and it reads back the same.

Pending questions are values with their own data; a conversation stored by the version before, with the
question's kind as a name and its data in loose fields beside it, still loads as the same question.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest

from dialogs.pending import (
    KINDS,
    Cancel,
    Guess,
    Handoff,
    Heard,
    ModeQuestion,
    Money,
    Offer,
    PendingQuestion,
    Proposal,
    ReadBack,
    Reading,
    Restart,
    Resume,
    Which,
)
from dialogs.state import Application, Conversation, Turn

APPLICATION = Application("living-allowance", "a1", "phone", {"name": "张三"}, {"name": "张三"}, ("name",))

CANCEL = Cancel()
EVERY_QUESTION: tuple[PendingQuestion, ...] = (
    Resume(),
    Cancel(),
    Restart(),
    Handoff(),
    ModeQuestion(),
    ReadBack(),
    Heard("护理补贴"),
    Offer("nursing-allowance"),
    Offer("disability-card", "我的残疾证丢了，想补办"),
    Guess("assistive-device"),
    Proposal("applicant", "proxy", "帮我爸爸申请"),
    Reading(("需要带的材料：一、身份证。", "到哪里办：县级残联。")),
    Which("nursing-allowance", "living-allowance"),
    Money((True, False)),
    Money((True,), "我妈眼睛看不见，家里困难"),
)


def _full_conversation(pending: PendingQuestion | None = CANCEL) -> Conversation:
    return Conversation(
        mode="voice",
        application=APPLICATION,
        pending=pending,
        misunderstood=2,
        last_replies=({"text": "请说电话", "options": []},),
        last_seen=12.5,
        transcript=(Turn("resident", "你好"), Turn("bot", "您好")),
        greeted=True,
        mode_asked=True,
        speech_rate=-1,
    )


def _stored(conversation: Conversation) -> Conversation:
    return Conversation.from_dict(json.loads(json.dumps(conversation.to_dict(), ensure_ascii=False)))


def test_every_field_is_written_as_plain_json() -> None:
    stored = _full_conversation().to_dict()

    assert set(stored) == {f.name for f in fields(Conversation)}
    assert json.loads(json.dumps(stored)) == stored


def test_the_examples_cover_every_kind_of_pending_question() -> None:
    assert {type(question) for question in EVERY_QUESTION} == set(KINDS)


@pytest.mark.parametrize("question", EVERY_QUESTION, ids=lambda q: q.kind)
def test_a_stored_conversation_reads_back_the_same_whatever_question_is_pending(question: PendingQuestion) -> None:
    conversation = _full_conversation(question)

    assert _stored(conversation) == conversation
    assert conversation.to_dict()["pending"]["kind"] == question.kind


def _old_format(pending: str, **loose: Any) -> dict[str, Any]:
    """A conversation as the version before stored it: the question's name, its data beside it."""
    application = {
        "service": "living-allowance",
        "application_id": "a1",
        "step": "applicant",
        "answers": {},
        "displays": {},
        "history": [],
        "phase": "asking",
        "correcting": False,
        "partial": {},
        "said": ["帮我爸爸申请"],
        "proposal": loose.pop("proposal", {}),
        "proposed": ["applicant"],
        "paged": "",
    }
    return {
        "mode": "simple",
        "application": application,
        "pending": pending,
        "misunderstood": 1,
        "last_replies": [{"text": "要听下一项吗？", "options": ["是", "不是"]}],
        "last_seen": 1000.0,
        "transcript": [{"who": "resident", "text": "你好"}],
        "greeted": True,
        "mode_asked": True,
        "speech_rate": 1,
        "heard": "",
        "menu_group": "",
        "paused": None,
        "offer": "",
        "mode_later": False,
        "reading": [],
        "offers": [],
        "screening": [],
        **loose,
    }


@pytest.mark.parametrize(
    ("stored", "question"),
    [
        pytest.param(_old_format("cancel"), Cancel(), id="cancel"),
        pytest.param(_old_format("resume"), Resume(), id="resume"),
        pytest.param(_old_format("readback"), ReadBack(), id="readback"),
        pytest.param(_old_format("mode"), ModeQuestion(), id="mode"),
        pytest.param(_old_format("heard", heard="护理补贴怎么办"), Heard("护理补贴怎么办"), id="heard"),
        pytest.param(_old_format("offer", offer="nursing-allowance"), Offer("nursing-allowance"), id="offer"),
        pytest.param(
            _old_format("reading", reading=["一、身份证。", "二、户口本。"]),
            Reading(("一、身份证。", "二、户口本。")),
            id="reading",
        ),
        pytest.param(
            _old_format("which", offers=["nursing-allowance", "living-allowance"]),
            Which("nursing-allowance", "living-allowance"),
            id="which",
        ),
        pytest.param(_old_format("money", screening=[True, False]), Money((True, False)), id="money"),
        pytest.param(
            _old_format("proposal", proposal={"step": "applicant", "value": "proxy", "quote": "帮我爸爸申请"}),
            Proposal("applicant", "proxy", "帮我爸爸申请"),
            id="proposal",
        ),
        pytest.param(_old_format("reading"), None, id="reading-with-nothing-left-is-dropped"),
        pytest.param(_old_format("which", offers=["x"]), None, id="which-without-two-services-is-dropped"),
        pytest.param(_old_format("bogus"), None, id="unknown-kind-is-dropped"),
    ],
)
def test_a_conversation_stored_by_the_previous_version_loads_with_its_question_and_data(
    stored: dict[str, Any], question: PendingQuestion | None
) -> None:
    state = Conversation.from_dict(json.loads(json.dumps(stored, ensure_ascii=False)))

    assert state.pending == question
    assert (state.mode, state.misunderstood, state.speech_rate) == ("simple", 1, 1)
    assert state.application is not None
    assert (state.application.step, state.application.proposed) == ("applicant", ("applicant",))


def test_an_old_format_conversation_reads_back_the_same_once_stored_again() -> None:
    old = _old_format("offer", offer="nursing-allowance")
    state = Conversation.from_dict(old)

    assert _stored(state) == state
    assert "offer" not in state.to_dict()
