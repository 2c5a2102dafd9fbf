"""Logging set-up shared by every command: one line per event, no tracebacks for other people's mistakes.

aiohttp logs a request it cannot even parse (a null byte in a header, a broken request line) as an
error with a traceback and the offending bytes. The client has already been answered 400; to the
service this is the internet's background noise, and the bytes may be anything, so it becomes one
warning naming the kind of problem.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

# aiohttp's own logger, and gunicorn's, which aiohttp's worker hands to the server instead.
REQUEST_ERROR_LOGGERS = ("aiohttp.server", "gunicorn.error")


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


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in REQUEST_ERROR_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MalformedRequests) for f in logger.filters):
            logger.addFilter(MalformedRequests())
