"""Encryption of personal data at rest, the secret key it derives from, and staff password hashing."""

from bot.security.crypto import Cipher, DecryptionError

__all__ = ["Cipher", "DecryptionError"]
