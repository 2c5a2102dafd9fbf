"""How a resident wants to be contacted, heard in sentences as residents (and their families) say them."""

from __future__ import annotations

import pytest

from dialogs.contact_preference import ContactPreference, Heard, detect, latest

TEXT_ONLY = ContactPreference.TEXT_ONLY
MAY_CALL = ContactPreference.MAY_CALL
VIA_FAMILY = ContactPreference.VIA_FAMILY


@pytest.mark.parametrize(
    "said",
    [
        "我听不见，别打电话",
        "我是聋人",
        "聋",
        "我耳朵聋了，有事打字跟我说",
        "我听力不好，电话听不见",
        "不要给我打电话，发微信就行",
        "别老是打电话了",
        "我不方便接电话",
        "接不了电话，用文字吧",
        "我只能打字",
        "有事发短信",
        "我不会说话",
        "别 打 电话",  # recognised speech, spaces between the words
        "不可以打电话",
        "我 听 不见",
    ],
)
def test_a_resident_who_cannot_or_will_not_take_calls_gets_text(said: str) -> None:
    assert detect(said) == TEXT_ONLY


@pytest.mark.parametrize(
    "said",
    [
        "可以打电话",
        "打我手机",
        "给我打电话吧",
        "能给我打电话吗",
        "直接打电话就行",
        "打电话也行",
        "电话联系我",
        "我不会打字，你们打电话给我",
        "我看不见，打这个号码找我",
        "打我的电话",
    ],
)
def test_a_resident_who_lets_staff_call_may_be_called(said: str) -> None:
    assert detect(said) == MAY_CALL


@pytest.mark.parametrize(
    "said",
    [
        "找我女儿",
        "跟我儿子联系",
        "有事联系我老伴",
        "打我女儿的电话",
        "给我儿子打电话，他在家",
        "我听不见，有事找我女儿",
        "我女儿会跟你们联系",
        "打电话给我女儿",
        "和我闺女说就行",
    ],
)
def test_a_resident_who_names_a_family_member_is_reached_through_family(said: str) -> None:
    assert detect(said) == VIA_FAMILY


@pytest.mark.parametrize(
    "said",
    [
        "我想申请护理补贴",
        "我不聋",
        "我儿子是聋的，想给他配助听器",  # a parent speaking, who can take a call
        "我孩子听不见",
        "我打电话给你们没人接",
        "我可以打电话吗",  # asking whether they may call the office
        "我不会打字",  # typing is impossible, calling is not said
        "不要联系我儿子",
        "别找我女儿",
        "",
        "，。！",
    ],
)
def test_words_that_say_nothing_about_contact_record_nothing(said: str) -> None:
    assert detect(said) is None


@pytest.mark.parametrize(
    "said",
    [
        "他打我电话骂我",
        "她老是打我电话",
        "有人打我手机，说要我交钱",
        "我儿子打我电话要钱",
        "骗子给我打电话",
        "催债的天天打我电话",
        "前夫打电话给我，威胁我",
        "那个人打我的电话骚扰我",
        "邻居打电话给我女儿骂她",
        "他们半夜打电话来吼",
    ],
)
def test_a_call_someone_else_makes_or_that_does_harm_is_no_wish_to_be_called(said: str) -> None:
    assert detect(said) is None


@pytest.mark.parametrize(
    ("said", "preference"),
    [
        ("我女儿说你们可以打我电话", MAY_CALL),
        ("其他时间可以打电话", MAY_CALL),
        ("他打我电话骂我，你们有事打字跟我说", TEXT_ONLY),
        ("有人骚扰我，别给我打电话", TEXT_ONLY),
        ("他打我电话骂我。你们可以打我电话", MAY_CALL),
    ],
)
def test_beside_someone_elses_call_the_residents_own_wish_still_counts(
    said: str, preference: ContactPreference
) -> None:
    assert detect(said) == preference


def test_a_refused_call_is_never_taken_for_permission_to_call() -> None:
    for said in ("别打电话", "不要打电话", "不用给我打电话", "别给我打电话"):
        assert detect(said) == TEXT_ONLY, said


def test_the_later_wish_in_a_message_wins() -> None:
    assert detect("别发短信，打电话给我") == MAY_CALL
    assert detect("打电话给我也行，不过最好发微信") == TEXT_ONLY


def test_the_last_message_that_says_something_wins_and_is_kept() -> None:
    said = ["我想办残疾人证", "我听不见，别打电话", "好的", "现在可以打电话了，打我手机"]
    assert latest(said) == Heard(MAY_CALL, "现在可以打电话了，打我手机")
    assert latest(["好的", "谢谢"]) is None
