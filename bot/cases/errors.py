"""Failures the case store reports to its callers: a stable English ``code`` for programs and a short
plain-Chinese ``message`` that the staff console can show as is."""

from __future__ import annotations


class CaseError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class CaseNotFound(CaseError):
    """The case (or an event of it) does not exist."""


class CaseConflict(CaseError):
    """The case is in a state that forbids the change, or someone else is changing it."""


class InvalidRequest(CaseError):
    """The caller passed a value the store does not accept."""


class CaseForbidden(CaseError):
    """The staff member may not do this to this case (another team's, someone else's claim)."""
