"""Reading a push: flat text fields in <xml>; declarations, nesting and broken XML are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.wechat.messages import MalformedPush, Push, parse_push, parse_xml

TEXT = (
    "<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o6_resident]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[我想申请<生活补贴> & 护理补贴]]></Content><MsgId>1234567890123456</MsgId></xml>"
)


def test_a_text_push_is_read_field_by_field() -> None:
    assert parse_push(TEXT) == Push(
        kind="text",
        openid="o6_resident",
        account="gh_account",
        create_time=1_700_000_000,
        msg_id="1234567890123456",
        content="我想申请<生活补贴> & 护理补贴",
    )


def test_an_xml_declaration_and_escaped_text_are_read() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?>' + TEXT.replace("<![CDATA[text]]>", "te&amp;xt")

    assert parse_xml(body)["MsgType"] == "te&xt"


def test_an_event_is_told_apart_by_sender_and_time() -> None:
    push = parse_push(
        "<xml><ToUserName>gh_account</ToUserName><FromUserName>o6_resident</FromUserName>"
        "<CreateTime>1700000000</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
    )

    assert (push.kind, push.event, push.msg_id) == ("event", "subscribe", None)
    assert push.dedup_id == "o6_resident:1700000000:subscribe"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + TEXT, "declarations"),
        ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "lol">]><xml><Content>&a;</Content></xml>', "declarations"),
        ("<xml><!-- a comment --><MsgType>text</MsgType></xml>", "declarations"),
        ("<xml><MsgType>text</MsgType>", "not readable XML"),
        ("<xml><Content>&undefined;</Content></xml>", "not readable XML"),
        ("", "not readable XML"),
        ("plain words", "not readable XML"),
        ("<root><MsgType>text</MsgType></root>", "root element"),
    ],
)
def test_unreadable_or_dangerous_xml_is_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(MalformedPush, match=reason):
        parse_xml(body)


@pytest.mark.parametrize(
    "body",
    [
        TEXT.replace("<![CDATA[我想申请<生活补贴> & 护理补贴]]>", "<b>你好</b>"),
        TEXT.replace("<Content>", '<Content lang="zh">'),
        TEXT.replace("<MsgId>", "<Content>again</Content><MsgId>"),
    ],
    ids=["nested", "attribute", "twice"],
)
def test_a_field_that_is_not_plain_text_is_refused(body: str) -> None:
    with pytest.raises(MalformedPush, match="Content is not plain text"):
        parse_push(body)


def test_a_push_without_type_or_sender_is_refused() -> None:
    with pytest.raises(MalformedPush, match="missing"):
        parse_push("<xml><MsgType>text</MsgType></xml>")


# ---------------------------------------------------------------- whatever arrives


_FIELDS = (
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "Event",
    "EventKey",
    "Recognition",
)


@st.composite
def _pushes(draw: st.DrawFn) -> str:
    """Push-shaped documents with any field missing, repeated, nested or holding any text."""
    parts = []
    for _ in range(draw(st.integers(0, 8))):
        name = draw(st.sampled_from(_FIELDS))
        inner = draw(st.one_of(st.text(max_size=30), st.just("<b>nested</b>"), st.integers().map(str)))
        wrap = draw(st.sampled_from(["{}", "<![CDATA[{}]]>"]))
        parts.append(f"<{name}>{wrap.format(inner)}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


@settings(max_examples=400, deadline=None)
@given(st.one_of(_pushes(), st.text(max_size=200)))
def test_any_document_is_read_as_a_push_or_refused_as_malformed(body: str) -> None:
    try:
        push = parse_push(body)
    except MalformedPush:
        return
    assert push.openid
    assert isinstance(push.create_time, int)
