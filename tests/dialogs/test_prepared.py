"""Values worked out from a piece of content are worked out once per content object, and forgotten with it."""

from __future__ import annotations

import gc

from dialogs import prepared as prepared_module
from dialogs.prepared import prepared


class Content:
    def __init__(self, words: list[str]) -> None:
        self.words = words


calls: list[int] = []


def count_words(content: Content) -> int:
    calls.append(id(content))
    return len(content.words)


def test_a_value_is_worked_out_once_per_content_object() -> None:
    calls.clear()
    first, second = Content(["甲", "乙"]), Content(["丙"])

    assert [prepared(first, count_words) for _ in range(3)] == [2, 2, 2]
    assert prepared(second, count_words) == 1
    assert calls == [id(first), id(second)]


def test_different_derivations_of_one_object_are_kept_apart() -> None:
    content = Content(["甲", "乙"])

    assert prepared(content, count_words) == 2
    assert prepared(content, lambda c: "".join(c.words)) == "甲乙"


def test_the_entry_goes_when_its_content_object_does() -> None:
    content = Content(["甲"])
    prepared(content, count_words)
    key = (id(content), count_words)
    assert key in prepared_module._prepared

    del content
    gc.collect()

    assert key not in prepared_module._prepared
