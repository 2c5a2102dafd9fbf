"""Staff passwords are stored as Argon2id hashes; checking a wrong one is False, never an error."""

from __future__ import annotations

from argon2 import PasswordHasher

from bot.security.passwords import hash_password, needs_rehash, verify_password


def test_hash_is_argon2id_and_salted() -> None:
    first = hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert "correct horse battery" not in first
    assert hash_password("correct horse battery") != first


def test_right_password_verifies() -> None:
    assert verify_password(hash_password("correct horse battery"), "correct horse battery") is True


def test_wrong_password_fails() -> None:
    assert verify_password(hash_password("correct horse battery"), "wrong horse battery") is False


def test_malformed_hash_fails_instead_of_raising() -> None:
    assert verify_password("not-a-hash", "anything at all") is False


def test_weaker_hashes_need_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct horse battery")
    assert needs_rehash(weak) is True
    assert needs_rehash(hash_password("correct horse battery")) is False
