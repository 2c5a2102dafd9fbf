"""``python -m bot serve``: the HTTP service."""

from __future__ import annotations

import argparse
import contextlib
import logging
from typing import Any

from aiohttp import web

from bot.app import create_app
from bot.config import Settings, load_settings
from bot.event_loop import loop_name, new_event_loop
from bot.heap import freeze_startup_objects
from bot.services import describe_backends, open_services
from dialogs.loader import load_catalog

log = logging.getLogger(__name__)


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help="start the HTTP service (health check, staff API)")
    parser.add_argument("--host", default=None, help="listen address (default: BOT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="listen port (default: BOT_PORT or 8080)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    catalog = load_catalog(settings.effective_content_dir)  # a broken content file stops start-up here
    for line in describe_backends(settings):
        print(line, flush=True)

    async def make_app() -> web.Application:
        stack = contextlib.AsyncExitStack()
        services = await stack.enter_async_context(open_services(settings, catalog))
        app = create_app(services)

        async def close(_app: web.Application) -> None:
            await stack.aclose()

        app.on_cleanup.append(close)
        freeze_startup_objects()
        _print_next_steps(settings, host, port)
        return app

    loop = new_event_loop()
    print(f"Event loop: {loop_name(loop)}", flush=True)
    web.run_app(make_app(), host=host, port=port, print=None, loop=loop)
    return 0


def _print_next_steps(settings: Settings, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    print(f"Listening on {base}", flush=True)
    print(f"  health check:   curl {base}/healthz", flush=True)
    print(f"  staff API:      {base}/staff/api/openapi.json", flush=True)
    print("  add a staff user:  echo 'a-long-password' | python -m bot staff add-user NAME --role agent --team subsidy")
    print("  talk as a resident in the terminal:  python -m bot chat", flush=True)
    if settings.uses_embedded_redis:
        print("  (embedded Redis is per process: set BOT_REDIS_URL so chat and serve share conversations)")
