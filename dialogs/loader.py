"""Read ``content/`` into a :class:`Catalog` and check it as a whole.

Every problem names the file, the place inside it and what is wrong, so a content editor can fix
it without reading code. All problems are collected before failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dialogs.facts import Glossary, SourceBook, Statement, check_glossary, check_sources
from dialogs.schema import Catalog, Commands, Faq, MenuItem, MoneyHelp, Prompt, Prompts, Safety, Service, Step
from dialogs.spoken import too_long_to_hear
from dialogs.validators.reasons import REASON_CODES

MAX_FILE_BYTES = 512 * 1024

# Prompts are read aloud and shown on small screens: no screen-only words, no tables, no money.
# "工作人员会用文字回复您": true for a resident who reads, not for one who listens (staff text reaches them as speech).
_IN_WRITING = re.compile(r"(?<!只)用文字(?:回复|联系|回答|告诉)")
_FORBIDDEN = (
    (re.compile(r"点击|点一下|按钮"), "says to click; a blind resident cannot, say what to type or say"),
    (re.compile(r"[|│┃]"), "looks like a table; tables cannot be read aloud"),
    (re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]"), "uses an emoji; its meaning is lost when heard"),
    (
        re.compile(r"\d+(\.\d+)?\s*(元|块钱|万元)|[一二三四五六七八九十百千万]+\s*(元|块钱)"),
        "states an amount of money; amounts are confirmed by the local office",
    ),
)

_FIELD_TYPES = {
    "beneficiary_name": "name",
    "proxy_name": "name",
    "id_number": "id_number",
    "card_number": "disability_card",
    "district": "district",
    "contact_phone": "mobile",
    "proxy_phone": "mobile",
    "proxy_relationship": "choice",
    "applicant": "choice",
}


@dataclass(frozen=True)
class ContentProblem:
    file: str
    place: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.place}: {self.problem}"


class ContentError(Exception):
    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_catalog(content_dir: Path) -> Catalog:
    """Parse and check all content; raise :class:`ContentError` listing every problem."""
    problems: list[ContentProblem] = []
    root = content_dir.resolve()

    def rel(path: Path) -> str:
        try:
            return str(path.relative_to(root.parent))
        except ValueError:
            return str(path)

    def read(path: Path) -> Any:
        if not path.is_file():
            problems.append(ContentProblem(rel(path), "-", "file is missing"))
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            problems.append(ContentProblem(rel(path), "-", f"file is larger than {MAX_FILE_BYTES} bytes"))
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            problems.append(ContentProblem(rel(path), "-", "file is not UTF-8 text"))
        except RecursionError:  # PyYAML's parser recurses once per level of nesting
            problems.append(ContentProblem(rel(path), "-", "not valid YAML: nested too deeply"))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
            problems.append(ContentProblem(rel(path), place, f"not valid YAML: {getattr(error, 'problem', error)}"))
        else:
            if data is not None:
                return data
            problems.append(ContentProblem(rel(path), "-", "file is empty"))
        return None

    def parse(model: type[Any], data: Any, path: Path) -> Any:
        if data is None:
            return None
        try:
            return model.model_validate(data)
        except ValidationError as error:
            for item in error.errors():
                place = _place(item["loc"], data)
                problems.append(ContentProblem(rel(path), place, item["msg"]))
            return None

    services: dict[str, Service] = {}
    service_files: dict[str, Path] = {}
    for path in sorted((root / "services").glob("*.yaml")):
        service = parse(Service, read(path), path)
        if service is None:
            continue
        if path.stem != service.id:
            problems.append(ContentProblem(rel(path), "id", f"id {service.id!r} differs from the file name"))
        if service.id in services:
            problems.append(ContentProblem(rel(path), "id", f"service {service.id!r} is defined twice"))
        services[service.id] = service
        service_files[service.id] = path
    if not services:
        problems.append(ContentProblem(rel(root / "services"), "-", "no service files found"))

    menu_path, commands_path, prompts_path = root / "menu.yaml", root / "commands.yaml", root / "prompts.yaml"
    menu_data = read(menu_path)
    menu: list[MenuItem] = []
    if menu_data is not None and not isinstance(menu_data, list):
        problems.append(ContentProblem(rel(menu_path), "-", "must be a list of menu items"))
    elif menu_data is not None:
        for index, item in enumerate(menu_data):
            parsed = parse(MenuItem, item, menu_path)
            if parsed is None:
                continue
            for member in parsed.services:
                if member not in services:
                    problems.append(
                        ContentProblem(rel(menu_path), f"[{index}].services", f"unknown service {member!r}")
                    )
            if parsed.service is not None and parsed.service not in services:
                problems.append(
                    ContentProblem(rel(menu_path), f"[{index}].service", f"unknown service {parsed.service!r}")
                )
            menu.append(parsed)
        if len(menu_data) > 5:
            problems.append(ContentProblem(rel(menu_path), "-", "more than five options cannot be followed when heard"))
    commands = parse(Commands, read(commands_path), commands_path)
    prompts = parse(Prompts, read(prompts_path), prompts_path)
    faq_path = root / "faq.yaml"
    faqs: list[Faq] = []
    if faq_path.exists():
        faq_data = read(faq_path)
        if faq_data is not None and not isinstance(faq_data, list):
            problems.append(ContentProblem(rel(faq_path), "-", "must be a list of questions"))
        elif faq_data is not None:
            for index, item in enumerate(faq_data):
                faq = parse(Faq, item, faq_path)
                if faq is None:
                    continue
                if faq.offer is not None and faq.offer not in services:
                    problems.append(ContentProblem(rel(faq_path), f"[{index}].offer", f"unknown service {faq.offer!r}"))
                for other in faq.offer_when_named:
                    if other not in services:
                        where = f"[{index}].offer_when_named"
                        problems.append(ContentProblem(rel(faq_path), where, f"unknown service {other!r}"))
                problems.extend(_check_prompt(faq.answer, rel(faq_path), f"[{index}] (id {faq.id}).answer"))
                faqs.append(faq)
    reasons_path = root / "reasons.yaml"
    reasons: dict[str, Prompt] = {}
    reasons_data = read(reasons_path)
    if reasons_data is not None and not isinstance(reasons_data, dict):
        problems.append(ContentProblem(rel(reasons_path), "-", "must map each reason code to its words"))
    elif reasons_data is not None:
        for code, entry in reasons_data.items():
            reason = parse(Prompt, entry, reasons_path)
            if reason is None:
                continue
            problems.extend(_check_prompt(reason, rel(reasons_path), str(code)))
            reasons[str(code)] = reason
        for code in REASON_CODES:
            if code not in reasons:
                problems.append(
                    ContentProblem(rel(reasons_path), code, "a validator gives this reason: it needs words")
                )
        for code in reasons:
            if code not in REASON_CODES:
                problems.append(ContentProblem(rel(reasons_path), code, "no validator gives this reason"))
    money_path = root / "money.yaml"
    money: MoneyHelp | None = None
    if money_path.exists():
        money = parse(MoneyHelp, read(money_path), money_path)
        if money is not None:
            problems.extend(_check_money(money, rel(money_path), services))
    safety_path = root / "safety.yaml"
    safety = parse(Safety, read(safety_path), safety_path)
    if safety is not None:
        for index, category in enumerate(safety.categories):
            problems.extend(_check_prompt(category.say, rel(safety_path), f"categories[{index}].say"))
        for index, warning in enumerate(safety.warnings):
            problems.extend(_check_prompt(warning.say, rel(safety_path), f"warnings[{index}].say"))
        problems.extend(_check_prompt(safety.footer, rel(safety_path), "footer"))

    for service_id, service in services.items():
        problems.extend(_check_service(service, rel(service_files[service_id])))
    if prompts is not None:
        for name, prompt in prompts:
            problems.extend(_check_prompt(prompt, rel(prompts_path), name))
    for index, item in enumerate(menu):
        problems.extend(_check_text(item.label, rel(menu_path), f"[{index}].label"))
        if item.simple is not None:
            problems.extend(_check_text(item.simple, rel(menu_path), f"[{index}].simple"))

    sources_path, glossary_path = root / "sources.yaml", root / "glossary.yaml"
    book = parse(SourceBook, read(sources_path), sources_path)
    glossary = parse(Glossary, read(glossary_path), glossary_path)
    if book is not None:
        seen_ids: set[str] = set()
        for index, source in enumerate(book.sources):
            if source.id in seen_ids:
                problems.append(
                    ContentProblem(rel(sources_path), f"sources[{index}]", f"id {source.id!r} is used twice")
                )
            seen_ids.add(source.id)
    said: list[tuple[str, Statement]] = []
    for service_id, service in services.items():
        said.extend((rel(service_files[service_id]), statement) for statement in _service_statements(service))
    said.extend(
        (rel(faq_path), _statement(f"[{index}] (id {faq.id}).answer", faq.answer, True))
        for index, faq in enumerate(faqs)
    )
    if safety is not None:
        said.extend(
            (rel(safety_path), _statement(f"categories[{index}] (id {category.id}).say", category.say, False))
            for index, category in enumerate(safety.categories)
        )
        said.append((rel(safety_path), _statement("footer", safety.footer, False)))
    if prompts is not None:
        said.extend((rel(prompts_path), _statement(name, prompt, False)) for name, prompt in prompts)
    said.extend((rel(reasons_path), _statement(str(code), reason, False)) for code, reason in reasons.items())
    labels: list[tuple[str, Statement]] = [
        (rel(menu_path), Statement(f"[{index}].label", (item.label,) + ((item.simple,) if item.simple else ())))
        for index, item in enumerate(menu)
    ]
    for service_id, service in services.items():
        labels.extend((rel(service_files[service_id]), statement) for statement in _label_statements(service))
    if book is not None:
        for file, statement in said:
            problems.extend(ContentProblem(file, place, problem) for place, problem in check_sources([statement], book))
    if glossary is not None:
        for file, statement in [*said, *labels]:
            problems.extend(
                ContentProblem(file, place, problem) for place, problem in check_glossary([statement], glossary)
            )

    if problems:
        raise ContentError(problems)
    assert commands is not None
    assert prompts is not None
    assert safety is not None
    return Catalog(
        services=services,
        menu=tuple(menu),
        commands=commands,
        prompts=prompts,
        safety=safety,
        faqs=tuple(faqs),
        money=money,
        reasons=reasons,
    )


def _place(loc: tuple[int | str, ...], data: Any) -> str:
    """Render a pydantic location, naming steps by id rather than by position."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict) and "id" in node[key]:
                label = f"[{key}] (id {node[key]['id']})"
            parts.append(label)
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(f".{key}" if parts else str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "-"


def _check_service(service: Service, file: str) -> Iterator[ContentProblem]:
    seen: dict[str, Step] = {}
    for index, step in enumerate(service.steps):
        place = f"steps[{index}] (id {step.id})"
        if step.id in seen:
            yield ContentProblem(file, place, "step id is used twice")
        for condition in step.when:
            yield from _check_condition(condition.step_id, condition, seen, file, f"{place}.when", "an earlier step")
        if step.field is not None and _FIELD_TYPES[step.field] != step.type:
            yield ContentProblem(file, place, f"field {step.field} needs a {_FIELD_TYPES[step.field]} step")
        if step.field == "applicant" and {o.value for o in step.options} != {"self", "proxy"}:
            yield ContentProblem(file, place, "the applicant step needs exactly the options self and proxy")
        if step.type == "disability_card" and not any(s.type == "id_number" for s in seen.values()):
            yield ContentProblem(file, place, "a disability card step needs an id_number step before it")
        yield from _check_prompt(step.ask, file, f"{place}.ask")
        if (
            step.type == "choice"
            and len(step.options) == 2
            and not (step.ask.simple or "").rstrip().endswith(("吗？", "吗?"))
        ):
            # Simple mode answers a choice of two with yes or no: its short question must ask one.
            yield ContentProblem(file, f"{place}.ask.simple", "a choice of two needs a yes/no question (…吗？)")
        yield from _check_text(step.label, file, f"{place}.label")
        for number, label in enumerate(step.yes_no_labels or ()):
            yield from _check_text(label, file, f"{place}.yes_no_labels[{number}]")
        for number, option in enumerate(step.options):
            yield from _check_text(option.label, file, f"{place}.options[{number}].label")
        seen[step.id] = step
    if not any(step.field == "applicant" for step in service.steps) and service.confirm:
        yield ContentProblem(file, "steps", "an application must ask whether it is for oneself or someone else")
    order = [step.id for step in service.steps]
    for index, rule in enumerate(service.rules):
        place = f"rules[{index}] (id {rule.id})"
        if rule.after not in seen:
            yield ContentProblem(file, f"{place}.after", f"unknown step {rule.after!r}")
            continue
        # A rule runs right after its step: it can only look at that step and the ones before it.
        known = {step_id: seen[step_id] for step_id in order[: order.index(rule.after) + 1]}
        for condition in rule.when:
            yield from _check_condition(
                condition.step_id, condition, known, file, f"{place}.when", "the rule's step or an earlier one"
            )
        yield from _check_prompt(rule.say, file, f"{place}.say")
    yield from _check_text(service.short_name, file, "short_name")
    yield from _check_text(service.name, file, "name")
    for name in ("intro", "done", "where", "next_steps"):
        prompt = getattr(service, name)
        if prompt is not None:
            yield from _check_prompt(prompt, file, name)
    for index, document in enumerate(service.documents):
        yield from _check_text(document, file, f"documents[{index}]")
        problem = too_long_to_hear(document, simple=True)  # each is heard alone, in its own message
        if problem is not None:
            yield ContentProblem(file, f"documents[{index}]", problem)


def _check_money(money: MoneyHelp, file: str, services: dict[str, Service]) -> Iterator[ContentProblem]:
    yield from _check_prompt(money.intro, file, "intro")
    for name in ("one", "two", "none"):
        yield from _check_prompt(getattr(money, name), file, name)
    for index, question in enumerate(money.questions):
        place = f"questions[{index}] (id {question.id})"
        yield from _check_prompt(question.ask, file, f"{place}.ask")
        for service in question.services:
            if service not in services:
                yield ContentProblem(file, f"{place}.services", f"unknown service {service!r}")


def _check_condition(
    step_id: str, condition: Any, earlier: dict[str, Step], file: str, place: str, allowed: str
) -> Iterator[ContentProblem]:
    step = earlier.get(step_id)
    if step is None:
        yield ContentProblem(file, place, f"refers to {step_id!r}, which is not {allowed}")
        return
    values = [condition.equals] if condition.equals is not None else list(condition.is_in or condition.not_in or ())
    if step.type == "choice" and "." not in condition.answer:
        options = {option.value for option in step.options}
        for value in values:
            if value not in options:
                yield ContentProblem(file, place, f"{value!r} is not an option of step {step_id!r}")
    if step.type == "yes_no" and any(not isinstance(value, bool) for value in values):
        yield ContentProblem(file, place, f"step {step_id!r} is yes/no: compare with true or false")


def _check_prompt(prompt: Prompt, file: str, place: str) -> Iterator[ContentProblem]:
    yield from _check_text(prompt.text, file, f"{place}.text")
    if _IN_WRITING.search(prompt.text) and prompt.voice is None:
        yield ContentProblem(
            file, f"{place}.voice", "says staff write back: a resident in voice mode needs a voice form"
        )
    if prompt.voice is not None:
        yield from _check_text(prompt.voice, file, f"{place}.voice")
        if _IN_WRITING.search(prompt.voice):
            yield ContentProblem(file, f"{place}.voice", "the voice form says staff write back: say it is read aloud")
    for form, text in (("text", prompt.text), ("simple", prompt.simple), ("voice", prompt.voice)):
        problem = too_long_to_hear(text, simple=form == "simple") if text is not None else None
        if problem is not None:
            yield ContentProblem(file, f"{place}.{form}", problem)
    if prompt.simple is None:
        yield ContentProblem(file, f"{place}.simple", "the simple form is missing (simple-language mode needs one)")
    else:
        yield from _check_text(prompt.simple, file, f"{place}.simple")
        if len(prompt.simple) > len(prompt.text):
            yield ContentProblem(file, f"{place}.simple", "the simple form is longer than the normal one")


def _check_text(text: str, file: str, place: str) -> Iterator[ContentProblem]:
    for pattern, reason in _FORBIDDEN:
        if pattern.search(text):
            yield ContentProblem(file, place, reason)


def text_problems(text: str, file: str, place: str) -> Iterator[ContentProblem]:
    """What is wrong with a text a resident will read or hear, for content files read elsewhere."""
    return _check_text(text, file, place)


def _statement(place: str, prompt: Prompt, always_fact: bool) -> Statement:
    texts = tuple(text for text in (prompt.text, prompt.simple, prompt.voice) if text is not None)
    return Statement(place, texts, prompt.sources, always_fact)


def _service_statements(service: Service) -> Iterator[Statement]:
    """What a service says, for the source and glossary checks; eligibility, places and documents are facts."""
    yield Statement("name", (service.name, service.short_name), a_name=True)  # said in menus, offers, notices
    yield _statement("intro", service.intro, True)
    for index, step in enumerate(service.steps):
        yield _statement(f"steps[{index}] (id {step.id}).ask", step.ask, False)
    for index, rule in enumerate(service.rules):
        yield _statement(f"rules[{index}] (id {rule.id}).say", rule.say, True)
    yield _statement("done", service.done, False)
    for name in ("where", "next_steps"):
        prompt = getattr(service, name)
        if prompt is not None:
            yield _statement(name, prompt, True)
    if service.documents:
        yield Statement("documents", ("\n".join(service.documents),), service.documents_sources, True)


def _label_statements(service: Service) -> Iterator[Statement]:
    """Labels and options: checked for plain words only (they name answers, they state no facts)."""
    for index, step in enumerate(service.steps):
        place = f"steps[{index}] (id {step.id})"
        yield Statement(f"{place}.label", (step.label,))
        for number, option in enumerate(step.options):
            yield Statement(f"{place}.options[{number}].label", (option.label,))
