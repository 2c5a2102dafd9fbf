"""Where the secret key comes from: ``BOT_SECRET_KEY``, or else a key generated once under ``var_dir``."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from bot.config import Settings

KEY_FILE_NAME = "secret.key"
_MIN_LENGTH = 32


class SecretKeyError(Exception):
    """The secret key file exists but cannot be used; the message names the file, never its content."""


def load_or_create_secret(settings: Settings) -> tuple[str, bool]:
    """Return ``(key, generated)``; ``generated`` is True when the key is a local development key from
    ``<var_dir>/secret.key`` rather than configured, so the caller can warn about it."""
    if settings.secret_key is not None:
        return settings.secret_key, False
    path = settings.var_dir / KEY_FILE_NAME
    try:
        return _read(path), True
    except FileNotFoundError:
        pass
    try:
        return _create(path), True
    except FileExistsError:
        # another process created it between our read and our create: theirs wins
        return _read(path), True


def _read(path: Path) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as error:
        raise SecretKeyError(f"cannot read the secret key file {path}: {type(error).__name__}") from None
    if len(key) < _MIN_LENGTH:
        raise SecretKeyError(f"the secret key file {path} holds fewer than {_MIN_LENGTH} characters")
    return key


def _create(path: Path) -> str:
    key = secrets.token_urlsafe(48)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: os.link fails when the name
        # exists, so two starting processes never see a half-written key.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret-", suffix=".tmp")
    except OSError as error:
        raise SecretKeyError(f"cannot create the secret key file {path}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(key + "\n")
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError as error:
        raise SecretKeyError(f"cannot create the secret key file {path}: {error.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return key
