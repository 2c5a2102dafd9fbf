"""Reading the Chinese recogniser's output: spoken digits, and phrases that only sound alike."""

from __future__ import annotations

import pytest

from speech.numbers import closest_phrase, digits_from_speech, sounds_like


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("幺 三 八 一 二 三 四", "1381234"),
        ("一三八", "138"),
        ("两", "2"),
        ("零", "0"),
        ("幺 三 八 洞 洞 拐", "138007"),
        ("一百 二十", "120"),
        ("138 1234", "1381234"),
    ],
)
def test_spoken_numbers_become_digits(heard: str, expected: str) -> None:
    assert digits_from_speech(heard) == expected


def test_words_around_a_number_are_kept() -> None:
    assert digits_from_speech("我 的 电话 是 幺 三 八 一 二 三 四 谢谢") == "我 的 电话 是 1381234 谢谢"


def test_a_number_inside_a_word_becomes_digits() -> None:
    assert digits_from_speech("电话幺三八") == "电话138"


@pytest.mark.parametrize("heard", ["统一 一下", "千万 不要", "万一", "洞", "拐 弯", "我 要 办 证", ""])
def test_words_that_only_contain_numerals_stay_words(heard: str) -> None:
    assert digits_from_speech(heard) == heard


def test_yao_after_i_means_want_not_one() -> None:
    assert digits_from_speech("我 要 一 个") == "我 要 1 个"


def test_yao_between_digits_is_one() -> None:
    assert digits_from_speech("幺 三 要 八") == "1318"


def test_homophone_slips_sound_exactly_alike() -> None:
    assert sounds_like("户理补贴", "护理补贴") == 1.0
    assert sounds_like("低保", "滴保") == 1.0


def test_tones_do_not_count() -> None:
    assert sounds_like("是", "十") == 1.0


def test_liuzhou_accent_slips_sound_nearly_alike() -> None:
    # n/l, zh/z, ch/c, sh/s, eng/en and ing/in merge in Liuzhou Mandarin.
    for a, b in [("男", "蓝"), ("是", "四"), ("生", "身"), ("南宁", "兰宁"), ("心情", "新琴")]:
        assert 0.5 < sounds_like(a, b) < 1.0, (a, b)


def test_different_phrases_sound_different() -> None:
    assert sounds_like("护理补贴", "残疾证") < 0.3
    assert sounds_like("护理补贴", "护理") == 0.5


def test_spaces_punctuation_and_digits_do_not_matter() -> None:
    assert sounds_like("护理 补贴。", "护理补贴") == 1.0
    assert sounds_like("1号", "一号") == 1.0


def test_empty_text_sounds_like_nothing() -> None:
    assert sounds_like("", "护理补贴") == 0.0
    assert sounds_like("", "") == 1.0


def test_similarity_is_symmetric_and_between_0_and_1() -> None:
    pairs = [("户理补贴", "护理"), ("男", "蓝蓝"), ("abc", "护理"), ("안녕", "안녕하세요")]
    for a, b in pairs:
        assert sounds_like(a, b) == sounds_like(b, a)
        assert 0.0 <= sounds_like(a, b) <= 1.0


PHRASES = ("护理补贴", "残疾证", "低保", "重度残疾人生活补贴")


def test_the_closest_phrase_is_found_through_a_homophone() -> None:
    assert closest_phrase("户理 补贴", PHRASES) == "护理补贴"
    assert closest_phrase("残及证", PHRASES) == "残疾证"


def test_an_exact_phrase_wins_over_its_homophones() -> None:
    assert closest_phrase("其中", ("期中", "其中")) == "其中"


def test_no_phrase_below_the_threshold() -> None:
    assert closest_phrase("今天天气很好", PHRASES) is None
    assert closest_phrase("护理", PHRASES) is None
    assert closest_phrase("护理", PHRASES, threshold=0.5) == "护理补贴"


def test_two_phrases_that_sound_the_same_are_no_answer() -> None:
    assert closest_phrase("奇中", ("期中", "其中")) is None


def test_no_phrases_is_no_answer() -> None:
    assert closest_phrase("护理补贴", ()) is None
