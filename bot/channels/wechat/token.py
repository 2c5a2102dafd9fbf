"""The account's access token, shared by every worker through Redis and fetched by one worker at a time.

Each classic ``/cgi-bin/token`` fetch invalidates the previous token (after a 5-minute grace), so workers must
not fetch on their own: the first one to find the cache empty takes a short Redis lock and fetches, the others
wait for its result.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

import aiohttp
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.channels.wechat.errors import WeChatApiError, WeChatUnavailable, decode_reply

log = logging.getLogger(__name__)

# WeChat keeps the old token working for 5 minutes after renewing it: renew before that grace runs out.
_RENEW_EARLY = 300
# Longer than one fetch (bounded by the HTTP timeout), short enough that a crashed holder blocks little.
_LOCK_MS = 10_000
_POLL = 0.05
# stable_token's force_refresh is allowed 20 times a day and at least 30 s apart.
_FORCE_INTERVAL = 30
# A wish to force the next fetch outlives no realistic retry; it must not linger and force a fetch hours later.
_FORCE_WISH_TTL = 600

_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_COMPARE_AND_DELETE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[2] == '1' then redis.call('SET', KEYS[2], '1', 'EX', ARGV[3]) end
return 1
"""


class AccessTokens:
    """``get`` the current access token; ``invalidate`` one WeChat rejected."""

    def __init__(
        self,
        redis: Redis,
        session: aiohttp.ClientSession,
        base_url: str,
        app_id: str,
        app_secret: str,
        *,
        use_stable: bool = True,
        prefix: str = "bot",
        timeout: float = 5.0,
        wait: float = 10.0,
    ) -> None:
        if timeout <= 0 or wait <= 0:
            raise ValueError("timeout and wait must be positive")
        self._redis = redis
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._app_id = app_id
        self._app_secret = app_secret
        self._use_stable = use_stable
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._wait = wait
        self._key = f"{prefix}:wechat:token:{app_id}"
        self._lock_key = f"{prefix}:wechat:token-lock:{app_id}"
        self._force_key = f"{prefix}:wechat:token-force:{app_id}"
        self._forced_key = f"{prefix}:wechat:token-forced:{app_id}"
        self._release_lock = redis.register_script(_RELEASE_LOCK)
        self._drop_token = redis.register_script(_COMPARE_AND_DELETE)

    async def get(self) -> str:
        """The shared token, fetched from WeChat by this worker only if no other worker is already doing so."""
        try:
            return await self._get()
        except RedisError as error:
            raise WeChatUnavailable(f"access token store unavailable ({type(error).__name__})") from None

    async def invalidate(self, token: str) -> None:
        """Forget ``token`` if it is still the cached one; a token another worker just fetched stays."""
        try:
            dropped = await self._drop_token(
                keys=[self._key, self._force_key],
                args=[token, "1" if self._use_stable else "0", _FORCE_WISH_TTL],
            )
        except RedisError as error:
            raise WeChatUnavailable(f"access token store unavailable ({type(error).__name__})") from None
        if dropped:
            log.info("dropped the cached access token of %s after WeChat rejected it", self._app_id)

    async def _get(self) -> str:
        deadline = time.monotonic() + self._wait
        while True:
            cached = await self._redis.get(self._key)
            if cached is not None:
                return _text(cached)
            holder = secrets.token_hex(16)
            if await self._redis.set(self._lock_key, holder, nx=True, px=_LOCK_MS):
                try:
                    return await self._refresh()
                finally:
                    await self._release_lock(keys=[self._lock_key], args=[holder])
            if time.monotonic() >= deadline:
                raise WeChatUnavailable(f"no access token within {self._wait:g} s: another worker's fetch is stuck")
            await asyncio.sleep(_POLL)

    async def _refresh(self) -> str:
        # Another worker may have stored a token between our GET and taking the lock.
        cached = await self._redis.get(self._key)
        if cached is not None:
            return _text(cached)
        token, expires_in = await self._fetch(force=await self._may_force())
        await self._redis.set(self._key, token, ex=_cache_seconds(expires_in))
        return token

    async def _may_force(self) -> bool:
        """True if a rejected token asked for a forced stable_token refresh and none was forced in the last 30 s."""
        if not self._use_stable or not await self._redis.getdel(self._force_key):
            return False
        allowed = await self._redis.set(self._forced_key, str(time.time()), nx=True, ex=_FORCE_INTERVAL)
        return bool(allowed)

    async def _fetch(self, *, force: bool) -> tuple[str, int]:
        if self._use_stable:
            path = "/cgi-bin/stable_token"
            body = {
                "grant_type": "client_credential",
                "appid": self._app_id,
                "secret": self._app_secret,
                "force_refresh": force,
            }
            request = self._session.post(self._base_url + path, json=body, timeout=self._timeout)
        else:
            path = "/cgi-bin/token"
            query = {"grant_type": "client_credential", "appid": self._app_id, "secret": self._app_secret}
            request = self._session.get(self._base_url + path, params=query, timeout=self._timeout)
        try:
            async with request as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as error:
            # ``from None``: aiohttp's errors may quote the URL, and the classic one carries the secret.
            raise WeChatUnavailable(f"WeChat {path} unreachable ({type(error).__name__})") from None
        try:
            payload = decode_reply(path, status, raw)
        except WeChatApiError as error:
            log.warning("WeChat %s refused a token for %s: errcode %d", path, self._app_id, error.errcode)
            raise
        token, expires_in = payload.get("access_token"), payload.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise WeChatUnavailable(f"WeChat {path} answered without a usable access token")
        log.info("fetched an access token for %s from %s%s", self._app_id, path, " (forced)" if force else "")
        return token, expires_in


def _cache_seconds(expires_in: int) -> int:
    if expires_in > 2 * _RENEW_EARLY:
        return expires_in - _RENEW_EARLY
    # A short-lived token (seen only from test servers): keep it for half its life rather than not at all.
    return max(1, expires_in // 2)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
