"""Test doubles for the staff API's ports."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.cases.types import CaseDetail
from bot.staff.delivery import DeliveryResult, Reach


@dataclass
class RecordingDelivery:
    """Remembers every reply it was asked to deliver and answers with ``result``, or raises ``error``.

    ``reachable`` is what it says about whether the resident can be reached at all.
    """

    result: DeliveryResult = field(default_factory=lambda: DeliveryResult(ok=True, detail="已发送", remaining=4))
    error: Exception | None = None
    sent: list[tuple[int, str]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    notice_modes: list[str] = field(default_factory=list)  # the case's mode given with each notice
    reachable: Reach = field(default_factory=lambda: Reach(can_send=True, remaining=5, closes_at=2_000_000_000.0))

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        self.sent.append((case.summary.id, text))
        if self.error is not None:
            raise self.error
        return self.result

    async def reach(self, channel: str, user_ref: str) -> Reach:
        return self.reachable

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        self.notices.append((user_ref, text))
        self.notice_modes.append(mode)
        return self.result
