"""Personal data is sealed with a key derived from BOT_SECRET_KEY and opens only with that key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.security.crypto import Cipher, DecryptionError

KEY = "a-test-secret-key-that-is-long-enough-1234"
OTHER_KEY = "another-secret-key-that-is-long-enough-5678"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@given(json_values)
def test_json_round_trips(value: object) -> None:
    cipher = Cipher(KEY)
    assert cipher.decrypt_json(cipher.encrypt_json(value)) == value


def test_text_round_trips_with_chinese() -> None:
    cipher = Cipher(KEY)
    assert cipher.decrypt_text(cipher.encrypt_text("您好，已为您登记。")) == "您好，已为您登记。"


def test_ciphertext_does_not_contain_the_plain_text() -> None:
    sealed = Cipher(KEY).encrypt_json({"phone": "13800138000", "name": "张三"})
    assert b"13800138000" not in sealed
    assert "张三".encode() not in sealed


def test_same_value_encrypts_differently_each_time() -> None:
    cipher = Cipher(KEY)
    assert cipher.encrypt_text("13800138000") != cipher.encrypt_text("13800138000")


def test_a_cipher_built_from_the_same_key_can_decrypt() -> None:
    assert Cipher(KEY).decrypt_text(Cipher(KEY).encrypt_text("hello")) == "hello"


def test_another_key_cannot_decrypt_and_the_error_does_not_reveal_keys() -> None:
    sealed = Cipher(KEY).encrypt_text("13800138000")
    with pytest.raises(DecryptionError) as caught:
        Cipher(OTHER_KEY).decrypt_text(sealed)
    assert KEY not in str(caught.value)
    assert OTHER_KEY not in str(caught.value)


def test_tampered_data_is_rejected() -> None:
    cipher = Cipher(KEY)
    sealed = bytearray(cipher.encrypt_json({"a": 1}))
    sealed[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        cipher.decrypt_json(bytes(sealed))


@pytest.mark.parametrize("data", [b"", b"\x01short", b"\x09" + bytes(40)])
def test_garbage_is_rejected(data: bytes) -> None:
    with pytest.raises(DecryptionError):
        Cipher(KEY).decrypt_json(data)


def test_the_key_does_not_appear_in_the_cipher_repr() -> None:
    assert KEY not in repr(Cipher(KEY))


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        Cipher("")
