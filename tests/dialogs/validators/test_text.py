from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dialogs.validators import normalize
from tests.dialogs.validators.strategies import HOSTILE_TEXTS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("  柳江区  ", "柳江区", id="surrounding-spaces"),
        pytest.param("是的。", "是的", id="chinese-full-stop"),
        pytest.param("“对”，好的！", "对好的", id="chinese-quotes-and-comma"),
        pytest.param("Yes, OK!", "yesok", id="latin-lowercased-ascii-punctuation"),
        pytest.param("１３８　１２３４", "1381234", id="full-width-digits-and-space"),
        pytest.param("ＡＢＣ", "abc", id="full-width-latin"),
        pytest.param("好\x00的\u200b", "好的", id="control-and-zero-width"),
        pytest.param("好的👍🏻", "好的", id="emoji-with-skin-tone"),
        pytest.param("1️⃣", "1", id="keycap-emoji"),
        pytest.param("【肢体】二级~", "肢体二级", id="brackets-and-tilde"),
        pytest.param("", "", id="empty"),
        pytest.param("\t\n ", "", id="only-whitespace"),
    ],
)
def test_normalize_folds_answers_for_matching(text: str, expected: str) -> None:
    assert normalize(text) == expected


@given(st.text())
@example("好" * 5000)
def test_normalize_accepts_any_text_and_is_idempotent(text: str) -> None:
    once = normalize(text)

    assert normalize(once) == once
    assert not any(ch.isspace() for ch in once)
    assert not any(unicodedata.category(ch)[0] in "CPZ" for ch in once)


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_normalize_survives_hostile_text(text: str) -> None:
    assert isinstance(normalize(text), str)
