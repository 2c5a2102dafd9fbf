"""detect_command(): words that work at any point, alone or with a few words around them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.commands import Command, detect_command
from dialogs.schema import Catalog

ALONE: list[tuple[str, Command]] = [
    ("帮助", "help"),
    ("怎么用", "help"),
    ("重复", "repeat"),
    ("再说一遍", "repeat"),
    ("没听清", "repeat"),
    ("上一步", "back"),
    ("返回", "back"),
    ("重新开始", "restart"),
    ("从头开始", "restart"),
    ("取消", "cancel"),
    ("不办了", "cancel"),
    ("退出", "cancel"),
    ("转人工", "handoff"),
    ("人工客服", "handoff"),
    ("找工作人员", "handoff"),
    ("找真人", "handoff"),
    ("菜单", "menu"),
    ("主菜单", "menu"),
    ("语音模式", "mode_voice"),
    ("文字模式", "mode_text"),
    ("简单模式", "mode_simple"),
    ("说简单点", "mode_simple"),
    ("你好", "greeting"),
    ("您好", "greeting"),
    ("在吗", "greeting"),
    ("有人吗", "greeting"),
    ("hello", "greeting"),
    ("hi", "greeting"),
]


@pytest.mark.parametrize(("text", "command"), [pytest.param(t, c, id=f"{c}-{t}") for t, c in ALONE])
def test_a_command_phrase_alone_is_that_command(catalog: Catalog, text: str, command: Command) -> None:
    assert detect_command(text, catalog.commands) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [
        pytest.param("请帮我转人工吧", "handoff", id="handoff-polite"),
        pytest.param("转人工！", "handoff", id="handoff-punctuation"),
        pytest.param(" 重 复 ", "repeat", id="repeat-spaced-by-recogniser"),
        pytest.param("再说一遍好吗", "repeat", id="repeat-asking"),
        pytest.param("能不能再说一遍", "repeat", id="repeat-can-you"),
        pytest.param("我要取消", "cancel", id="cancel-i-want"),
        pytest.param("取消吧", "cancel", id="cancel-particle"),
        pytest.param("我不申请了", "cancel", id="not-applying"),
        pytest.param("回到上一步", "back", id="back-go-to"),
        pytest.param("我想重新开始", "restart", id="restart-i-want"),
        pytest.param("从头来吧", "restart", id="restart-from-the-top"),
        pytest.param("换成语音模式", "mode_voice", id="voice-switch-to"),
        pytest.param("请用文字", "mode_text", id="text-please"),
        pytest.param("回主菜单", "menu", id="menu-back-to"),
        pytest.param("帮助一下", "help", id="help-a-bit"),
        pytest.param("你好啊", "greeting", id="greeting-particle"),
        pytest.param("请问在吗？", "greeting", id="greeting-asking"),
    ],
)
def test_a_command_with_a_few_words_around_it_is_still_that_command(
    catalog: Catalog, text: str, command: Command
) -> None:
    assert detect_command(text, catalog.commands) == command


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("我昨天去社区办事处找工作人员问了护理补贴的事情", id="staff-in-a-story"),
        pytest.param("上个月取消了低保，现在家里很困难", id="cancel-in-a-story"),
        pytest.param("我不知道怎么办才好，家里老人身体不好", id="how-in-a-story"),
        pytest.param("医生说要重新开始做康复训练了", id="restart-in-a-story"),
        pytest.param("残疾人证上写的是肢体二级", id="an-answer"),
        pytest.param("13812345678", id="a-phone-number"),
        pytest.param("", id="empty"),
        pytest.param("！？。", id="punctuation-only"),
        pytest.param("工作人员", id="staff-alone-is-not-a-request-for-a-person"),
        pytest.param("真人", id="real-person-alone-is-not-a-request-for-a-person"),
        pytest.param("你好，我想问一下残疾人证", id="greeting-before-a-question"),
        pytest.param("是", id="yes"),
        pytest.param("1", id="a-number"),
    ],
)
def test_no_command_inside_a_long_unrelated_sentence_or_an_answer(catalog: Catalog, text: str) -> None:
    assert detect_command(text, catalog.commands) is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("我想转人工，谢谢你", id="five-more-characters"),
        pytest.param("请你帮我转人工好吗谢谢", id="eight-more-characters"),
        pytest.param("你好我想要找真人可以吗", id="eight-more-around-find-a-real-person"),
    ],
)
def test_a_request_for_a_person_counts_with_up_to_eight_characters_around_it(catalog: Catalog, text: str) -> None:
    assert detect_command(text, catalog.commands) == "handoff"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        pytest.param("转人工的话要等多久呢我想问", None, id="handoff-with-nine-more-characters"),
        pytest.param("我想听一下帮助", None, id="help-with-five-more-characters"),
        pytest.param("想听一下帮助", "help", id="help-with-four-more-characters"),
        pytest.param("我真的要取消了吗", None, id="cancel-with-six-more-characters"),
    ],
)
def test_a_request_for_a_person_allows_no_more_than_eight_other_commands_no_more_than_four(
    catalog: Catalog, text: str, command: Command | None
) -> None:
    assert detect_command(text, catalog.commands) == command


def test_handoff_wins_when_two_commands_are_said(catalog: Catalog) -> None:
    assert detect_command("取消，转人工", catalog.commands) == "handoff"


def test_repeat_wins_over_help_in_a_short_message(catalog: Catalog) -> None:
    assert detect_command("说明再说一遍", catalog.commands) == "repeat"


def test_every_command_phrase_in_content_is_detected_as_its_own_command(catalog: Catalog) -> None:
    for command, phrases in catalog.commands:
        if command in ("confirm", "more_options", "offer_yes", "something_else"):
            # not commands that work anywhere: a yes at the summary, the rest of a long list, "none of those"
            continue
        mode = command.removesuffix("_alone")  # said alone, "语音" asks for voice like "用语音"
        for phrase in phrases:
            assert detect_command(phrase, catalog.commands) == mode, phrase


def test_confirm_words_are_not_commands_but_a_yes_at_the_summary(catalog: Catalog) -> None:
    assert [detect_command(phrase, catalog.commands) for phrase in catalog.commands.confirm] == [None] * len(
        catalog.commands.confirm
    )


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_detect_command_never_raises(catalog: Catalog, text: str) -> None:
    result = detect_command(text, catalog.commands)

    assert result is None or hasattr(catalog.commands, result)


@pytest.mark.parametrize(
    "text",
    [
        "我上个月申请的补贴批了没有",
        "我妈的护理补贴办得怎么样了",
        "上次申请的轮椅有结果了吗",
        "我想问问我的残疾证办好了没有呢",
    ],
)
def test_a_status_question_at_the_end_of_a_longer_message_is_asked_whatever_it_names(
    catalog: Catalog, text: str
) -> None:
    assert detect_command(text, catalog.commands) == "status"


@pytest.mark.parametrize(
    "text", ["我想申请护理补贴", "还没批下来，我在等", "批了没有我也不知道，反正我想再申请一个轮椅"]
)
def test_status_words_not_at_the_end_of_a_long_message_are_not_a_status_question(catalog: Catalog, text: str) -> None:
    assert detect_command(text, catalog.commands) != "status"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        pytest.param("我听不懂，说简单一点", "mode_simple", id="simpler-after-a-complaint"),
        pytest.param("我听不懂", "mode_simple", id="not-understood-asks-for-simpler"),
        pytest.param("太快了，我跟不上", "slower", id="slower-with-a-reason"),
    ],
)
def test_a_request_about_how_answers_are_said_counts_in_a_clause_of_its_own(
    catalog: Catalog, text: str, command: Command
) -> None:
    assert detect_command(text, catalog.commands) == command


@pytest.mark.parametrize(
    ("said", "command"),
    [
        ("我不用语音", "mode_text"),
        ("别用语音了", "mode_text"),
        ("不用文字了", "mode_voice"),
        ("不要取消", None),
        ("别退出", None),
        ("不要重复了", None),
    ],
)
def test_a_command_denied_right_before_its_words_is_not_that_command(
    catalog: Catalog, said: str, command: Command | None
) -> None:
    assert detect_command(said, catalog.commands) == command


@pytest.mark.parametrize(("said", "command"), [("听不懂", "mode_simple"), ("不办了", "cancel"), ("我没听清", "repeat")])
def test_a_denial_inside_a_command_phrase_is_part_of_it(catalog: Catalog, said: str, command: Command) -> None:
    assert detect_command(said, catalog.commands) == command


@pytest.mark.parametrize(("said", "command"), [("语音", "mode_voice"), ("语音吧", "mode_voice"), ("打字", "mode_text")])
def test_a_way_of_answering_named_alone_is_asked_for(catalog: Catalog, said: str, command: Command) -> None:
    assert detect_command(said, catalog.commands) == command


@pytest.mark.parametrize("said", ["我不会发语音", "语音听不清楚", "文字太多了"])
def test_a_way_of_answering_named_in_a_sentence_is_not_asked_for(catalog: Catalog, said: str) -> None:
    assert detect_command(said, catalog.commands) not in ("mode_voice", "mode_text")
