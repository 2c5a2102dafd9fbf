"""Several worker processes on one port: gunicorn's arbiter running aiohttp's worker (``serve --workers N``).

The arbiter binds the port, forks the workers, starts a new one when one dies and stops them all
gracefully on SIGTERM. Each worker opens its own connections to Redis and the database after the fork
and serves the same aiohttp application as the single-process service; everything they share lives in
Redis and SQL, which is why several workers need both servers rather than the embedded stores.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from gunicorn.app.base import BaseApplication

from bot.event_loop import uvloop_installed
from bot.http_server import KEEPALIVE_SECONDS, ServiceRunner
from bot.observability.gunicorn_logs import logger_class
from bot.observability.metrics import worker_exited

AppFactory = Callable[[], Awaitable[web.Application]]

GRACEFUL_SECONDS = 30  # in-flight pushes and deliveries finish within this after SIGTERM
HEARTBEAT_SECONDS = 60  # a worker whose event loop is stuck this long is replaced


class _Arbiter(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type information
    def __init__(self, factory: AppFactory, options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self._options.items():
            self.cfg.set(name, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn 25.1+ opens a control socket at one path per user: two services (or two test
            # runs) on one machine would take each other's. Nothing here uses it.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Callable[[], Awaitable[web.AppRunner]]:
        factory = self._factory

        # aiohttp's worker takes a runner as it is; with an application it would make a plain AppRunner.
        async def runner() -> web.AppRunner:
            return ServiceRunner(
                await factory(),
                access_log=None,  # a push's URL carries the resident's openid: no access log
                keepalive_timeout=KEEPALIVE_SECONDS,
                # As aiohttp's worker has it: connections are closed before the arbiter's own deadline.
                shutdown_timeout=GRACEFUL_SECONDS * 0.95,
            )

        return runner


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def worker_options(host: str, port: int, workers: int, on_ready: Callable[[], None]) -> dict[str, Any]:
    """gunicorn's settings for the service; none is read from the command line or a config file."""
    return {
        "bind": [bind_address(host, port)],
        "workers": workers,
        "worker_class": (
            "aiohttp.worker.GunicornUVLoopWebWorker" if uvloop_installed() else "aiohttp.worker.GunicornWebWorker"
        ),
        "keepalive": KEEPALIVE_SECONDS,  # gunicorn's 2 s would reopen the platform's connections
        "graceful_timeout": GRACEFUL_SECONDS,
        "timeout": HEARTBEAT_SECONDS,
        "accesslog": None,  # a push's URL carries the resident's openid: no access log
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "liuzhou-bot",
        "when_ready": lambda _arbiter: on_ready(),
        "child_exit": lambda _arbiter, worker: worker_exited(worker.pid),  # its live gauges stop counting
        "logger_class": logger_class(),
    }


def serve_in_workers(factory: AppFactory, *, host: str, port: int, workers: int, on_ready: Callable[[], None]) -> int:
    """Run until stopped; the arbiter's exit status (3 when a worker could not start)."""
    try:
        _Arbiter(factory, worker_options(host, port, workers, on_ready)).run()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0
