"""The day is the message's, never the machine's: ``step`` stays a pure function of its inputs."""

from __future__ import annotations

from datetime import date

from dialogs.engine import local_date
from dialogs.schema import Catalog
from tests.dialogs.conversation import LIVING, MENU_PATH, START, last, talk
from tests.dialogs.validators.test_id_number import with_check

TWO_DAYS = 2 * 86400.0
# Born 2026-05-31: in the future on the day START falls on in Liuzhou (2026-05-29), not two days later.
BORN_SOON = with_check("45020220260531123")
UP_TO_ID = ("你好", *MENU_PATH[LIVING], "给我自己申请", "有", "在领低保", "都没有", "张三")


def test_the_day_is_liuzhous_at_the_moment_of_the_message() -> None:
    assert local_date(START) == date(2026, 5, 29)  # 20:26 UTC is already the next morning in Liuzhou


def test_an_id_born_after_the_messages_day_is_asked_again(catalog: Catalog) -> None:
    result = last(talk(catalog, *UP_TO_ID, BORN_SOON, start=START))

    assert result.state.application is not None
    assert "id_number" not in result.state.application.answers


def test_the_same_id_is_taken_when_the_message_comes_after_that_day(catalog: Catalog) -> None:
    result = last(talk(catalog, *UP_TO_ID, BORN_SOON, start=START + TWO_DAYS))

    assert result.state.application is not None
    assert result.state.application.answers["id_number"] == BORN_SOON
