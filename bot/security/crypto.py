"""Authenticated encryption of personal data (answers, transcripts, names, phone numbers) at rest."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The first byte of every ciphertext names its format, so a later key rotation or algorithm change can
# tell old rows from new ones.
_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12
_HKDF_SALT = b"liuzhou-access-bot"
_HKDF_INFO = b"case-data-encryption/aes-256-gcm/v1"


class DecryptionError(Exception):
    """The data was not written with this key, or was damaged; never says anything about the key."""


class Cipher:
    """AES-256-GCM with a key derived (HKDF-SHA256) from ``BOT_SECRET_KEY``."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("the secret key must not be empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
            secret_key.encode("utf-8")
        )
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Cipher(<hidden>)"

    def encrypt_bytes(self, plain: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return _FORMAT_V1 + nonce + self._aead.encrypt(nonce, plain, _FORMAT_V1)

    def decrypt_bytes(self, data: bytes) -> bytes:
        if len(data) < 1 + _NONCE_BYTES or data[:1] != _FORMAT_V1:
            raise DecryptionError("encrypted data has an unknown format")
        nonce, sealed = data[1 : 1 + _NONCE_BYTES], data[1 + _NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, _FORMAT_V1)
        except InvalidTag:
            raise DecryptionError("encrypted data could not be decrypted: wrong key or damaged data") from None

    def encrypt_text(self, text: str) -> bytes:
        return self.encrypt_bytes(text.encode("utf-8"))

    def decrypt_text(self, data: bytes) -> str:
        plain = self.decrypt_bytes(data)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("decrypted data is not text") from None

    def encrypt_json(self, obj: Any) -> bytes:
        return self.encrypt_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def decrypt_json(self, data: bytes) -> Any:
        text = self.decrypt_text(data)
        try:
            return json.loads(text)
        except ValueError:
            raise DecryptionError("decrypted data is not JSON") from None
