"""``python -m bot.channels.wechat.simulator --port 8090``: the WeChat API simulator for local development."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from bot.channels.wechat.simulator.server import DEFAULT_APP_ID, DEFAULT_APP_SECRET, PathAccessLogger, WeChatSimulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.wechat.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--app-id", default=DEFAULT_APP_ID)
    parser.add_argument("--app-secret", default=DEFAULT_APP_SECRET)
    parser.add_argument("--token-lifetime", type=float, default=7200.0, help="seconds an access token lives")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    simulator = WeChatSimulator(args.app_id, args.app_secret, token_lifetime=args.token_lifetime)
    base = f"http://{args.host}:{args.port}"
    secret = args.app_secret if args.app_secret == DEFAULT_APP_SECRET else "<the --app-secret you gave>"
    print(f"WeChat API simulator on {base}. Point the service at it with:")
    print(f"  BOT_WECHAT_API_BASE={base} BOT_WECHAT_APP_ID={args.app_id} BOT_WECHAT_APP_SECRET={secret}")
    print(f"Sent messages: GET {base}/_simulator/sent")
    print(f"Open a window: POST {base}/_simulator/users/<openid>/message (or follow, click, unsubscribe)")
    web.run_app(simulator.app(), host=args.host, port=args.port, print=None, access_log_class=PathAccessLogger)


if __name__ == "__main__":
    main()
