"""A message is read clause by clause where one clause can mean something on its own."""

from __future__ import annotations

from dialogs.clauses import clauses


def test_a_message_splits_at_chinese_and_latin_punctuation_and_spaces() -> None:
    assert clauses("帮我转人工，我想问问年审。谢谢! 好") == ["帮我转人工", "我想问问年审", "谢谢", "好"]


def test_a_message_without_punctuation_is_one_clause() -> None:
    assert clauses("我想申请护理补贴") == ["我想申请护理补贴"]
