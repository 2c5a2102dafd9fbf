"""What one check found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["ok", "fail", "skip"]


@dataclass(frozen=True)
class Finding:
    check: str
    state: State
    detail: str

    def line(self) -> str:
        return f"{self.state:<4}  {self.check}: {self.detail}"


def ok(check: str, detail: str) -> Finding:
    return Finding(check, "ok", detail)


def fail(check: str, detail: str) -> Finding:
    return Finding(check, "fail", detail)


def skip(check: str, detail: str) -> Finding:
    return Finding(check, "skip", detail)
