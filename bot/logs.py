"""Logging set-up shared by every command: one line per event, no tracebacks for other people's mistakes.

aiohttp logs a request it cannot even parse (a null byte in a header, a broken request line) as an
error with a traceback and the offending bytes. The client has already been answered 400; to the
service this is the internet's background noise, and the bytes may be anything, so it becomes one
warning naming the kind of problem.

``BOT_LOG_FORMAT=json`` writes one JSON object per line instead of text; either way each line carries the
request id of the turn it belongs to (``bot/observability/log_format.py``).
"""

from __future__ import annotations

import logging
import os
import sys

from aiohttp.http_exceptions import HttpProcessingError

from bot.observability.log_format import LOG_FORMATS, RequestIds, formatter_for

# aiohttp's own logger, and gunicorn's, which aiohttp's worker hands to the server instead.
REQUEST_ERROR_LOGGERS = ("aiohttp.server", "gunicorn.error")
# Alembic names each of its plugins at INFO when imported; commands import it after logging is set up
# (``bot/cli/main.py``), and a line per plugin on every start tells an operator nothing.
QUIET_AT_IMPORT = ("alembic.runtime.plugins",)


class MalformedRequests(logging.Filter):
    """Turns aiohttp's report of an unparseable request into a one-line warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg = "refused a malformed HTTP request (%s %s)"
            record.args = (error.code, type(error).__name__)
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
            record.exc_info, record.exc_text = None, None
        return True


def configure_logging(level: int = logging.INFO, log_format: str | None = None) -> None:
    """``log_format``: text or json (default: ``BOT_LOG_FORMAT``; a bad value is refused later, by the settings)."""
    chosen = log_format or os.environ.get("BOT_LOG_FORMAT", "text").strip().lower()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter_for(chosen if chosen in LOG_FORMATS else "text"))
    handler.addFilter(RequestIds())
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET_AT_IMPORT:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in REQUEST_ERROR_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MalformedRequests) for f in logger.filters):
            logger.addFilter(MalformedRequests())
