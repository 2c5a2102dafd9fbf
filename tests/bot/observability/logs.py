"""Log lines as an operator's terminal would show them: through the service's own formatter and filter."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bot.observability.log_format import RequestIds, formatter_for


@contextmanager
def json_lines(level: int = logging.INFO) -> Iterator[list[dict[str, Any]]]:
    """Every log line written during the block, as the JSON objects ``BOT_LOG_FORMAT=json`` prints."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter_for("json"))
    handler.addFilter(RequestIds())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    lines: list[dict[str, Any]] = []
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
