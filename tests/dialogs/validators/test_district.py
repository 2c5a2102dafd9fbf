from __future__ import annotations

import cn2an
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import DISTRICTS, Invalid, Valid, parse_district
from tests.dialogs.validators.strategies import HOSTILE_TEXTS, assert_is_result_without_personal_digits, said_back

UNKNOWN = Invalid("district_unknown")


def district(code: str, name: str) -> Valid:
    return Valid(value={"code": code, "name": name}, display=name)


ALL = [
    ("450202", "城中区", "城中"),
    ("450203", "鱼峰区", "鱼峰"),
    ("450204", "柳南区", "柳南"),
    ("450205", "柳北区", "柳北"),
    ("450206", "柳江区", "柳江"),
    ("450222", "柳城县", "柳城"),
    ("450223", "鹿寨县", "鹿寨"),
    ("450224", "融安县", "融安"),
    ("450225", "融水苗族自治县", "融水"),
    ("450226", "三江侗族自治县", "三江"),
]


def test_districts_are_listed_in_the_order_callers_number_them() -> None:
    assert [(d.code, d.name, d.short) for d in DISTRICTS] == ALL


@pytest.mark.parametrize(("code", "name", "short"), [pytest.param(*row, id=row[2]) for row in ALL])
def test_every_district_is_recognised_by_full_and_short_name(code: str, name: str, short: str) -> None:
    assert parse_district(name) == district(code, name)
    assert parse_district(short) == district(code, name)
    assert parse_district(f"我在{short}那边") == district(code, name)


@pytest.mark.parametrize(("code", "name", "short"), [pytest.param(*row, id=row[2]) for row in ALL])
def test_every_district_is_recognised_by_its_number_in_the_list(code: str, name: str, short: str) -> None:
    number = [row[0] for row in ALL].index(code) + 1

    assert parse_district(str(number)) == district(code, name)
    assert parse_district(f"第{cn2an.an2cn(number)}个") == district(code, name)


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        pytest.param("柳江县", "450206", "柳江区", id="old-name-of-liujiang"),
        pytest.param("我在柳江那边", "450206", "柳江区", id="in-a-sentence"),
        pytest.param("融水苗族自治县", "450225", "融水苗族自治县", id="full-autonomous-county"),
        pytest.param("融水县", "450225", "融水苗族自治县", id="rongshui-xian"),
        pytest.param("三江县", "450226", "三江侗族自治县", id="sanjiang-xian"),
        pytest.param("三江侗族自治县", "450226", "三江侗族自治县", id="full-sanjiang"),
        pytest.param("柳州市柳北区", "450205", "柳北区", id="with-the-city"),
        pytest.param("柳城中学附近", "450222", "柳城县", id="liucheng-is-not-chengzhong"),
        pytest.param("融安", "450224", "融安县", id="rongan-is-not-rongshui"),
        pytest.param("路寨", "450223", "鹿寨县", id="misrecognised-luzhai-by-sound"),
        pytest.param("容安县", "450224", "融安县", id="misrecognised-rongan-by-sound"),
        pytest.param("六北", "450205", "柳北区", id="misrecognised-liubei-by-sound"),
        pytest.param("  鱼峰区。", "450203", "鱼峰区", id="punctuation-and-spaces"),
    ],
)
def test_district_names_said_in_everyday_ways_are_recognised(text: str, code: str, name: str) -> None:
    assert parse_district(text) == district(code, name)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("柳州", id="only-the-city"),
        pytest.param("南宁", id="another-city"),
        pytest.param("11", id="number-past-the-list"),
        pytest.param("0", id="number-zero"),
        pytest.param("不知道", id="unsure"),
    ],
)
def test_unknown_district_is_rejected_listing_all_ten(text: str) -> None:
    assert parse_district(text) == UNKNOWN


def test_two_districts_at_once_are_rejected() -> None:
    assert said_back(parse_district("住在柳南，户口在柳北")) == "听到了不止一个区县。请只说一个区县的名字。"


def test_the_same_district_said_twice_is_one_district() -> None:
    assert parse_district("柳江，柳江区") == district("450206", "柳江区")


@given(st.text())
@example("柳" * 5000)
def test_parse_district_never_raises(text: str) -> None:
    assert_is_result_without_personal_digits(parse_district(text), text)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_parse_district_survives_hostile_text(text: str) -> None:
    assert_is_result_without_personal_digits(parse_district(text), text)
