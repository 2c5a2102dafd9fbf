"""The port through which a staff reply reaches the resident; each channel adapter implements it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.cases.types import CaseDetail


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one reply.

    ``detail`` is shown to staff, so it is short plain Chinese and never holds personal data.
    ``remaining`` is how many more messages the channel still allows (e.g. WeChat's customer-service
    window), when the channel knows it. ``code`` says why it failed, for the code to act on:
    ``outside_window``, ``quota``, ``rate_limited``, ``unavailable`` (worth trying again once the resident
    writes: the reply is queued), ``rejected`` or ``not_configured`` (not worth it); empty on success.
    """

    ok: bool
    detail: str
    remaining: int | None = None
    code: str = ""


@dataclass(frozen=True)
class Reach:
    """Whether a reply can reach the resident now, as far as the channel can tell.

    ``remaining`` is None when the channel sets no limit; ``reason`` (plain Chinese for staff) says
    why a reply cannot be sent, e.g. WeChat's 48-hour window has closed; ``code`` says the same for code
    (``outside_window``, ``quota``).
    """

    can_send: bool
    remaining: int | None = None
    closes_at: float | None = None
    reason: str = ""
    code: str = ""


class ReplyDelivery(Protocol):
    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        """Send ``text`` to the resident behind ``case``; report failure in the result, not by raising."""
        ...

    async def reach(self, channel: str, user_ref: str) -> Reach:
        """Whether and how many replies can reach this resident now."""
        ...

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        """Tell the resident about their case (claimed, resolved); never raises. ``mode`` is the case's:
        a voice resident also hears it where the channel sends voice."""
        ...
