"""One weak guess at what the resident wants is a two-option question, "您是想办配辅具吗？ 1. 配辅具
2. 都不是，说别的事": the guess by number, name or yes; something else (or no) the menu; and a sentence that
names what they want instead is taken as that, so a no is never a dead end."""

from __future__ import annotations

import pytest

from dialogs.pending import Guess, Offer
from dialogs.schema import Catalog
from tests.dialogs.conversation import LIVING, ask, last, menu_labels, prompt, talk, texts

DEVICE = "assistive-device"
CARD = "disability-card"


def _asked(catalog: Catalog, mode: str = "text") -> list[str]:
    return ["你好", *(("简单模式",) if mode == "simple" else ()), "辅据"]


@pytest.mark.parametrize("answer", ["1", "是", "对", "配辅具", "辅具", "办吧"])
def test_the_guess_by_number_name_or_yes_starts_it(catalog: Catalog, answer: str) -> None:
    result = last(talk(catalog, *_asked(catalog), answer))

    assert result.state.application is not None
    assert result.state.application.service == DEVICE


@pytest.mark.parametrize("answer", ["2", "不是", "都不是", "别的事", "都不是，说别的事", "换一个"])
def test_something_else_or_no_shows_what_else_can_be_done(catalog: Catalog, answer: str) -> None:
    result = last(talk(catalog, *_asked(catalog), answer))

    assert result.state.application is None
    assert result.state.pending is None
    assert result.replies[-1].options == menu_labels(catalog)


def test_a_no_that_says_what_they_want_instead_is_taken_as_that(catalog: Catalog) -> None:
    service = last(talk(catalog, *_asked(catalog), "不是，我要申请生活补贴"))
    assert service.state.application is not None
    assert service.state.application.service == LIVING
    assert texts(service)[-1] == ask(catalog, LIVING, "applicant")

    question = last(talk(catalog, *_asked(catalog), "不是，残疾人证怎么办"))
    assert question.state.pending == Offer(CARD, "不是，残疾人证怎么办")


def test_in_simple_mode_the_two_options_are_said_simply(catalog: Catalog) -> None:
    result = last(talk(catalog, *_asked(catalog, "simple")))

    assert result.state.pending == Guess(DEVICE)
    name = catalog.services[DEVICE].short_name
    assert texts(result)[-1] == prompt(catalog, "did_you_mean", mode="simple", service=name)
    assert result.replies[-1].options == (name, prompt(catalog, "something_else", mode="simple"))
