"""Traceable facts and plain words: every fact names a source, weak sources are said with a hedge, formal
words are avoided or explained. The real content passes; each broken copy fails naming file, place and why.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dialogs.facts import Glossary, SourceBook, Statement, check_glossary, check_sources
from dialogs.loader import ContentError, ContentProblem, load_catalog
from tests.dialogs.conftest import CONTENT_DIR

BOOK = SourceBook.model_validate(
    {
        "hedges": ["请问当地"],
        "sources": [
            {
                "id": "law",
                "title": "法",
                "issuer": "人大",
                "date": "2021",
                "address": "http://x",
                "supports": "a",
                "verified": True,
            },
            {"id": "dataset", "title": "数据", "issuer": "某人", "date": "不详", "supports": "b", "verified": False},
            {
                "id": "elsewhere",
                "title": "外地",
                "issuer": "外地",
                "date": "不详",
                "supports": "c",
                "verified": "local",
            },
        ],
    }
)
GLOSSARY = Glossary.model_validate(
    {
        "avoid": [{"pattern": "以[^。]{0,20}为准", "instead": "请问当地"}],
        "explain": [{"word": "托养", "explanations": ["照看"]}],
    }
)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


def edit(content: Path, relative: str, old: str, new: str) -> None:
    path = content / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is no longer in {relative}; update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(content: Path) -> list[ContentProblem]:
    with pytest.raises(ContentError) as raised:
        load_catalog(content)
    return raised.value.problems


# ----------------------------------------------------------------------------- the checks themselves


def test_a_rule_or_place_is_a_fact_whatever_its_words_and_needs_a_source() -> None:
    problems = list(check_sources([Statement("where", ("到街道办。",), always_fact=True)], BOOK))
    assert problems == [("where", "states a fact without naming its source (sources: [...] from sources.yaml)")]


@pytest.mark.parametrize("text", ["请打12348。", "按照第四十二条，可以不查。", "依据《条例》办。", "按照规定不能领。"])
def test_a_number_an_article_or_a_named_document_makes_any_sentence_a_fact(text: str) -> None:
    assert list(check_sources([Statement("ask", (text,))], BOOK)) != []


def test_a_case_number_slot_is_not_a_fact_and_plain_chat_needs_no_source() -> None:
    statements = [Statement("done", ("编号是{case_id}。",)), Statement("ask", ("您叫什么名字？",))]
    assert list(check_sources(statements, BOOK)) == []


def test_a_verified_source_needs_no_hedge() -> None:
    assert list(check_sources([Statement("rule", ("可以不查。", "不查。"), ("law",), True)], BOOK)) == []


@pytest.mark.parametrize("source", ["dataset", "elsewhere"])
def test_an_unverified_or_local_source_needs_a_hedge_in_both_forms(source: str) -> None:
    hedged = Statement("rule", ("一般要带低保证明，请问当地。", "请问当地。"), (source,), True)
    half = Statement("rule", ("一般要带低保证明，请问当地。", "要带低保证明。"), (source,), True)

    assert list(check_sources([hedged], BOOK)) == []
    [(place, problem)] = check_sources([half], BOOK)
    assert place == "rule"
    assert source in problem
    assert "要带低保证明" in problem


def test_an_unknown_source_is_named() -> None:
    [(_, problem)] = check_sources([Statement("rule", ("可以。",), ("nowhere",), True)], BOOK)
    assert "'nowhere'" in problem


def test_avoided_words_are_named_with_what_to_say_instead() -> None:
    [(_, problem)] = check_glossary([Statement("where", ("以当地答复为准。",))], GLOSSARY)
    assert problem == "says '以当地答复为准'; say instead: 请问当地"


def test_a_glossary_word_needs_its_explanation_in_the_same_text() -> None:
    assert list(check_glossary([Statement("intro", ("托养，就是白天有人照看。",))], GLOSSARY)) == []
    [(_, problem)] = check_glossary([Statement("intro", ("可以申请托养。",))], GLOSSARY)
    assert "'托养'" in problem


def test_a_verified_source_must_say_where_it_was_read() -> None:
    with pytest.raises(ValueError, match="address"):
        SourceBook.model_validate(
            {
                "hedges": ["请问"],
                "sources": [{"id": "a", "title": "t", "issuer": "i", "date": "d", "supports": "s", "verified": True}],
            }
        )


# ----------------------------------------------------------------------------- on the real content


def test_the_real_content_passes_and_every_rule_names_a_known_source() -> None:
    catalog = load_catalog(CONTENT_DIR)
    for service in catalog.services.values():
        for rule in service.rules:
            assert rule.say.sources, f"{service.id} {rule.id}"


def test_a_rule_without_its_source_fails(content: Path) -> None:
    edit(
        content,
        "services/nursing-allowance.yaml",
        "      sources: [two-subsidies-combining]\n  - id: similar-benefit",
        "  - id: similar-benefit",
    )
    assert ContentProblem(
        "content/services/nursing-allowance.yaml",
        "rules[6] (id work-injury).say",
        "states a fact without naming its source (sources: [...] from sources.yaml)",
    ) in problems_of(content)


def test_an_unverified_fact_said_without_a_hedge_fails(content: Path) -> None:
    edit(content, "faq.yaml", "具体能领多少，请问户口所在地的乡镇政府或者街道办事处。", "每月都能领。")
    problems = problems_of(content)
    assert [p.place for p in problems] == ["[11] (id how-much).answer"]
    assert "gx-2025-25" in problems[0].problem


def test_a_source_marked_unverified_makes_its_unhedged_statements_fail(content: Path) -> None:
    edit(
        content,
        "sources.yaml",
        '    supports: "§8、§11 12348：法律咨询、指引，受理法律援助申请"\n    verified: true',
        '    supports: "§8、§11 12348"\n    verified: false',
    )
    assert any("hotline-12348" in problem.problem for problem in problems_of(content))


def test_a_phone_number_in_a_question_needs_a_source(content: Path) -> None:
    edit(content, "services/legal-aid.yaml", "这件事有没有很急的期限？", "这件事有没有很急的期限？急的话打12348。")
    assert any(
        problem.place.endswith("(id urgent).ask") and "without naming its source" in problem.problem
        for problem in problems_of(content)
    )


def test_a_formal_word_fails_naming_the_plain_one(content: Path) -> None:
    edit(content, "services/living-allowance.yaml", "的窗口申请。也可以在网上申请", "的受理窗口申请。也可以在网上申请")
    assert ContentProblem(
        "content/services/living-allowance.yaml", "where", "says '受理'; say instead: 收材料、接您的申请"
    ) in problems_of(content)


def test_missing_sources_file_fails(content: Path) -> None:
    (content / "sources.yaml").unlink()
    assert ContentProblem("content/sources.yaml", "-", "file is missing") in problems_of(content)
