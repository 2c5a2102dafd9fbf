"""Staff replies go back through the channel the case came from."""

from __future__ import annotations

from collections.abc import Mapping

from bot.cases.types import CaseDetail
from bot.staff.delivery import DeliveryResult, Reach, ReplyDelivery


class RoutedDelivery:
    """A ``ReplyDelivery`` that picks the adapter by the case's channel, with a default for the rest."""

    def __init__(self, by_channel: Mapping[str, ReplyDelivery], default: ReplyDelivery) -> None:
        self.by_channel = dict(by_channel)
        self.default = default

    def _for(self, channel: str) -> ReplyDelivery:
        return self.by_channel.get(channel, self.default)

    async def deliver(self, case: CaseDetail, text: str) -> DeliveryResult:
        return await self._for(case.summary.channel).deliver(case, text)

    async def reach(self, channel: str, user_ref: str) -> Reach:
        return await self._for(channel).reach(channel, user_ref)

    async def notify(self, channel: str, user_ref: str, text: str, *, mode: str = "text") -> DeliveryResult:
        return await self._for(channel).notify(channel, user_ref, text, mode=mode)
