"""What ``python -m bot serve`` does: checks what can stop start-up, then serves in one process or in
several workers on one port. Imported only when the command runs (``bot/cli/serve.py`` has its arguments)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from aiohttp import web

from bot.app import create_app
from bot.config import Settings, SettingsError, load_settings
from bot.event_loop import loop_name, new_event_loop
from bot.heap import freeze_startup_objects
from bot.http_server import run_app
from bot.observability import metrics
from bot.security.secret import load_or_create_secret
from bot.services import describe_backends, open_services
from bot.staff.delivery_texts import load_delivery_texts
from bot.staff.replies import load_replies
from bot.storage.db import upgrade_database
from bot.workers import AppFactory, serve_in_workers
from dialogs.loader import load_catalog
from dialogs.schema import Catalog
from speech.stt import check_model_folder

log = logging.getLogger(__name__)

# Binding failures an operator can act on (another service on the port, a privileged port, no such address).
_CANNOT_LISTEN = frozenset({errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL})


def serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if workers > 1 and (settings.uses_embedded_redis or settings.uses_embedded_database):
        raise SettingsError(
            "BOT_WORKERS: several workers need BOT_REDIS_URL and BOT_DATABASE_URL; "
            "with the embedded stores each worker would keep its own conversations and cases"
        )
    # Whatever can stop start-up stops it here, once, before any worker starts (each would fail alike).
    if settings.vosk_model is not None:
        check_model_folder(settings.vosk_model)
    load_or_create_secret(settings)
    catalog = load_catalog(settings.effective_content_dir)
    load_delivery_texts(settings.effective_content_dir)
    load_replies(settings.effective_content_dir)  # the staff console's canned replies
    for line in describe_backends(settings):
        print(line, flush=True)
    if workers == 1:
        loop = new_event_loop()
        print(f"Event loop: {loop_name(loop)}", flush=True)
        factory = _app_factory(settings, catalog, migrate=True, ready=lambda: _print_next_steps(settings, host, port))
        try:
            run_app(factory(), host=host, port=port, loop=loop)
        except OSError as error:
            if error.errno not in _CANNOT_LISTEN:
                raise
            print(f"Cannot listen on {host}:{port}: {os.strerror(error.errno or 0).lower()}", file=sys.stderr)
            return 1
        return 0
    # Migrate once, before any worker opens the database; workers inherit the frozen catalog.
    asyncio.run(upgrade_database(settings.effective_database_url))
    freeze_startup_objects()
    speech_workers = max(1, (os.cpu_count() or 1) // workers)
    print(f"Workers: {workers} processes, each with {speech_workers} speech recognition workers", flush=True)
    with metrics.shared_between_workers(settings.metrics) as metrics_dir:
        if metrics_dir is not None:
            print(f"Metrics: shared between workers in {metrics_dir}", flush=True)
        return serve_in_workers(
            _app_factory(settings, catalog, migrate=False, speech_workers=speech_workers),
            host=host,
            port=port,
            workers=workers,
            on_ready=lambda: _print_next_steps(settings, host, port),
        )


def _app_factory(
    settings: Settings,
    catalog: Catalog,
    *,
    migrate: bool,
    speech_workers: int | None = None,
    ready: Callable[[], None] | None = None,
) -> AppFactory:
    """Opens the services and builds the app, in the process that will serve it (after any fork)."""

    async def make_app() -> web.Application:
        stack = contextlib.AsyncExitStack()
        services = await stack.enter_async_context(
            open_services(settings, catalog, migrate=migrate, speech_workers=speech_workers)
        )
        app = create_app(services)

        async def close(_app: web.Application) -> None:
            await stack.aclose()

        app.on_cleanup.append(close)
        freeze_startup_objects()
        if ready is not None:
            ready()
        return app

    return make_app


def bot_command() -> str:
    """How to run this very installation's ``bot`` from the current folder: plain ``python -m bot`` only
    when ``python`` on the PATH is this interpreter (outside an activated venv it is not)."""
    here = Path(sys.executable)
    on_path = shutil.which("python")
    if on_path is not None and Path(on_path).resolve() == here.resolve():
        return "python -m bot"
    with contextlib.suppress(ValueError):
        here = Path(os.path.relpath(here)) if here.is_relative_to(Path.cwd()) else here
    return f"{shlex.quote(str(here))} -m bot"


def _print_next_steps(settings: Settings, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    bot = bot_command()
    print(f"Listening on {base}", flush=True)
    print(f"  health check:   curl {base}/healthz", flush=True)
    print(f"  staff API:      {base}/staff/api/openapi.json", flush=True)
    print(f"  add a staff user:  echo 'a-long-password' | {bot} staff add-user NAME --role agent --team subsidy")
    print(f"  talk as a resident in the terminal:  {bot} chat", flush=True)
    if settings.uses_embedded_redis:
        print("  (embedded Redis is per process: set BOT_REDIS_URL so chat and serve share conversations)")
