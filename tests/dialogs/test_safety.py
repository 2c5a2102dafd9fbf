"""Words that signal danger get an immediate answer and an urgent request, from any point of any flow."""

from __future__ import annotations

import pytest

from dialogs.events import CreateCase, StepResult
from dialogs.schema import Catalog
from tests.dialogs.conversation import (
    LIVING,
    NURSING,
    PROXY_ANSWERS,
    SELF_ANSWERS,
    cases,
    fill,
    last,
    talk,
    texts,
    then,
)

CRISES = {
    "violence": "他天天打我，我害怕",
    "locked-in": "家里人把我锁在家里出不去",
    "self-harm": "我真的不想活了",
    "fire": "楼下着火了",
    "medical": "我妈妈晕倒了",
}


def _every_state(catalog: Catalog) -> list[tuple[str, StepResult]]:
    """Every state a resident passes through in both subsidies, as a resident and as a proxy."""
    states: list[tuple[str, StepResult]] = [("first contact", last(talk(catalog, "你好")))]
    for service in (LIVING, NURSING):
        for who, answers in (("self", SELF_ANSWERS[service]), ("proxy", PROXY_ANSWERS[service])):
            walk = fill(catalog, service, answers)
            states += [(f"{service}/{who}/{n}", result) for n, result in enumerate(walk)]
            confirmed = then(catalog, walk, "是")
            states.append((f"{service}/{who}/done", confirmed[-1]))
    return states


@pytest.mark.parametrize("category", list(CRISES))
def test_danger_is_answered_at_once_from_every_point_of_every_flow(catalog: Catalog, category: str) -> None:
    expected = next(c for c in catalog.safety.categories if c.id == category)
    for where, before in _every_state(catalog):
        result = last(talk(catalog, CRISES[category], state=before.state))

        said = texts(result)
        assert expected.say.text in said, where
        assert catalog.safety.footer.text in said, where
        (case,) = cases(result)
        assert isinstance(case, CreateCase)
        assert (case.service, case.team, case.urgent) == ("handoff", "hotline", True), where
        assert case.answers["crisis"] == category
        # Nothing the resident was doing is lost: the application waits exactly as it was.
        assert result.state.application == before.state.application, where


def test_every_danger_answer_works_for_someone_who_cannot_phone(catalog: Catalog) -> None:
    for category in catalog.safety.categories:
        for text in (category.say.text, category.say.simple or ""):
            assert any(number in text for number in ("110", "119", "120")), category.id
            # Never only "call": a deaf resident is told to have someone nearby call.
            assert "身边的人" in text or "别人" in text or "邻居" in text or "大声呼救" in text, category.id


def test_a_crisis_said_in_voice_is_not_held_up_by_a_did_you_say_question(catalog: Catalog) -> None:
    from dialogs.engine import step
    from dialogs.events import Inbound

    state = last(talk(catalog, "你好")).state
    result = step(state, Inbound("着火了", "v1", state.last_seen + 60, "voice", 0.2), catalog)

    assert result.state.pending is None
    assert cases(result)[0].urgent


def test_ordinary_answers_do_not_raise_alarms(catalog: Catalog) -> None:
    walk = fill(catalog, LIVING, SELF_ANSWERS[LIVING])
    everything = [*walk, *then(catalog, walk, "是")]
    assert not any(case.urgent for result in everything for case in cases(result))


def test_danger_is_answered_at_the_first_question_of_every_service(catalog: Catalog) -> None:
    from dialogs.engine import step
    from dialogs.events import Inbound

    greeted = last(talk(catalog, "你好")).state
    for service_id in catalog.services:
        opened = step(greeted, Inbound(service_id, "menu", greeted.last_seen + 60, "choose"), catalog)
        assert opened.state.application is not None, service_id

        result = last(talk(catalog, CRISES["violence"], state=opened.state))

        (case,) = cases(result)
        assert case.urgent, service_id
        assert result.state.application == opened.state.application, service_id
