"""A conversation is stored as JSON: every field is written, and it reads back the same."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

from dialogs.state import Application, Conversation, Turn


def _full_conversation() -> Conversation:
    return Conversation(
        mode="voice",
        application=Application("living-allowance", "a1", "phone", {"name": "张三"}, {"name": "张三"}, ("name",)),
        pending="cancel",
        misunderstood=2,
        last_replies=({"text": "请说电话", "options": []},),
        last_seen=12.5,
        transcript=(Turn("resident", "你好"), Turn("bot", "您好")),
        greeted=True,
        mode_asked=True,
        speech_rate=-1,
        heard="护理补贴",
    )


def test_every_field_is_written_as_plain_json() -> None:
    conversation = _full_conversation()
    stored = conversation.to_dict()

    assert set(stored) == {f.name for f in fields(Conversation)}
    assert json.loads(json.dumps(stored)) == json.loads(json.dumps(asdict(conversation)))


def test_a_stored_conversation_reads_back_the_same() -> None:
    conversation = _full_conversation()
    assert Conversation.from_dict(json.loads(json.dumps(conversation.to_dict()))) == conversation
