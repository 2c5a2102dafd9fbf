"""Speech recognition off the event loop: a pool of worker processes, each loading the model once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from speech.stt import ModelError, Recognition, check_model_folder, load_model, recognise, recognise_with_fallback

log = logging.getLogger(__name__)

T = TypeVar("T")

# Per worker process: the model it loaded in its initializer, or why it could not.
_model: Any = None
_load_error: ModelError | None = None
_loads = 0


class SpeechBusy(Exception):
    """Too many recognitions are waiting; ask the resident to say it again later."""


class SpeechUnavailable(Exception):
    """Recognition failed for this request (a worker crashed or the model is unusable)."""


def _load_in_worker(model_path: str) -> None:
    global _model, _load_error, _loads
    # Ctrl-C reaches the whole process group; the parent shuts the pool down, workers must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _model = load_model(Path(model_path))
        _loads += 1
        # Vosk builds its graph lazily; a first pass here keeps that cost off the first resident's request.
        recognise(_model, bytes(2 * 16_000))
    except ModelError as error:
        # Raising here would only break the pool with a generic error; keep the clear one for the caller.
        _load_error = error


def _worker_model() -> Any:
    if _model is None:
        raise _load_error or ModelError("the speech model is not loaded")
    return _model


def _ready() -> int:
    _worker_model()
    return os.getpid()


def _recognise_in_worker(pcm: bytes, phrases: tuple[str, ...] | None, min_confidence: float) -> Recognition:
    model = _worker_model()
    if not phrases:
        return recognise(model, pcm)
    return recognise_with_fallback(model, pcm, phrases=phrases, min_confidence=min_confidence)


class SpeechPool:
    """Recognition in ``workers`` processes, with at most ``max_queue`` requests in flight;
    ``on_in_flight`` hears the count each time it changes (the metrics' speech queue)."""

    def __init__(
        self,
        model_path: Path,
        *,
        workers: int | None = None,
        max_queue: int = 16,
        on_in_flight: Callable[[int], None] | None = None,
    ) -> None:
        self._on_in_flight = on_in_flight
        self._model_path = model_path
        self._workers = max(1, workers or os.cpu_count() or 1)
        self._max_queue = max(1, max_queue)
        self._executor: ProcessPoolExecutor | None = None
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: a forked copy of a process running an event loop and threads can deadlock.
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load_in_worker,
            initargs=(str(self._model_path),),
        )

    async def start(self) -> None:
        """Start the workers and wait until they have loaded the model; ModelError if they cannot."""
        if self._executor is not None:
            return
        check_model_folder(self._model_path)
        started = time.perf_counter()
        executor = self._new_executor()
        loop = asyncio.get_running_loop()
        try:
            # One task per worker makes the executor start them all now rather than on first use.
            await asyncio.gather(*(loop.run_in_executor(executor, _ready) for _ in range(self._workers)))
        except BrokenProcessPool:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
            raise ModelError(f"the speech workers could not load the model in {self._model_path}") from None
        except BaseException:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
            raise
        self._executor = executor
        log.info(
            "speech pool ready: %d workers, model %s, %.1f s",
            self._workers,
            self._model_path,
            time.perf_counter() - started,
        )

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def __aenter__(self) -> SpeechPool:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def recognise(
        self, pcm: bytes, *, phrases: Sequence[str] | None = None, min_confidence: float = 0.6
    ) -> Recognition:
        """Recognise ``pcm`` (s16le mono 16 kHz) in a worker; with ``phrases``, grammar mode first and
        free recognition when no phrase was heard with ``min_confidence``.

        SpeechBusy when ``max_queue`` requests are already in flight; SpeechUnavailable when the
        worker failed (the pool is restarted for the next request).
        """
        return await self._run(_recognise_in_worker, pcm, tuple(phrases) if phrases else None, min_confidence)

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` in a worker, with back-pressure and crash recovery (also the tests' hook)."""
        executor = self._executor
        if executor is None:
            raise SpeechUnavailable("the speech pool is not running")
        if self._in_flight >= self._max_queue:
            raise SpeechBusy(f"{self._in_flight} recognitions already in flight")
        try:
            future = executor.submit(fn, *args)
        except BrokenProcessPool:
            self._restart(executor)
            raise SpeechUnavailable("a speech worker crashed; the pool was restarted") from None
        self._track(future)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if future.cancelled() and task is not None and not task.cancelling():
                raise SpeechUnavailable("the speech pool was closed") from None
            raise
        except BrokenProcessPool:
            self._restart(executor)
            raise SpeechUnavailable("a speech worker crashed; the pool was restarted") from None
        except ModelError as error:
            raise SpeechUnavailable(str(error)) from None
        except Exception as error:
            log.warning("speech recognition failed in a worker: %s", type(error).__name__)
            raise SpeechUnavailable("speech recognition failed") from None

    def _track(self, future: Future[Any]) -> None:
        # Counted until the worker is done, not until the caller stops waiting: a cancelled wait
        # leaves the recognition running, and it still occupies a worker.
        self._in_flight += 1
        self._tell_in_flight()
        loop = asyncio.get_running_loop()

        def finished(_: Future[Any]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed; nobody is counting any more
                loop.call_soon_threadsafe(self._finished)

        future.add_done_callback(finished)

    def _finished(self) -> None:
        self._in_flight -= 1
        self._tell_in_flight()

    def _tell_in_flight(self) -> None:
        if self._on_in_flight is not None:
            self._on_in_flight(self._in_flight)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is not broken:
            return  # another request already replaced it
        log.warning("a speech worker died; restarting the speech pool")
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        # Start loading the model now, so the next request does not wait for it from scratch.
        for _ in range(self._workers):
            self._executor.submit(_ready)
