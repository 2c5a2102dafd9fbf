"""Content loading: the real content loads; broken content stops naming file, place and problem.

Each broken case copies content/ into a temporary folder and breaks one thing in it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dialogs.loader import ContentError, ContentProblem, load_catalog
from dialogs.schema import Catalog
from tests.dialogs.conftest import CONTENT_DIR

Breakage = Callable[[Path], None]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


def replace_text(relative: str, old: str, new: str) -> Breakage:
    def breakage(content: Path) -> None:
        path = content / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is no longer in {relative}; update this test"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return breakage


def problems_of(content: Path) -> list[ContentProblem]:
    with pytest.raises(ContentError) as raised:
        load_catalog(content)
    assert str(raised.value) == "\n".join(str(problem) for problem in raised.value.problems)
    return raised.value.problems


# ----------------------------------------------------------------------------- the real content


def test_the_real_content_loads(catalog: Catalog) -> None:
    assert set(catalog.services) >= {"living-allowance", "nursing-allowance", "handoff"}
    assert [(item.group, item.service, item.services) for item in catalog.menu] == [
        ("subsidy", None, ("living-allowance", "nursing-allowance", "home-accessibility", "dibao")),
        ("rehab", None, ("rehab", "child-rehab", "assistive-device", "care-services")),
        (None, "legal-aid", ()),
        (None, "disability-card", ()),
        (None, "handoff", ()),
    ]
    assert catalog.services["living-allowance"].team == "subsidy"
    assert catalog.services["nursing-allowance"].team == "subsidy"
    assert catalog.services["handoff"].team == "hotline"


def test_loading_twice_gives_equal_catalogs(catalog: Catalog) -> None:
    assert load_catalog(CONTENT_DIR) == catalog


def test_a_copy_of_the_real_content_loads(content: Path) -> None:
    assert set(load_catalog(content).services) >= {"living-allowance", "nursing-allowance"}


@pytest.mark.parametrize("service", ["living-allowance", "nursing-allowance"])
def test_the_real_subsidies_ask_who_applies_and_record_the_case_fields(catalog: Catalog, service: str) -> None:
    fields = {step.field for step in catalog.services[service].steps if step.field is not None}

    assert fields == {
        "applicant",
        "proxy_relationship",
        "proxy_name",
        "proxy_phone",
        "beneficiary_name",
        "id_number",
        "card_number",
        "district",
        "contact_phone",
    }


@pytest.mark.parametrize("service", ["living-allowance", "nursing-allowance"])
def test_the_real_note_rules_say_we_go_on_filling_not_submit_early(catalog: Catalog, service: str) -> None:
    notes = [rule for rule in catalog.services[service].rules if rule.outcome == "note"]

    assert notes
    for rule in notes:
        assert "我们接着填" in rule.say.text, rule.id
        assert "先提交" not in rule.say.text + (rule.say.simple or ""), rule.id


@pytest.mark.parametrize("service", ["living-allowance", "nursing-allowance"])
def test_the_real_simple_questions_name_the_disabled_person_not_him(catalog: Catalog, service: str) -> None:
    steps = catalog.services[service].steps

    assert catalog.services[service].step("relationship").ask.simple == "您是残疾人的什么人？"
    assert not [step.id for step in steps if step.ask.simple and ("他" in step.ask.simple or "她" in step.ask.simple)]


def test_the_real_simple_disability_question_asks_for_category_and_level(catalog: Catalog) -> None:
    assert catalog.services["nursing-allowance"].step("disability").ask.simple == "{who}是什么残疾，几级？"


def test_no_real_prompt_states_an_amount_of_money(catalog: Catalog) -> None:
    dumped = catalog.model_dump_json()

    assert not re.search(r"\d+\s*元", dumped)
    assert "90" not in dumped


# ----------------------------------------------------------------------------- broken content

BROKEN = [
    pytest.param(
        replace_text("prompts.yaml", "welcome:\n  text:", "welcome:\n  text: [unclosed"),
        "prompts.yaml",
        r"^line \d+, column \d+$",
        "not valid YAML",
        id="invalid-yaml-names-the-line",
    ),
    pytest.param(
        replace_text(
            "prompts.yaml", "back_at_first:\n  text: 这已经是第一个问题了。\n  simple: 这是第一个问题。\n", ""
        ),
        "prompts.yaml",
        r"^back_at_first$",
        "Field required",
        id="missing-prompt-key",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "type: yes_no", "type: checkbox"),
        "services/living-allowance.yaml",
        r"^steps\[4\] \(id has_card\)\.type$",
        "Input should be",
        id="unknown-step-type",
    ),
    pytest.param(
        replace_text(
            "services/nursing-allowance.yaml",
            "when: [{answer: applicant, equals: proxy}]",
            "when: [{answer: applicnt, equals: proxy}]",
        ),
        "services/nursing-allowance.yaml",
        r"^steps\[1\] \(id relationship\)\.when$",
        "refers to 'applicnt', which is not an earlier step",
        id="when-names-an-unknown-step",
    ),
    pytest.param(
        replace_text(
            "services/living-allowance.yaml",
            "when: [{answer: applicant, equals: self}]",
            "when: [{answer: phone, equals: self}]",
        ),
        "services/living-allowance.yaml",
        r"^steps\[\d+\] \(id phone\)\.when$",
        "refers to 'phone', which is not an earlier step",
        id="when-names-itself",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "after: dibao", "after: dibaoo"),
        "services/living-allowance.yaml",
        r"^rules\[1\] \(id no-dibao\)\.after$",
        "unknown step 'dibaoo'",
        id="rule-after-an-unknown-step",
    ),
    pytest.param(
        replace_text(
            "services/living-allowance.yaml",
            "when: [{answer: applicant, equals: proxy}]",
            "when: [{answer: applicant, equals: family}]",
        ),
        "services/living-allowance.yaml",
        r"^steps\[1\] \(id relationship\)\.when$",
        "'family' is not an option of step 'applicant'",
        id="choice-condition-value-not-an-option",
    ),
    pytest.param(
        replace_text(
            "services/living-allowance.yaml",
            "when: [{answer: dibao, equals: applying}]",
            "when: [{answer: dibao, in: [applying, pending]}]",
        ),
        "services/living-allowance.yaml",
        r"^rules\[2\] \(id dibao-pending\)\.when$",
        "'pending' is not an option of step 'dibao'",
        id="rule-condition-value-not-an-option",
    ),
    pytest.param(
        replace_text(
            "services/living-allowance.yaml",
            "when: [{answer: has_card, equals: false}]",
            "when: [{answer: has_card, equals: nope}]",
        ),
        "services/living-allowance.yaml",
        r"^rules\[0\] \(id no-card\)\.when$",
        "compare with true or false",
        id="yes-no-condition-not-a-boolean",
    ),
    pytest.param(
        replace_text("prompts.yaml", "text: 对不起，我没有听懂。", "text: 对不起，我没有听懂，请点击下面的选项。"),
        "prompts.yaml",
        r"^not_understood\.text$",
        "says to click",
        id="prompt-says-click",
    ),
    pytest.param(
        replace_text(
            "services/nursing-allowance.yaml",
            "好的，我们来申请重度残疾人护理补贴。",
            "好的，我们来申请重度残疾人护理补贴，每月90元。",
        ),
        "services/nursing-allowance.yaml",
        r"^intro\.text$",
        "states an amount of money",
        id="prompt-states-an-amount",
    ),
    pytest.param(
        replace_text(
            "services/living-allowance.yaml",
            'simple: "{who}家里领低保吗？"',
            'simple: "{who}家里领低保吗？每月九十元。"',
        ),
        "services/living-allowance.yaml",
        r"^steps\[\d+\] \(id dibao\)\.ask\.simple$",
        "states an amount of money",
        id="simple-question-states-an-amount-in-words",
    ),
    pytest.param(
        replace_text(
            "prompts.yaml", "text: 好的，以后我只用文字回答您。", "text: 好的。以后。我只。用文字。回答。您。放心。"
        ),
        "prompts.yaml",
        r"^mode_changed_text\.text$",
        "at most 6 can be followed when heard",
        id="prompt-of-seven-sentences",
    ),
    pytest.param(
        replace_text(
            "prompts.yaml",
            "text: 好的，以后我只用文字回答您。",
            "text: 好的，以后我只用文字回答您" + "，好吗" * 30 + "。",
        ),
        "prompts.yaml",
        r"^mode_changed_text\.text$",
        "at most 80 when heard",
        id="prompt-sentence-too-long-to-follow",
    ),
    pytest.param(
        replace_text("prompts.yaml", "simple: 好，以后只用文字。", "simple: 好，以后只用文字" + "，好" * 40 + "。"),
        "prompts.yaml",
        r"^mode_changed_text\.simple$",
        "the simple form has",
        id="simple-form-too-long",
    ),
    pytest.param(
        replace_text("prompts.yaml", "text: 好的，以后我只用文字回答您。", "text: 好的，以后我只用文字回答您👍"),
        "prompts.yaml",
        r"^mode_changed_text\.text$",
        "emoji",
        id="prompt-uses-an-emoji",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "label: 在领低保,", "label: 在领 | 低保,"),
        "services/living-allowance.yaml",
        r"^steps\[\d+\] \(id dibao\)\.options\[0\]\.label$",
        "table",
        id="option-label-looks-like-a-table",
    ),
    pytest.param(
        replace_text(
            "prompts.yaml",
            "simple: 好，取消了。",
            "simple: 好的，已经取消了，您填的内容已经清掉。您随时可以再来。以后有事再说。",
        ),
        "prompts.yaml",
        r"^cancelled\.simple$",
        "simple form is longer",
        id="simple-form-longer-than-normal",
    ),
    pytest.param(
        replace_text("menu.yaml", "service: handoff", "service: pension"),
        "menu.yaml",
        r"^\[4\]\.service$",
        "unknown service 'pension'",
        id="menu-names-an-unknown-service",
    ),
    pytest.param(
        replace_text("faq.yaml", "offer_when_named: [nursing-allowance]", "offer_when_named: [pension]"),
        "faq.yaml",
        r"^\[\d+\]\.offer_when_named$",
        "unknown service 'pension'",
        id="faq-offers-an-unknown-service-when-named",
    ),
    pytest.param(
        replace_text("commands.yaml", "mode_voice_alone: [语音, 发语音, 听语音, 要语音]", "mode_voice_alone: 语音"),
        "commands.yaml",
        r"^mode_voice_alone$",
        "valid tuple",
        id="command-phrases-not-a-list",
    ),
    pytest.param(
        lambda content: (content / "services/handoff.yaml").rename(content / "services/person.yaml"),
        "services/person.yaml",
        r"^id$",
        "'handoff' differs from the file name",
        id="service-file-name-differs-from-id",
    ),
    pytest.param(
        lambda content: (content / "commands.yaml").write_bytes(
            (content / "commands.yaml").read_text(encoding="utf-8").encode("gbk")
        ),
        "commands.yaml",
        r"^-$",
        "not UTF-8",
        id="file-not-utf-8",
    ),
    pytest.param(
        lambda content: (content / "menu.yaml").unlink(),
        "menu.yaml",
        r"^-$",
        "file is missing",
        id="missing-file",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "    field: applicant\n", "    field: proxy_name\n"),
        "services/living-allowance.yaml",
        r"^steps\[0\] \(id applicant\)$",
        "needs a name step",
        id="field-on-a-step-of-the-wrong-type",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "  - id: name\n", "  - id: dibao\n"),
        "services/living-allowance.yaml",
        r"\(id dibao\)$",
        "step id is used twice",
        id="step-id-used-twice",
    ),
    pytest.param(
        replace_text("services/living-allowance.yaml", "  - id: applicant\n", "  - id: Applicant\n"),
        "services/living-allowance.yaml",
        r"^steps\[0\] \(id Applicant\)\.id$",
        "String should match pattern",
        id="step-id-not-a-stable-id",
    ),
    pytest.param(
        replace_text("commands.yaml", "help: [帮助, 怎么用, 不会用, 使用说明, 说明]\n", "hlep: [帮助]\n"),
        "commands.yaml",
        r"^help$",
        "Field required",
        id="misspelt-command-key",
    ),
]


@pytest.mark.parametrize(("breakage", "file", "place", "problem"), BROKEN)
def test_broken_content_stops_naming_file_place_and_problem(
    content: Path, breakage: Breakage, file: str, place: str, problem: str
) -> None:
    breakage(content)

    problems = problems_of(content)

    named = [p for p in problems if p.file == f"content/{file}" and re.search(place, p.place)]
    assert named, "\n".join(map(str, problems))
    assert any(problem in p.problem for p in named), "\n".join(map(str, problems))


def test_invalid_yaml_names_the_line_where_it_broke(content: Path) -> None:
    path = content / "prompts.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    broken_line = next(number for number, line in enumerate(lines, start=1) if line.startswith("help:")) + 1
    lines[broken_line - 1] = "  text: [unclosed: 帮助"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    (problem,) = problems_of(content)

    assert problem.file == "content/prompts.yaml"
    found = re.match(r"line (\d+)", problem.place)
    assert found is not None, problem.place
    line = int(found.group(1))
    assert broken_line <= line <= broken_line + 1
    assert str(problem).startswith(f"content/prompts.yaml: line {line}, column ")


def test_every_problem_is_listed_not_only_the_first(content: Path) -> None:
    replace_text("prompts.yaml", "text: 对不起，我没有听懂。", "text: 请点击这里。")(content)
    replace_text("menu.yaml", "service: handoff", "service: pension")(content)
    replace_text("services/living-allowance.yaml", "after: dibao", "after: dibaoo")(content)

    problems = problems_of(content)

    assert {p.file for p in problems} == {
        "content/prompts.yaml",
        "content/menu.yaml",
        "content/services/living-allowance.yaml",
    }


def test_a_problem_reads_as_file_place_problem() -> None:
    problem = ContentProblem("content/menu.yaml", "[2].service", "unknown service 'x'")

    assert str(problem) == "content/menu.yaml: [2].service: unknown service 'x'"
    assert str(ContentError([problem, problem])).count("\n") == 1


def test_a_menu_of_more_than_five_options_is_refused(content: Path) -> None:
    menu = content / "menu.yaml"
    menu.write_text(
        menu.read_text(encoding="utf-8") + "- service: handoff\n  label: 找人\n" * 3,
        encoding="utf-8",
    )

    problems = problems_of(content)

    assert any(p.file == "content/menu.yaml" and "more than five" in p.problem for p in problems)


def test_a_folder_without_services_is_refused(content: Path) -> None:
    for path in (content / "services").glob("*.yaml"):
        path.unlink()

    problems = problems_of(content)

    assert any(p.file == "content/services" and "no service files" in p.problem for p in problems)


# ----------------------------------------------------------------------------- gaps in the checks


def test_a_step_label_that_cannot_be_heard_is_refused(content: Path) -> None:
    replace_text("services/living-allowance.yaml", "label: 低保情况", "label: 低保情况 | 每月90元")(content)

    problems = problems_of(content)

    assert [p.problem for p in problems if re.fullmatch(r"steps\[\d+\] \(id dibao\)\.label", p.place)] == [
        "looks like a table; tables cannot be read aloud",
        "states an amount of money; amounts are confirmed by the local office",
    ]


def test_a_simple_menu_label_with_an_emoji_is_refused(content: Path) -> None:
    replace_text("menu.yaml", "simple: 申请补贴", "simple: 申请补贴💰")(content)

    problems = problems_of(content)

    assert [(p.file, p.place, p.problem) for p in problems] == [
        ("content/menu.yaml", "[0].simple", "uses an emoji; its meaning is lost when heard")
    ]


def test_a_short_name_stating_an_amount_is_refused(content: Path) -> None:
    replace_text("services/living-allowance.yaml", "short_name: 生活补贴", "short_name: 每月90元的补贴")(content)

    problems = problems_of(content)

    assert [(p.file, p.place, p.problem) for p in problems] == [
        (
            "content/services/living-allowance.yaml",
            "short_name",
            "states an amount of money; amounts are confirmed by the local office",
        )
    ]


def test_a_rule_that_can_never_apply_is_refused(content: Path) -> None:
    replace_text(
        "services/living-allowance.yaml",
        "when: [{answer: has_card, equals: false}]",
        "when: [{answer: phone, equals: '13800000000'}]",
    )(content)

    problems = problems_of(content)

    assert [(p.file, p.place, p.problem) for p in problems] == [
        (
            "content/services/living-allowance.yaml",
            "rules[0] (id no-card).when",
            "refers to 'phone', which is not the rule's step or an earlier one",
        )
    ]


def test_a_rule_may_look_at_its_own_step_and_the_ones_before_it(content: Path) -> None:
    """The real no-card rule looks at has_card, its own step; one step earlier is fine too."""
    replace_text(
        "services/living-allowance.yaml",
        "when: [{answer: has_card, equals: false}]",
        "when: [{answer: has_card, equals: false}, {answer: applicant, equals: self}]",
    )(content)

    rule = load_catalog(content).services["living-allowance"].rules[0]

    assert rule.id == "no-card"
    assert [condition.step_id for condition in rule.when] == ["has_card", "applicant"]


def test_a_rule_may_not_look_at_a_later_step(content: Path) -> None:
    replace_text(
        "services/living-allowance.yaml",
        "when: [{answer: has_card, equals: false}]",
        "when: [{answer: has_card, equals: false}, {answer: dibao, equals: receiving}]",
    )(content)

    problems = problems_of(content)

    assert [(p.place, p.problem) for p in problems] == [
        ("rules[0] (id no-card).when", "refers to 'dibao', which is not the rule's step or an earlier one")
    ]


@pytest.mark.parametrize("service", ["living-allowance", "nursing-allowance"])
def test_the_card_question_of_the_real_subsidies_is_answered_have_or_have_not(catalog: Catalog, service: str) -> None:
    assert catalog.services[service].step("has_card").yes_no_labels == ("有", "没有")


def test_a_yes_no_label_that_cannot_be_heard_is_refused(content: Path) -> None:
    replace_text("services/living-allowance.yaml", "yes_no_labels: [有, 没有]", "yes_no_labels: [有👍, 没有]")(content)

    problems = problems_of(content)

    assert [(p.file, p.problem) for p in problems if "yes_no_labels" in p.place] == [
        ("content/services/living-allowance.yaml", "uses an emoji; its meaning is lost when heard")
    ]
    assert any(re.fullmatch(r"steps\[\d+\] \(id has_card\)\.yes_no_labels\[0\]", p.place) for p in problems)


def test_yes_no_labels_on_a_step_that_is_not_yes_no_are_refused(content: Path) -> None:
    replace_text(
        "services/living-allowance.yaml",
        "    label: 低保情况\n",
        "    label: 低保情况\n    yes_no_labels: [有, 没有]\n",
    )(content)

    problems = problems_of(content)

    assert any("(id dibao)" in p.place and "only for yes_no steps" in p.problem for p in problems)


def test_a_service_name_stating_an_amount_is_refused(content: Path) -> None:
    replace_text(
        "services/living-allowance.yaml", "name: 困难残疾人生活补贴\n", "name: 每月90元的困难残疾人生活补贴\n"
    )(content)

    problems = problems_of(content)

    assert [(p.place, p.problem) for p in problems] == [
        ("name", "states an amount of money; amounts are confirmed by the local office")
    ]


def test_a_prompt_without_its_simple_form_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    prompts = content / "prompts.yaml"
    prompts.write_text(prompts.read_text(encoding="utf-8").replace("  simple: 好，取消了。\n", "", 1), encoding="utf-8")

    with pytest.raises(ContentError) as caught:
        load_catalog(content)

    assert [(p.place, p.problem) for p in caught.value.problems] == [
        ("cancelled.simple", "the simple form is missing (simple-language mode needs one)")
    ]


def test_a_prompt_saying_staff_write_back_without_a_form_for_listeners_is_refused(content: Path) -> None:
    replace_text(
        "prompts.yaml",
        "  voice: 您要找工作人员的请求已经在办了，编号是{case_id}。工作人员会在这里回复您，我会读给您听。"
        "您刚才说的话也转给他们了。\n",
        "",
    )(content)

    problems = problems_of(content)

    assert [(p.place, p.problem) for p in problems] == [
        ("handoff_open.voice", "says staff write back: a resident in voice mode needs a voice form")
    ]


def test_a_voice_form_that_still_says_staff_write_back_is_refused(content: Path) -> None:
    replace_text(
        "prompts.yaml",
        "  voice: 您要找工作人员的请求已经在办了，编号是{case_id}。工作人员会在这里回复您，我会读给您听。",
        "  voice: 您要找工作人员的请求已经在办了，编号是{case_id}。工作人员会在这里用文字回复您。",
    )(content)

    problems = problems_of(content)

    assert [(p.place, p.problem) for p in problems] == [
        ("handoff_open.voice", "the voice form says staff write back: say it is read aloud")
    ]


def test_a_service_name_with_a_word_residents_stumble_on_is_refused(content: Path) -> None:
    replace_text("services/assistive-device.yaml", "name: 配辅助器具\n", "name: 辅助器具适配\n")(content)

    problems = problems_of(content)

    assert [(p.place, p.problem) for p in problems] == [("name", "says '适配'; say instead: 配、挑选合适的、调好")]


def test_a_choice_of_two_without_a_yes_no_short_question_is_refused(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    service = content / "services" / "living-allowance.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace("simple: 给自己申请吗？", "simple: 给谁申请？", 1), encoding="utf-8"
    )

    with pytest.raises(ContentError) as caught:
        load_catalog(content)

    assert [(p.place, p.problem) for p in caught.value.problems] == [
        ("steps[0] (id applicant).ask.simple", "a choice of two needs a yes/no question (…吗？)")
    ]


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        pytest.param("      - 家暴\n", "'家暴(' is not a valid pattern", id="unbalanced-bracket"),
        pytest.param("      - 家暴\n", "'家暴?|' matches an empty message", id="matches-everything"),
    ],
)
def test_a_danger_pattern_that_cannot_work_is_refused(content: Path, broken: str, problem: str) -> None:
    pattern = problem.split("'")[1]
    replace_text("safety.yaml", broken, f"      - '{pattern}'\n")(content)

    problems = problems_of(content)

    assert [p.file for p in problems] == ["content/safety.yaml"]
    assert problem in problems[0].problem


# ----------------------------------------------------------------------------- hostile files


@pytest.mark.parametrize(
    "file", ["prompts.yaml", "commands.yaml", "safety.yaml", "menu.yaml", "faq.yaml", "services/rehab.yaml"]
)
def test_an_empty_file_is_named_not_a_crash(content: Path, file: str) -> None:
    (content / file).write_text("# nothing here\n", encoding="utf-8")

    problems = problems_of(content)

    assert [(p.file, p.problem) for p in problems if p.file == f"content/{file}"] == [
        (f"content/{file}", "file is empty")
    ]


def test_yaml_nested_too_deeply_is_named_not_a_crash(content: Path) -> None:
    (content / "faq.yaml").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")

    (problem,) = problems_of(content)

    assert (problem.file, problem.problem) == ("content/faq.yaml", "not valid YAML: nested too deeply")
