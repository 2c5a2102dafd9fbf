"""WeChat's request signatures, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac


def sign(*parts: str) -> str:
    """SHA-1 of the parts sorted and joined: the platform's ``signature`` and ``msg_signature``."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8"), usedforsecurity=False).hexdigest()


def matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("ascii", "replace"), given.encode("ascii", "replace"))
