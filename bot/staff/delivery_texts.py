"""What staff are told about a reply that has not reached the resident yet (``content/delivery.yaml``).

Read once at start-up; a missing file or key stops start-up with a message naming it, like the rest of
the content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from dialogs.loader import ContentError, ContentProblem

FILE_NAME = "delivery.yaml"
# The reasons a channel gives for a reply it cannot take until the resident writes again. A passing
# failure within an open window (the platform busy, unreachable) is not queued: staff may simply try again.
QUEUE_REASONS = ("outside_window", "quota")


class DeliveryTextsError(ContentError):
    """The file is missing, is not YAML, or lacks a text; reported like every content problem, naming the
    file and the key."""

    def __init__(self, path: Path, place: str, problem: str) -> None:
        super().__init__([ContentProblem(str(path), place, problem)])


@dataclass(frozen=True)
class DeliveryTexts:
    queued: dict[str, str]
    delivered_later: str
    failed: str

    def for_queued(self, reason: str) -> str:
        return self.queued.get(reason, self.queued["outside_window"])


def load_delivery_texts(content_dir: Path) -> DeliveryTexts:
    path = content_dir / FILE_NAME
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DeliveryTextsError(path, "file", f"cannot be read ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise DeliveryTextsError(path, "file", "should be a mapping")
    queued = data.get("queued")
    if not isinstance(queued, dict):
        raise DeliveryTextsError(path, "queued", "should be a mapping of reason to text")
    texts = {reason: _text(path, f"queued.{reason}", queued.get(reason)) for reason in QUEUE_REASONS}
    return DeliveryTexts(
        queued=texts,
        delivered_later=_text(path, "delivered_later", data.get("delivered_later")),
        failed=_text(path, "failed", data.get("failed")),
    )


def _text(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DeliveryTextsError(path, key, "a short sentence for staff is missing")
    return value.strip()
