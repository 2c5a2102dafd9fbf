"""Paging and searching queue listings: an opaque keyset cursor and what a search query may match.

Queues are ordered urgent first, then oldest first, then by id; a cursor names the last row shown, so
a page never repeats or skips a case when new ones arrive meanwhile (unlike an offset).

Names and personal numbers are encrypted at rest, so a search by name or number tail decrypts the
candidate rows page by page; a query made only of digits that names a case number matches that case.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.cases.errors import InvalidRequest

MIN_TAIL_DIGITS = 4
MAX_QUERY_CHARS = 40
# An ID number may end in the check character X.
_NUMBER = re.compile(r"^\d{4,}[Xx]?$")
_DIGITS_IN_TEXT = re.compile(r"\d{4,}[Xx]?")


@dataclass(frozen=True)
class Cursor:
    """The last case of a page, by the listing's sort key."""

    urgent: bool
    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = json.dumps([int(self.urgent), self.created_at.astimezone(UTC).isoformat(), self.id])
        return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """The cursor a previous page answered; anything else is an ``InvalidRequest``."""
        try:
            if len(text) > 200:
                raise ValueError("too long")
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            urgent, created, case_id = json.loads(raw.decode("ascii"))
            moment = datetime.fromisoformat(created)
            if urgent not in (0, 1) or not isinstance(case_id, int) or moment.tzinfo is None:
                raise ValueError("bad cursor fields")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise InvalidRequest("bad_cursor", "翻页标记无效，请从第一页重新查看") from None
        return cls(bool(urgent), moment, case_id)


@dataclass(frozen=True)
class Query:
    """What a staff member typed into search, normalised."""

    text: str

    @classmethod
    def parse(cls, raw: str) -> Query:
        text = "".join(raw.split())
        if not text:
            raise InvalidRequest("bad_query", "请输入案件编号、姓名或号码的后几位")
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidRequest("bad_query", f"搜索内容不能超过 {MAX_QUERY_CHARS} 个字")
        return cls(text.upper())

    @property
    def case_number(self) -> int | None:
        return int(self.text) if self.text.isdigit() and len(self.text) <= 9 else None

    @property
    def number_tail(self) -> str | None:
        """Digits a phone or ID number may end with: 4 or more, so that a tail narrows the search."""
        return self.text if _NUMBER.match(self.text) else None

    def matches(self, names: dict[str, Any], contact: dict[str, Any], answers: dict[str, Any]) -> bool:
        """Whether a case's decrypted names, contact numbers and answers match this query."""
        tail = self.number_tail
        if tail is not None:
            return any(number.endswith(tail) for number in _numbers(contact, answers))
        if self.case_number is not None:
            return False  # a short number is a case number only
        return any(isinstance(name, str) and self.text in name.upper() for name in names.values())


def _numbers(*values: Any) -> Iterator[str]:
    """Every run of 4+ digits among the string values (answers may nest)."""
    for value in values:
        if isinstance(value, str):
            for found in _DIGITS_IN_TEXT.findall(value):
                yield found.upper()
        elif isinstance(value, dict):
            yield from _numbers(*value.values())
        elif isinstance(value, list):
            yield from _numbers(*value)
