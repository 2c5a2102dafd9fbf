"""gunicorn's own lines (workers booting, signals) in the service's log format, so that with
``BOT_LOG_FORMAT=json`` every line of ``serve --workers N`` is one JSON object."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from bot.observability.log_format import RequestIds, formatter_for


class JsonLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(formatter_for("json"))
            handler.addFilter(RequestIds())


def logger_class() -> type[Logger] | str:
    """gunicorn's ``logger_class`` for ``BOT_LOG_FORMAT`` (its own default for text)."""
    if os.environ.get("BOT_LOG_FORMAT", "text").strip().lower() == "json":
        return JsonLogger
    return "gunicorn.glogging.Logger"
