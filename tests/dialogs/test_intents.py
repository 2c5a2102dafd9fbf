"""route(): which service a free sentence asks for, including speech-recognition slips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.intents import CONFIDENT, RouteResult, route
from dialogs.schema import Catalog
from tests.dialogs.conversation import HANDOFF, LIVING, NURSING


@pytest.mark.parametrize(
    ("sentence", "service"),
    [
        pytest.param("我想申请护理补贴", NURSING, id="want-nursing"),
        pytest.param("重度残疾有补助吗", NURSING, id="severe-disability-question"),
        pytest.param("重度残疾人护理补贴", NURSING, id="full-name-nursing"),
        pytest.param("我是一级残疾，能领什么", NURSING, id="level-one"),
        pytest.param("重残的护理费", NURSING, id="care-fee"),
        pytest.param("生活补贴怎么申请", LIVING, id="how-to-apply-living"),
        pytest.param("困难残疾人生活补贴", LIVING, id="full-name-living"),
        pytest.param("我家是低保户", LIVING, id="dibao-household"),
        pytest.param("家里生活困难", LIVING, id="hardship"),
        pytest.param("我要投诉", HANDOFF, id="complaint"),
        pytest.param("找人帮忙", HANDOFF, id="ask-for-help"),
        pytest.param("生 活 补 贴", LIVING, id="spaced-out-by-the-recogniser"),
        pytest.param("护理补贴！！", NURSING, id="with-punctuation"),
        pytest.param("ＨＥＬＬＯ，护理补贴", NURSING, id="full-width-latin-around"),
    ],
)
def test_route_finds_the_service_a_sentence_asks_for(catalog: Catalog, sentence: str, service: str) -> None:
    result = route(sentence, catalog)

    assert result.service == service
    assert result.score >= CONFIDENT


@pytest.mark.parametrize(
    ("slip", "service"),
    [
        pytest.param("户理补贴", NURSING, id="hu-for-hu"),
        pytest.param("护里补贴", NURSING, id="li-for-li"),
        pytest.param("胡立补贴", NURSING, id="both-syllables"),
        pytest.param("我想申请户理补贴", NURSING, id="in-a-sentence"),
        pytest.param("生火补贴", LIVING, id="huo-for-huo"),
        pytest.param("声活补贴", LIVING, id="sheng-for-sheng"),
        pytest.param("生活补帖", LIVING, id="tie-for-tie"),
    ],
)
def test_route_hears_sound_alike_slips_with_a_lower_score(catalog: Catalog, slip: str, service: str) -> None:
    result = route(slip, catalog)
    exact = route("护理补贴" if service == NURSING else "生活补贴", catalog)

    assert result.service == service
    assert CONFIDENT <= result.score < exact.score


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("生活补贴还是护理补贴", id="either-subsidy"),
        pytest.param("护理补贴和生活补贴", id="both-subsidies"),
        pytest.param("我想问一下护理补贴和生活补贴", id="both-in-a-question"),
    ],
)
def test_a_tie_between_services_is_no_answer_and_lists_the_alternatives(catalog: Catalog, sentence: str) -> None:
    result = route(sentence, catalog)

    assert result.service is None
    assert {service for service, _ in result.alternatives} == {LIVING, NURSING}
    scores = {score for _, score in result.alternatives}
    assert len(scores) == 1
    assert result.score in scores


@pytest.mark.parametrize(
    "sentence",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="spaces"),
        pytest.param("😀👍", id="emoji"),
        pytest.param("今天天气不错", id="small-talk"),
        pytest.param("补贴", id="too-vague"),
        pytest.param("残疾", id="only-disability"),
        pytest.param("hu li bu tie", id="pinyin-typed-in-latin"),
        pytest.param("'; DROP TABLE cases;--", id="sql"),
    ],
)
def test_route_gives_no_service_when_nothing_matches(catalog: Catalog, sentence: str) -> None:
    result = route(sentence, catalog)

    assert result == RouteResult(None, 0.0)


def test_a_short_phrase_alone_is_not_confident(catalog: Catalog) -> None:
    # "人工" scores above the bar; single characters never match anything.
    assert route("人工", catalog).service == HANDOFF
    assert route("护", catalog).service is None


def test_a_longer_phrase_outranks_a_shorter_one(catalog: Catalog) -> None:
    """The 5-character "困难残疾人" (living) outscores the 4-character "护理补贴" (nursing): no tie."""
    result = route("困难残疾人护理补贴", catalog)

    assert result.service == LIVING
    ((other, score),) = result.alternatives
    assert other == NURSING
    assert score == pytest.approx(0.85)


def test_route_result_as_json_names_service_score_and_alternatives(catalog: Catalog) -> None:
    assert route("生活补贴还是护理补贴", catalog).to_json() == {
        "service": None,
        "score": 0.85,
        "alternatives": [
            {"service": LIVING, "score": 0.85},
            {"service": NURSING, "score": 0.85},
        ],
    }
    assert route("护理补贴", catalog).to_json() == {"service": NURSING, "score": 0.85, "alternatives": []}


def test_only_the_first_200_characters_are_read(catalog: Catalog) -> None:
    assert route("啊" * 200 + "护理补贴", catalog).service is None
    assert route("护理补贴" + "啊" * 5000, catalog).service == NURSING


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_route_never_raises_and_never_names_an_unknown_service(catalog: Catalog, sentence: str) -> None:
    result = route(sentence, catalog)

    assert result.service is None or result.service in catalog.services
    assert 0.0 <= result.score <= 1.0
    assert all(service in catalog.services for service, _ in result.alternatives)
