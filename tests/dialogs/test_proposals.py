"""Answers given before their question is asked, found in what the resident said."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.pending import Proposal
from dialogs.proposals import proposal_for
from dialogs.schema import Catalog
from dialogs.state import Application
from tests.dialogs.conversation import LIVING, NURSING

TODAY = date(2026, 6, 1)  # the day the message was sent: the core reads no clock


def said(service: str, *texts: str, **answers: object) -> Application:
    return Application(service=service, application_id="a", step="applicant", answers=dict(answers), said=texts)


def test_a_relation_named_in_passing_is_offered_for_the_relationship(catalog: Catalog) -> None:
    step = catalog.services[LIVING].step("relationship")

    found = proposal_for(step, said(LIVING, "帮我爸爸申请，我是他女儿", applicant="proxy"), today=TODAY)

    assert found == Proposal("relationship", "child", "我是他女儿")


def test_naming_the_person_offers_applying_for_someone_else(catalog: Catalog) -> None:
    step = catalog.services[NURSING].step("applicant")

    assert proposal_for(step, said(NURSING, "我想给我妈申请护理补贴"), today=TODAY) == Proposal(
        "applicant", "proxy", "我妈"
    )


def test_a_fact_is_offered_from_the_part_of_a_sentence_about_that_question(catalog: Catalog) -> None:
    step = catalog.services[LIVING].step("dibao")

    found = proposal_for(step, said(LIVING, "我腿不好，家里领低保，想申请补贴"), today=TODAY)

    assert found == Proposal("dibao", "receiving", "家里领低保")


@pytest.mark.parametrize(
    ("step_id", "texts"),
    [
        ("dibao", ("我想申请生活补贴",)),  # the topic never came up
        ("relationship", ("给我自己申请",)),  # no person named
        ("name", ("我叫张三",)),  # only choices and yes/no are offered
    ],
)
def test_nothing_is_guessed(catalog: Catalog, step_id: str, texts: tuple[str, ...]) -> None:
    assert proposal_for(catalog.services[LIVING].step(step_id), said(LIVING, *texts), today=TODAY) is None


def test_an_answered_or_already_offered_question_is_not_offered_again(catalog: Catalog) -> None:
    step = catalog.services[LIVING].step("dibao")
    application = said(LIVING, "家里领低保")

    assert proposal_for(step, Application(**{**application.__dict__, "proposed": ("dibao",)}), today=TODAY) is None
    assert proposal_for(step, said(LIVING, "家里领低保", dibao="applying"), today=TODAY) is None


DEVICE = "assistive-device"


@pytest.mark.parametrize(
    ("request_text", "value", "quote"),
    [
        pytest.param("我耳朵听不见，想配助听器", "hearing", "我耳朵听不见", id="a-hearing-aid"),
        pytest.param("我想申请一个轮椅", "wheelchair", "我想申请一个轮椅", id="a-wheelchair"),
        pytest.param("我爸腿不好，想要个拐杖", "walking", "想要个拐杖", id="a-walking-stick"),
    ],
)
def test_the_request_that_named_an_option_offers_it(
    catalog: Catalog, request_text: str, value: str, quote: str
) -> None:
    step = catalog.services[DEVICE].step("device")

    assert proposal_for(step, said(DEVICE, request_text), today=TODAY) == Proposal("device", value, quote)


@pytest.mark.parametrize(
    "request_text",
    [
        pytest.param("我想配辅具，不知道配什么", id="a-catch-all-word"),
        pytest.param("我想配个辅具", id="no-option-named"),
        pytest.param("想要轮椅，也想要拐杖", id="two-options"),
    ],
)
def test_a_request_naming_no_single_option_offers_nothing(catalog: Catalog, request_text: str) -> None:
    step = catalog.services[DEVICE].step("device")

    assert proposal_for(step, said(DEVICE, request_text), today=TODAY) is None


def test_only_the_opening_request_can_name_an_option_outright(catalog: Catalog) -> None:
    step = catalog.services[DEVICE].step("device")

    assert proposal_for(step, said(DEVICE, "我想配辅具", "轮椅"), today=TODAY) is None
