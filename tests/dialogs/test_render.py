"""Rendering for reading and for listening, and whether everything said makes sense when heard."""

from __future__ import annotations

import re
import unicodedata

import pytest

from dialogs.events import Reply, StepResult
from dialogs.render import render_spoken, render_text
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    HANDOFF,
    LIVING,
    MENU_PATH,
    NURSING,
    PROXY_ANSWERS,
    SELF_ANSWERS,
    SELF_ID,
    TWO_DAYS,
    card_for,
    fill,
    last,
    prompt,
    talk,
    then,
)

_MONEY = re.compile(r"\d+(\.\d+)?\s*(元|块|万元)|[一二两三四五六七八九十百千万]+\s*(元|块钱)")
_PLACEHOLDER = re.compile(r"\{(?!case_id\})[a-z_]+\}")


def is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF or 0x2600 <= ord(ch) <= 0x27BF


_DIGITS = "零一二三四五六七八九"


def chinese(number: int) -> str:
    """1..99 as said aloud: 一, 十, 十二, 二十, 二十三."""
    assert 1 <= number <= 99
    tens, ones = divmod(number, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")) + (_DIGITS[ones] if ones else "")


# ----------------------------------------------------------------------------- the two renderings


def test_render_text_of_a_reply_without_options_is_its_text() -> None:
    assert render_text(Reply("请说您的姓名。")) == "请说您的姓名。"


def test_render_text_numbers_options_one_per_line() -> None:
    rendered = render_text(Reply("您家里现在领低保吗？", ("在领低保", "正在申请低保", "没有低保")))

    assert rendered.splitlines() == ["您家里现在领低保吗？", "1. 在领低保", "2. 正在申请低保", "3. 没有低保"]


def test_render_spoken_of_a_reply_without_options_is_its_text() -> None:
    assert render_spoken(Reply("请说您的姓名。")) == "请说您的姓名。"


def test_render_spoken_announces_each_option_with_the_number_to_say() -> None:
    rendered = render_spoken(Reply("您有残疾人证吗？", ("是", "不是")))

    assert rendered == "您有残疾人证吗？说一，是。说二，不是。"


def test_chinese_numbers_for_the_tests() -> None:
    assert [chinese(n) for n in (1, 9, 10, 12, 20, 23)] == ["一", "九", "十", "十二", "二十", "二十三"]


@pytest.mark.parametrize("count", [1, 9, 10, 12, 21])
def test_render_spoken_announces_every_option_in_chinese_numbers_however_many(count: int) -> None:
    labels = tuple(f"第{n}项" for n in range(1, count + 1))

    rendered = render_spoken(Reply("选一个", labels))

    assert rendered == "选一个" + "".join(f"说{chinese(n)}，第{n}项。" for n in range(1, count + 1))
    assert not re.search(r"说\d", rendered)


def test_render_spoken_says_ten_and_twelve_as_words() -> None:
    rendered = render_spoken(Reply("选一个", tuple(f"项目{n}" for n in range(1, 13))))

    assert "说十，项目10。" in rendered
    assert rendered.endswith("说十二，项目12。")


def test_render_text_lists_items_with_chinese_ordinals_one_per_line() -> None:
    rendered = render_text(Reply("请带上这些材料：", items=("户口簿", "第二代残疾人证")))

    assert rendered.splitlines() == ["请带上这些材料：", "一、户口簿", "二、第二代残疾人证"]


def test_render_spoken_counts_items_first_second() -> None:
    rendered = render_spoken(Reply("请带上这些材料：", items=("户口簿", "第二代残疾人证")))

    assert rendered == "请带上这些材料：第一，户口簿。第二，第二代残疾人证。"
    assert "说一" not in rendered


def test_items_come_before_options_in_both_renderings() -> None:
    reply = Reply("材料：", options=("是", "不是"), items=("户口簿",))

    assert render_text(reply).splitlines() == ["材料：", "一、户口簿", "1. 是", "2. 不是"]
    assert render_spoken(reply) == "材料：第一，户口簿。说一，是。说二，不是。"


def test_a_reply_with_items_round_trips_through_storage_and_leaves_them_out_when_empty() -> None:
    reply = Reply("请带上这些材料：", items=("户口簿",))

    assert reply.to_dict() == {"text": "请带上这些材料：", "options": [], "items": ["户口簿"]}
    assert Reply.from_dict(reply.to_dict()) == reply
    assert Reply("好").to_dict() == {"text": "好", "options": []}


# ----------------------------------------------------------------------------- heard during full walks


def walks(catalog: Catalog) -> dict[str, list[StepResult]]:
    """Full conversations through both flows: every path that says something different."""
    found: dict[str, list[StepResult]] = {}
    for service in (LIVING, NURSING):
        for who, answers in (("self", SELF_ANSWERS[service]), ("proxy", PROXY_ANSWERS[service])):
            found[f"{service}-{who}"] = then(catalog, fill(catalog, service, answers), "不是", "2", "有", "是")
            found[f"{service}-{who}-simple"] = then(
                catalog, fill(catalog, service, answers, opening=("你好", "简单模式")), "名字不对", "李雷", "是"
            )
    living, nursing = SELF_ANSWERS[LIVING], SELF_ANSWERS[NURSING]
    overrides = [
        (LIVING, {"has_card": "没有"}),
        (LIVING, {"dibao": "没有低保"}),
        (LIVING, {"dibao": "正在申请低保", "other_support": "养老"}),
        (LIVING, {"dibao": "3", "other_support": "特困"}),
        (LIVING, {"other_support": "工伤"}),
        (LIVING, {"other_support": "孤儿"}),
        (NURSING, {"has_card": "没有"}),
        (NURSING, {"disability": "肢体三级"}),
        (
            NURSING,
            {
                "disability": "精神四级",
                "card_number": card_for(SELF_ID, "精神四级"),
                "long_term_care": "说不清楚",
                "other_support": "离休",
            },
        ),
        (NURSING, {"long_term_care": "不需要"}),
        (NURSING, {"other_support": "特困"}),
        (NURSING, {"other_support": "工伤"}),
    ]
    for index, (service, changes) in enumerate(overrides):
        base = living if service == LIVING else nursing
        found[f"rules-{index}"] = then(catalog, fill(catalog, service, {**base, **changes}), "是")
    at_district = fill(catalog, LIVING, {k: v for k, v in living.items() if k not in ("district", "phone")})
    found["misunderstood"] = then(catalog, at_district, "火星", "abc", "def", "什么", "不是", "帮助", "转人工")
    commands = talk(
        catalog,
        "重复",
        "帮助",
        "乱说",
        *MENU_PATH[HANDOFF],
        "没有",
        "生活补贴",
        "上一步",
        "重新开始",
        "是",
        "取消",
        "不是",
    )
    found["commands"] = then(
        catalog, commands, "取消", "是", "语音模式", "文字模式", *MENU_PATH[NURSING], "菜单", "上一步"
    )
    paused = last(found["commands"]).state
    found["resume"] = talk(catalog, "你好", "随便", "1", state=paused, start=paused.last_seen + TWO_DAYS)
    found["hostile"] = talk(catalog, "", "好" * 5000, "😀", "<b>x</b>", *MENU_PATH[LIVING], "🙂", "", "好" * 5000)
    return found


@pytest.fixture(scope="module")
def everything_said(catalog: Catalog) -> list[Reply]:
    return [reply for results in walks(catalog).values() for result in results for reply in result.replies]


def test_the_walks_say_every_rule_and_every_engine_prompt_that_matters(
    catalog: Catalog, everything_said: list[Reply]
) -> None:
    heard = {reply.text for reply in everything_said}
    for name in ("welcome", "help", "not_understood", "handoff_offer", "resume_offer", "cancelled", "stop_footer"):
        assert any(text.startswith(prompt(catalog, name)[:5]) for text in heard), name
    for service in (LIVING, NURSING):
        for rule in catalog.services[service].rules:
            assert any(rule.say.text[:12] in text or (rule.say.simple or "-") in text for text in heard), rule.id


@pytest.mark.parametrize(
    "render", [pytest.param(render_text, id="as-read"), pytest.param(render_spoken, id="as-heard")]
)
def test_nothing_said_in_the_walks_needs_a_screen_or_states_money(everything_said: list[Reply], render: object) -> None:
    assert callable(render)
    for reply in everything_said:
        rendered = str(render(reply))
        assert "点击" not in rendered, rendered
        assert "按钮" not in rendered, rendered
        assert "|" not in rendered, rendered
        assert not any(is_emoji(ch) for ch in rendered), rendered
        assert not _MONEY.search(rendered), rendered
        assert not _PLACEHOLDER.search(rendered), rendered


def test_every_option_list_in_the_walks_can_be_heard_with_its_numbers(everything_said: list[Reply]) -> None:
    assert any(len(reply.options) > 9 for reply in everything_said)
    for reply in everything_said:
        heard = render_spoken(reply)
        for number, label in enumerate(reply.options, start=1):
            assert f"说{chinese(number)}，{label}。" in heard


def test_every_item_list_in_the_walks_is_counted_not_offered(everything_said: list[Reply]) -> None:
    listed = [reply for reply in everything_said if reply.items]
    assert listed
    for reply in listed:
        assert reply.options == ()
        heard = render_spoken(reply)
        assert "说一" not in heard
        for number, item in enumerate(reply.items, start=1):
            assert f"第{chinese(number)}，{item}。" in heard


def test_every_option_of_the_correction_list_is_announced_when_heard(catalog: Catalog) -> None:
    results = then(catalog, fill(catalog, NURSING, PROXY_ANSWERS[NURSING]), "不是")
    listing = last(results).replies[-1]
    assert len(listing.options) > 9

    heard = render_spoken(listing)

    for number, label in enumerate(listing.options, start=1):
        assert f"说{chinese(number)}，{label}。" in heard, label
    assert "说十，" in heard


def test_the_documents_to_bring_are_not_announced_as_choices(catalog: Catalog) -> None:
    results = then(catalog, fill(catalog, LIVING, SELF_ANSWERS[LIVING]), "是")
    documents = last(results).replies[1]
    assert documents == Reply(prompt(catalog, "documents_intro"), items=catalog.services[LIVING].documents)

    heard = render_spoken(documents)
    assert "说一" not in heard
    assert heard == prompt(catalog, "documents_intro") + "".join(
        f"第{chinese(number)}，{item}。" for number, item in enumerate(documents.items, start=1)
    )
    assert render_text(documents).splitlines()[1:] == [
        f"{chinese(number)}、{item}" for number, item in enumerate(documents.items, start=1)
    ]
