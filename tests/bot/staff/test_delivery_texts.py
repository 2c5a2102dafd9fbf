"""What staff are told about replies that wait: read from ``content/delivery.yaml``, every text present."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.staff.delivery_texts import QUEUE_REASONS, DeliveryTextsError, load_delivery_texts
from tests.paths import CONTENT_DIR


def test_the_project_content_has_a_plain_sentence_for_every_reason() -> None:
    texts = load_delivery_texts(CONTENT_DIR)

    assert set(texts.queued) == set(QUEUE_REASONS)
    assert all(text.startswith("未送达") for text in texts.queued.values())
    assert texts.for_queued("outside_window") == "未送达：居民超过48小时没有发消息，等居民下次发消息时送出。"


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (None, "cannot be read"),
        ("queued: [1]\n", "queued"),
        ("queued:\n  outside_window: 未送达\ndelivered_later: 已送达\nfailed: 没发出\n", "queued.quota"),
        ("queued:\n  outside_window: a\n  quota: b\nfailed: c\n", "delivered_later"),
    ],
)
def test_a_missing_file_or_text_is_named(tmp_path: Path, content: str | None, named: str) -> None:
    if content is not None:
        (tmp_path / "delivery.yaml").write_text(content, encoding="utf-8")

    with pytest.raises(DeliveryTextsError, match=named):
        load_delivery_texts(tmp_path)
