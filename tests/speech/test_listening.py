"""Text prepared for listening: identifiers digit by digit, options announced, symbols gone, clips cut at sentences."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from speech.listening import chunk_for_speech, for_listening, sentences

PHONE = "一 三 八，一 二 三 四，五 六 七 八"
ID_WITH_X = "四 五 零 二 零 三，一 九 八 五 零 三 一 二，一 二 三 叉"

# Characters the listening text is built from, so that generated text hits the number and symbol rules often.
_TRICKY = (
    "0123456789０１Xx .-:：/%％~～年月日号尾编码是第项级一二，。！？；、\n\r\t"
    "（）()【】“”\"'·•|→*#\\_&℃°😀👍🏽\u200d\ufe0f"
)


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("13812345678", PHONE),
        ("手机号13812345678。", f"手机号{PHONE}。"),
        ("138 1234 5678", PHONE),
        ("138-1234-5678", PHONE),
        ("45020319850312123X", ID_WITH_X),
        ("45020319850312123x", ID_WITH_X),
        ("450203 19850312 123X", ID_WITH_X),
        ("450203198503121230", "四 五 零 二 零 三，一 九 八 五 零 三 一 二，一 二 三 零"),
        ("45020319850312123X12", f"{ID_WITH_X}，一 二"),
        ("卡号6222021234567890", "卡号六 二 二 二，零 二 一 二，三 四 五 六，七 八 九 零"),
        ("编号是1024", "编号是一 零 二 四"),
        ("编号是7", "编号是七"),
        ("证号尾号 12", "证号尾号 一 二"),
        ("0772-1234567", "零 七 七 二，一 二 三 四 五 六 七"),
    ],
)
def test_identifiers_are_read_digit_by_digit_in_groups(text: str, heard: str) -> None:
    assert for_listening(text) == heard


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("二级", "二级"),
        ("2级", "二级"),
        ("第2项", "第二项"),
        ("已经填了12项", "已经填了十二项"),
        ("3-5天", "三到五天"),
        ("10～20岁", "十到二十岁"),
        ("3.50元", "三点五元"),
        ("50%", "百分之五十"),
        ("2024-03-05", "二零二四年三月五日"),
        ("2024年3月5日", "二零二四年三月五日"),
        ("8:05开门", "八点零五分开门"),
        ("12:00", "十二点"),
        ("25℃", "二十五摄氏度"),
    ],
)
def test_short_numbers_amounts_dates_and_times_are_number_words(text: str, heard: str) -> None:
    assert for_listening(text) == heard


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("1. 接着填\n2. 重新开始", "说一，接着填。说二，重新开始。"),
        ("您要怎么办？\n1. 接着填\n2. 重新开始\n3. 不办了", "您要怎么办？说一，接着填。说二，重新开始。说三，不办了。"),
        ("请带上这些材料：\n一、身份证\n二、户口本", "请带上这些材料：一、身份证。二、户口本"),
        ("- 第一条\n- 第二条", "第一条。第二条"),
        ("第一行\n\n第二行", "第一行。第二行"),
        ("好的。\r\n我们接着填", "好的。我们接着填"),
    ],
)
def test_options_are_announced_with_their_number_and_lines_become_pauses(text: str, heard: str) -> None:
    assert for_listening(text) == heard


@pytest.mark.parametrize(
    ("text", "heard"),
    [
        ("（本案编号）", "本案编号"),
        ("请看【办事指南】和《残疾人证》", "请看办事指南和残疾人证"),
        ("说“重复”，我再说一遍。", "说重复，我再说一遍。"),
        ("您好😀👍🏽！", "您好！"),
        ("**重要**", "重要"),
        ("# 标题", "标题"),
        ("阿依古丽·买买提", "阿依古丽 买买提"),
        ("菜单→补贴", "菜单 补贴"),
        ("a|b/c\\d~e_f•g", "a b c d e f g"),
        ("APP和WiFi都可以", "APP和WiFi都可以"),
        ("X光检查", "X光检查"),
        ("您好\u200b，\ufeff欢迎", "您好，欢迎"),
    ],
)
def test_brackets_quotes_symbols_and_emoji_are_not_read_out(text: str, heard: str) -> None:
    assert for_listening(text) == heard


def test_a_summary_with_an_id_and_a_phone_number_is_read_as_a_resident_checks_it() -> None:
    summary = (
        "请核对您申请生活补贴的信息。\n"
        "残疾人姓名：张三。\n"
        "身份证号码：450203 19850312 123X。\n"
        "残疾人证号码：证号尾号 12，视力 二级。\n"
        "户口所在区县：柳北区。\n"
        "联系电话：138 1234 5678。"
    )

    assert for_listening(summary) == (
        "请核对您申请生活补贴的信息。"
        "残疾人姓名：张三。"
        f"身份证号码：{ID_WITH_X}。"
        "残疾人证号码：证号尾号 一 二，视力 二级。"
        "户口所在区县：柳北区。"
        f"联系电话：{PHONE}。"
    )


def test_a_handoff_reply_reads_its_case_number_digit_by_digit() -> None:
    reply = "已经转给工作人员了，编号是1024。工作人员会在这里用文字回复您，不用打电话。"

    assert for_listening(reply) == "已经转给工作人员了，编号是一 零 二 四。工作人员会在这里用文字回复您，不用打电话。"


def test_text_already_prepared_is_left_as_it_is() -> None:
    spoken = "您上次申请生活补贴，还没有办完。说一，接着填。说二，重新开始。"

    assert for_listening(spoken) == spoken
    assert for_listening(for_listening("联系电话：13812345678")) == f"联系电话：{PHONE}"


@given(st.text(alphabet=st.sampled_from(_TRICKY)) | st.text())
def test_for_listening_never_raises_and_leaves_no_digit_symbol_or_emoji(text: str) -> None:
    heard = for_listening(text)

    assert isinstance(heard, str)
    assert not any(char in '0123456789（）()【】“”"#*|→😀\n' for char in heard)
    assert not any(unicodedata.category(char) in {"So", "Cc", "Cf", "Cs", "Co", "Cn"} for char in heard)


def test_sentences_end_at_sentence_marks_and_line_breaks() -> None:
    text = "你好。他说“好。”然后呢？\n第二行；第三句！ "

    assert sentences(text) == ["你好。", "他说“好。”", "然后呢？", "第二行；", "第三句！"]


def test_sentences_never_cut_inside_a_number() -> None:
    assert sentences("编号是一 零 二 四。电话138;1234") == ["编号是一 零 二 四。", "电话138;1234"]
    assert sentences("") == []
    assert sentences(" \n \n") == []


def test_chunks_group_whole_sentences_up_to_the_limit() -> None:
    text = "第一句话。第二句话。第三句话比较长一些。"

    assert chunk_for_speech(text, 10) == ["第一句话。第二句话。", "第三句话比较长一些。"]
    assert chunk_for_speech(text, 200) == [text]


def test_a_sentence_longer_than_the_limit_is_cut_after_a_comma_else_at_a_space_else_hard() -> None:
    assert chunk_for_speech("一二三，四五六七八九。", 6) == ["一二三，", "四五六七八九", "。"]
    assert chunk_for_speech(f"电话是{PHONE}", 12) == ["电话是一 三 八，", "一 二 三 四，", "五 六 七 八"]
    assert chunk_for_speech("一二三四五六七八九十", 4) == ["一二三四", "五六七八", "九十"]


def test_a_hard_cut_does_not_split_a_latin_word_or_a_run_of_digits() -> None:
    assert chunk_for_speech("请用APP办理", 4) == ["请用", "APP办", "理"]
    assert chunk_for_speech("编号1024号", 4) == ["编号", "1024", "号"]
    assert chunk_for_speech("ABCDEFGH", 5) == ["ABCDE", "FGH"]


def test_a_limit_below_one_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk_for_speech("你好", 0)


@given(st.text(alphabet=st.sampled_from(_TRICKY + "ABC abc，。")) | st.text(), st.integers(1, 60))
def test_chunks_fit_the_limit_and_keep_every_character_but_whitespace(text: str, max_chars: int) -> None:
    chunks = chunk_for_speech(text, max_chars)

    assert all(0 < len(chunk) <= max_chars for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())
