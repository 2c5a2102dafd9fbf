"""``evolve`` gives what ``dataclasses.replace`` gives, for the conversation's frozen values."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dialogs.evolve import evolve
from dialogs.pending import Cancel, Handoff
from dialogs.state import Application, Conversation, Turn

APPLICATION = Application(service="living-allowance", application_id="a1", step="applicant", answers={"x": 1})
CONVERSATION = Conversation(mode="voice", application=APPLICATION, transcript=(Turn("bot", "您好"),))


@pytest.mark.parametrize(
    ("value", "changes"),
    [
        (CONVERSATION, {}),
        (CONVERSATION, {"pending": Handoff(), "misunderstood": 2}),
        (CONVERSATION, {"application": None, "mode": "simple"}),
        (APPLICATION, {"phase": "confirming", "correcting": True}),
        (Turn("resident", "你好"), {"text": "再见"}),
    ],
)
def test_evolve_equals_dataclasses_replace(value: Any, changes: dict[str, Any]) -> None:
    evolved = evolve(value, **changes)

    assert evolved == dataclasses.replace(value, **changes)
    assert type(evolved) is type(value)


def test_the_original_is_left_as_it_was() -> None:
    evolve(CONVERSATION, pending=Cancel(), misunderstood=3)

    assert (CONVERSATION.pending, CONVERSATION.misunderstood) == (None, 0)


def test_an_evolved_value_is_still_frozen() -> None:
    evolved = evolve(CONVERSATION, pending=Cancel())

    with pytest.raises(dataclasses.FrozenInstanceError):
        evolved.pending = None  # type: ignore[misc]


def test_a_misspelt_field_is_refused() -> None:
    with pytest.raises(TypeError, match="pendng"):
        evolve(CONVERSATION, pendng="cancel")  # type: ignore[call-arg]


def test_a_dataclass_with_its_own_initialisation_is_refused() -> None:
    @dataclasses.dataclass(frozen=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            assert self.n >= 0

    with pytest.raises(TypeError, match="plain dataclass"):
        evolve(Checked(1), n=2)
