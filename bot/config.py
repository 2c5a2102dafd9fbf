"""Settings read from ``BOT_*`` environment variables, checked once at start-up."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")
MAX_WORKERS = 64

WeChatMode = Literal["plain", "compatible", "safe"]


class Settings(BaseSettings):
    """Every setting of the service; see the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="BOT_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    workers: Annotated[int, Field(ge=1, le=MAX_WORKERS)] = 1
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
    redis_url: str | None = None
    database_url: str | None = None
    secret_key: str | None = None
    var_dir: Path = DEFAULT_VAR_DIR
    content_dir: Path | None = None
    wechat_token: str | None = None
    wechat_app_id: str | None = None
    wechat_app_secret: str | None = None
    wechat_aes_key: str | None = None
    wechat_previous_aes_key: str | None = None
    wechat_mode: WeChatMode | None = None  # the console's 消息加解密方式; see ``effective_wechat_mode``
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_reply_deadline: Annotated[float, Field(gt=0.2, le=4.5)] = 3.0
    notify_residents: bool = True  # tell residents when their case is claimed or resolved
    vosk_model: Path | None = None
    # pool: recognition and synthesis in this process (the embedded default); stream: by
    # ``python -m bot speech-worker`` processes through a Redis stream (needs BOT_REDIS_URL)
    speech_backend: Literal["pool", "stream"] = "pool"
    state_ttl_days: Annotated[int, Field(ge=7, le=365)] = 30
    # How long a finished case keeps the resident's names and numbers before the daily job erases them.
    retention_days: Annotated[int, Field(ge=30, le=20 * 366)] = 3 * 365
    # A case waiting on the resident's answer this long without one is closed, with a notice to them.
    waiting_close_days: Annotated[int, Field(ge=3, le=90)] = 14
    session_ttl_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 480
    session_max_hours: Annotated[int, Field(ge=1, le=7 * 24)] = 12  # absolute, however much it is used
    metrics: bool = True  # GET /metrics and the recording behind it; BOT_METRICS=off turns both off
    log_format: Literal["text", "json"] = "text"

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: object) -> object:
        """``10.0.0.5, 172.16.0.0/12``: addresses or networks, separated by commas."""
        if not isinstance(value, str):
            return value
        networks = []
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                networks.append(ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"not an IP address or network: {item!r}") from None
        return tuple(networks)

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        allowed = ("postgresql+asyncpg://", "sqlite+aiosqlite://")
        if not value.startswith(allowed):
            raise ValueError("must start with postgresql+asyncpg:// or sqlite+aiosqlite://")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @field_validator("wechat_aes_key", "wechat_previous_aes_key")
    @classmethod
    def _aes_key_length(cls, value: str | None) -> str | None:
        if value is not None and len(value) != 43:
            raise ValueError("must be exactly 43 characters (the EncodingAESKey)")
        return value

    @field_validator("wechat_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("vosk_model")
    @classmethod
    def _model_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"is not a folder: {value}")
        return value

    @model_validator(mode="after")
    def _mode_needs_a_key(self) -> Settings:
        if self.wechat_mode in ("compatible", "safe") and not (self.wechat_aes_key and self.wechat_app_id):
            needs = "needs BOT_WECHAT_AES_KEY and BOT_WECHAT_APP_ID to open sealed pushes"
            raise ValueError(f"BOT_WECHAT_MODE: {self.wechat_mode} {needs}")
        return self

    @model_validator(mode="after")
    def _stream_needs_redis(self) -> Settings:
        if self.speech_backend == "stream" and self.redis_url is None:
            raise ValueError("BOT_SPEECH_BACKEND: stream needs BOT_REDIS_URL (where speech workers read jobs)")
        return self

    @property
    def effective_wechat_mode(self) -> WeChatMode:
        """As set; else safe when an EncodingAESKey is configured (plaintext is then refused), else plain."""
        if self.wechat_mode is not None:
            return self.wechat_mode
        return "safe" if self.wechat_aes_key else "plain"

    @property
    def uses_embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def effective_database_url(self) -> str:
        if self.database_url is not None:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'bot.sqlite3').resolve()}"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def effective_content_dir(self) -> Path:
        if self.content_dir is not None:
            return self.content_dir
        return Path(__file__).resolve().parent.parent / "content"


class SettingsError(Exception):
    """A ``BOT_*`` variable has a bad value; the message names it."""


def load_settings() -> Settings:
    """Read the environment, turning pydantic's report into one line per bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            if problem["loc"]:
                lines.append(f"BOT_{str(problem['loc'][0]).upper()}: {problem['msg']}")
            else:  # a rule across several variables names them itself
                lines.append(str(problem["msg"]).removeprefix("Value error, "))
        raise SettingsError("\n".join(lines)) from None
