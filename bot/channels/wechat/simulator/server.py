"""A local stand-in for the WeChat API servers (``api.weixin.qq.com``), for tests and for developers."""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.channels.wechat.simulator.codes import OK, error
from bot.channels.wechat.simulator.media import MediaStore, StoredMedia
from bot.channels.wechat.simulator.reach import PlatformWindows
from bot.channels.wechat.simulator.tokens import TokenIssuer

DEFAULT_APP_ID = "wx_simulator"
DEFAULT_APP_SECRET = "simulator-secret"  # noqa: S105 - the simulator's own, made-up credential
TEXT_MAX_BYTES = 2048
_EXTENSIONS = {
    "audio/amr": "amr",
    "audio/amr-wb": "amr",
    "audio/mpeg": "mp3",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
}
_json_response = partial(web.json_response, dumps=partial(json.dumps, ensure_ascii=False))


@dataclass(frozen=True)
class SentMessage:
    """A customer-service message the platform accepted."""

    openid: str
    msgtype: str
    content: str | None
    media_id: str | None
    at: float


class PathAccessLogger(AbstractAccessLogger):
    """Access log without query strings: those carry access tokens and the app secret."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %d %.3fs", request.method, request.path, response.status, time)


class WeChatSimulator:
    """Serve ``app()``; drive it with ``user_*``, ``expire_tokens``, ``fail_next``; read ``sent``."""

    def __init__(
        self,
        app_id: str = DEFAULT_APP_ID,
        app_secret: str = DEFAULT_APP_SECRET,
        *,
        token_lifetime: float = 7200.0,
        token_grace: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.sent: list[SentMessage] = []
        self._tokens = TokenIssuer(app_id, app_secret, lifetime=token_lifetime, grace=token_grace, clock=self._now)
        self._media = MediaStore(self._now)
        self._windows = PlatformWindows()
        self._failures: deque[tuple[int, str | None]] = deque()

    @property
    def app_id(self) -> str:
        return self._tokens.app_id

    @property
    def app_secret(self) -> str:
        return self._tokens.app_secret

    @property
    def token_fetches(self) -> Counter[str]:
        """Requests per token endpoint: ``token_fetches["token"]``, ``token_fetches["stable_token"]``."""
        return self._tokens.fetches

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_get("/cgi-bin/media/get", self._get_media)
        app.router.add_get("/_simulator/sent", self._list_sent)
        app.router.add_post("/_simulator/users/{openid}/{action}", self._user_action)
        return app

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 42001."""
        self._tokens.expire_all()

    def fail_next(self, errcode: int, errmsg: str | None = None, *, times: int = 1) -> None:
        """The next ``times`` customer-service sends answer ``errcode`` (after the token check)."""
        self._failures.extend([(errcode, errmsg)] * times)

    def add_media(self, data: bytes, content_type: str, *, kind: str = "voice") -> str:
        """Put a file on the platform, as a resident's voice or image message does; its media_id."""
        return self._media.add(data, content_type, kind=kind)

    def media(self, media_id: str) -> StoredMedia | None:
        """An uploaded or added file, unless unknown or expired."""
        return self._media.get(media_id)

    def user_sent_message(self, openid: str, at: float | None = None) -> None:
        self._windows.user_message(openid, self._now() if at is None else at)

    def user_followed(self, openid: str, at: float | None = None) -> None:
        self._windows.followed(openid, self._now() if at is None else at)

    def user_clicked(self, openid: str, at: float | None = None) -> None:
        """A menu click (click, scancode_push, scancode_waitmsg) or a QR scan."""
        self._windows.interaction(openid, self._now() if at is None else at)

    def user_unsubscribed(self, openid: str) -> None:
        self._windows.unfollowed(openid)

    def _now(self) -> float:
        return self.clock()

    async def _token(self, request: web.Request) -> web.Response:
        query = request.query
        return _json_response(self._tokens.classic(query.get("grant_type"), query.get("appid"), query.get("secret")))

    async def _stable_token(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        if body is None:
            return _json_response(error(47001))
        force = body.get("force_refresh", False) is True
        payload = self._tokens.stable(body.get("grant_type"), body.get("appid"), body.get("secret"), force)
        return _json_response(payload)

    async def _send(self, request: web.Request) -> web.Response:
        code = self._tokens.check(request.query.get("access_token"))
        if code:
            return _json_response(error(code))
        if self._failures:
            return _json_response(error(*self._failures.popleft()))
        body = await _json_body(request)
        if body is None:
            return _json_response(error(47001))
        checked = self._check_message(body)
        if isinstance(checked, dict):
            return _json_response(checked)
        code = self._windows.take(checked.openid, checked.at)
        if code:
            return _json_response(error(code))
        self.sent.append(checked)
        return _json_response(OK)

    def _check_message(self, body: dict[str, Any]) -> SentMessage | dict[str, Any]:
        openid, msgtype = body.get("touser"), body.get("msgtype")
        if not isinstance(openid, str) or not openid:
            return error(40003)
        part = body.get(msgtype) if isinstance(msgtype, str) else None
        if msgtype not in ("text", "voice", "image") or not isinstance(part, dict):
            return error(40008)
        if msgtype == "text":
            content = part.get("content")
            if not isinstance(content, str) or not content:
                return error(44004)
            if len(content.encode()) > TEXT_MAX_BYTES:
                return error(45002)
            return SentMessage(openid, msgtype, content, None, self._now())
        media_id = part.get("media_id")
        stored = self._media.get(media_id if isinstance(media_id, str) else None)
        if stored is None or stored.kind != msgtype:
            return error(40007)
        return SentMessage(openid, msgtype, None, media_id, self._now())

    async def _upload(self, request: web.Request) -> web.Response:
        code = self._tokens.check(request.query.get("access_token"))
        if code:
            return _json_response(error(code))
        data: bytes | None = None
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            field = form.get("media")
            if isinstance(field, web.FileField):
                data = field.file.read()
        return _json_response(self._media.upload(request.query.get("type", ""), data))

    async def _get_media(self, request: web.Request) -> web.Response:
        code = self._tokens.check(request.query.get("access_token"))
        if code:
            return _json_response(error(code))
        media_id = request.query.get("media_id", "")
        stored = self._media.get(media_id)
        if stored is None:
            # The platform labels this JSON as text/plain; clients must look at the body, not the label.
            return web.Response(text=json.dumps(error(40007)), content_type="text/plain")
        extension = _EXTENSIONS.get(stored.content_type, "bin")
        return web.Response(
            body=stored.data,
            content_type=stored.content_type,
            headers={"Content-Disposition": f'attachment; filename="{media_id}.{extension}"'},
        )

    async def _list_sent(self, request: web.Request) -> web.Response:
        return _json_response({"sent": [asdict(message) for message in self.sent]})

    async def _user_action(self, request: web.Request) -> web.Response:
        openid, action = request.match_info["openid"], request.match_info["action"]
        actions: dict[str, Callable[[str], None]] = {
            "message": self.user_sent_message,
            "follow": self.user_followed,
            "click": self.user_clicked,
            "unsubscribe": self.user_unsubscribed,
        }
        if action not in actions:
            raise web.HTTPNotFound(text=f"unknown action; use one of {', '.join(actions)}")
        actions[action](openid)
        return _json_response(OK)


async def _json_body(request: web.Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.read())
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None
