"""The service's counters, gauges and histograms, exported at ``GET /metrics`` in Prometheus text format.

Callers record through the small functions below, never through prometheus-client itself, so that the
labels stay few and fixed: a push's kind is one of the platform's own types or ``other``, a route is its
pattern (``/staff/api/cases/{id}``), never its path. Nothing that names a person (openid, case contents)
is ever a label.

Under ``serve --workers N`` every worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``
(prometheus-client's multiprocess mode) and a scrape of any worker adds them up. prometheus-client
decides how values are kept when a metric's first value is made, so the metrics are made on first use,
after ``serve`` has set the directory up; ``BOT_METRICS=off`` turns recording and the endpoint off.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess, values

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The classic text format, which every Prometheus version reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

P = ParamSpec("P")
T = TypeVar("T")

# The platform's message types; anything else a push claims to be is counted as "other".
PUSH_KINDS = frozenset(
    {"text", "voice", "image", "video", "shortvideo", "location", "link", "file", "event", "miniprogrampage"}
)
PushResult = str  # answered, failed, late, retry, ignored, busy, forged
AnswerPath = str  # passive (WeChat) or page (web chat): in the request's answer; late, failed
WebResult = str  # answered, late, repeat, failed, refused
WEB_KINDS = frozenset({"text", "voice"})
_LABEL_VALUE = re.compile(r"[a-z][a-z0-9-]{0,39}")
_TURN_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
_WAIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SPEECH_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class _Metrics:
    registry: CollectorRegistry
    pushes: Counter
    refused: Counter
    answers: Counter
    web_messages: Counter
    web_answers: Counter
    turn_seconds: Histogram
    lock_wait_seconds: Histogram
    lock_timeouts: Counter
    speech_queue: Gauge
    speech_seconds: Histogram
    speech_stream_backlog: Gauge
    speech_stream_in_hand: Gauge
    speech_stream_wait_seconds: Gauge
    speech_stream_job_seconds: Gauge
    speech_stream_workers: Gauge
    outbox_backlog: Gauge
    cases_created: Counter
    cases_by_status: Gauge
    staff_requests: Counter


_enabled = True
_metrics: _Metrics | None = None


def set_enabled(enabled: bool) -> None:
    """``BOT_METRICS``: when off, nothing is recorded and ``/metrics`` is not served."""
    global _enabled
    _enabled = enabled


def is_enabled() -> bool:
    return _enabled


def _build() -> _Metrics:
    r = CollectorRegistry(auto_describe=True)
    return _Metrics(
        registry=r,
        pushes=Counter(
            "bot_wechat_pushes",
            "WeChat pushes taken in, by type and what became of them",
            ("kind", "result"),
            registry=r,
        ),
        refused=Counter("bot_wechat_refused", "WeChat requests refused unread, by status", ("status",), registry=r),
        answers=Counter("bot_wechat_answers", "Answers to WeChat pushes by the way they went", ("path",), registry=r),
        web_messages=Counter(
            "bot_web_messages",
            "Web chat messages taken in, by type and what became of them",
            ("kind", "result"),
            registry=r,
        ),
        web_answers=Counter(
            "bot_web_answers", "Answers to web chat messages by the way they went", ("path",), registry=r
        ),
        turn_seconds=Histogram(
            "bot_turn_seconds", "Time to handle one message", ("input",), registry=r, buckets=_TURN_BUCKETS
        ),
        lock_wait_seconds=Histogram(
            "bot_lock_wait_seconds", "Time a message waited for its resident's lock", registry=r, buckets=_WAIT_BUCKETS
        ),
        lock_timeouts=Counter("bot_lock_timeouts", "Messages that gave up waiting for the lock", registry=r),
        speech_queue=Gauge("bot_speech_queue", "Recognitions in flight", registry=r, multiprocess_mode="livesum"),
        speech_seconds=Histogram(
            "bot_speech_recognition_seconds",
            "Time to recognise one voice message",
            ("result",),
            registry=r,
            buckets=_SPEECH_BUCKETS,
        ),
        speech_stream_backlog=Gauge(
            "bot_speech_stream_backlog",
            "Speech jobs added to the Redis stream and not yet finished, by stream (read at scrape time)",
            ("stream",),
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        speech_stream_in_hand=Gauge(
            "bot_speech_stream_in_hand",
            "Speech jobs of the stream a worker has taken and not finished (read at scrape time)",
            ("stream",),
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        speech_stream_wait_seconds=Gauge(
            "bot_speech_stream_wait_seconds",
            "Estimated seconds before a job added to the stream now is started, as admission sees it "
            "(+Inf: no live worker; read at scrape time)",
            ("stream",),
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        speech_stream_job_seconds=Gauge(
            "bot_speech_stream_job_seconds",
            "Recent mean seconds a speech worker takes for one job of the stream (read at scrape time)",
            ("stream",),
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        speech_stream_workers=Gauge(
            "bot_speech_stream_workers",
            "Speech worker slots that sent a heartbeat in the last few seconds (read at scrape time)",
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        outbox_backlog=Gauge(
            "bot_outbox_backlog", "Case notices not yet told or sent", registry=r, multiprocess_mode="mostrecent"
        ),
        cases_created=Counter("bot_cases_created", "Cases filed by residents, by service", ("service",), registry=r),
        cases_by_status=Gauge(
            "bot_cases",
            "Cases by status, counted at scrape time",
            ("status",),
            registry=r,
            multiprocess_mode="mostrecent",
        ),
        staff_requests=Counter(
            "bot_staff_requests",
            "Staff API requests by route pattern and status",
            ("route", "method", "status"),
            registry=r,
        ),
    )


def _get() -> _Metrics | None:
    global _metrics
    if not _enabled:
        return None
    if _metrics is None:
        _metrics = _build()
    return _metrics


def _bounded(value: str) -> str:
    """A label value from a known small set (service ids, statuses), or "other" for anything else."""
    return value if _LABEL_VALUE.fullmatch(value) else "other"


# ---------------------------------------------------------------- recording


def count_push(kind: str, result: PushResult) -> None:
    if (m := _get()) is not None:
        m.pushes.labels(kind if kind in PUSH_KINDS else "other", result).inc()


def count_refused(status: int) -> None:
    if (m := _get()) is not None:
        m.refused.labels(str(status)).inc()


def count_answer(path: AnswerPath, channel: str = "wechat") -> None:
    """An answer that went out, counted with its channel's own answers (the terminal chat's are not)."""
    if (m := _get()) is not None:
        if channel == "wechat":
            m.answers.labels(path).inc()
        elif channel == "web":
            m.web_answers.labels(path).inc()


def count_web_message(kind: str, result: WebResult) -> None:
    if (m := _get()) is not None:
        m.web_messages.labels(kind if kind in WEB_KINDS else "other", result).inc()


def timed_turn(kind: str) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorates a coroutine that handles one message: its duration goes to the turn histogram."""

    def decorate(handle: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(handle)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.perf_counter()
            try:
                return await handle(*args, **kwargs)
            finally:
                if (m := _get()) is not None:
                    m.turn_seconds.labels(kind).observe(time.perf_counter() - started)

        return timed

    return decorate


def observe_lock_wait(seconds: float) -> None:
    if (m := _get()) is not None:
        m.lock_wait_seconds.observe(seconds)


def count_lock_timeout() -> None:
    if (m := _get()) is not None:
        m.lock_timeouts.inc()


def set_speech_queue(in_flight: int) -> None:
    if (m := _get()) is not None:
        m.speech_queue.set(in_flight)


@contextmanager
def timed_recognition() -> Iterator[None]:
    """Times the block as one recognition; ``result`` is ``error`` when it raised."""
    started = time.perf_counter()
    result = "error"
    try:
        yield
        result = "ok"
    finally:
        if (m := _get()) is not None:
            m.speech_seconds.labels(result).observe(time.perf_counter() - started)


@dataclass(frozen=True)
class SpeechStream:
    """One speech stream as a scrape reads it; ``None``: not known for this stream (the old single one)."""

    name: str  # the Redis key, e.g. bot:speech:recognise
    backlog: int
    in_hand: int | None = None
    wait_seconds: float | None = None
    job_seconds: float | None = None


def set_speech_streams(streams: Sequence[SpeechStream], workers: int) -> None:
    """The speech workers' streams, each labelled with its Redis key, and the live worker slots."""
    if (m := _get()) is None:
        return
    for stream in streams:
        m.speech_stream_backlog.labels(stream.name).set(stream.backlog)
        for gauge, value in (
            (m.speech_stream_in_hand, stream.in_hand),
            (m.speech_stream_wait_seconds, stream.wait_seconds),
            (m.speech_stream_job_seconds, stream.job_seconds),
        ):
            if value is not None:
                gauge.labels(stream.name).set(value)
    m.speech_stream_workers.set(workers)


def set_outbox_backlog(n: int) -> None:
    if (m := _get()) is not None:
        m.outbox_backlog.set(n)


def count_case(service: str) -> None:
    if (m := _get()) is not None:
        m.cases_created.labels(_bounded(service)).inc()


def set_cases_by_status(counts: dict[str, int]) -> None:
    if (m := _get()) is not None:
        for status, count in counts.items():
            m.cases_by_status.labels(_bounded(status)).set(count)


def count_staff_request(route: str, method: str, status: int) -> None:
    if (m := _get()) is not None:
        m.staff_requests.labels(route, method if method in ("GET", "POST") else "other", str(status)).inc()


# ---------------------------------------------------------------- export


def exposition() -> bytes:
    """Every metric in Prometheus text format; under multiprocess mode, summed over the workers."""
    m = _get()
    if m is None:
        return b""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(m.registry)


@contextmanager
def shared_between_workers(enabled: bool) -> Iterator[Path | None]:
    """For ``serve --workers N``, around the whole run: the workers' values go to files in
    ``PROMETHEUS_MULTIPROC_DIR`` (the operator's, emptied now; else a new folder removed at the end)."""
    if not enabled:
        yield None
        return
    given = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="liuzhou-bot-metrics-"))
    prepare_multiprocess_dir(path)
    try:
        yield path
    finally:
        if not given:
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop(MULTIPROCESS_DIR_VARIABLE, None)


def prepare_multiprocess_dir(path: Path) -> None:
    """Use ``path`` for the workers' values, emptied of a previous run's: call before any worker starts."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(path)
    # prometheus-client read the variable when it was imported; metrics made from now on follow it.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]
    global _metrics
    _metrics = None


def worker_exited(pid: int) -> None:
    """A worker is gone: its live gauges (speech queue) no longer count."""
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
