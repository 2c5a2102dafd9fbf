"""Canned replies: short answers staff pick in the reply box (``content/replies.yaml``), then edit and send.

They go to residents like any staff reply (spoken, for voice users), so they are checked as prompts are:
no screen-only words, tables, emoji or amounts of money. The file is optional; a broken one stops
start-up and ``python -m bot content check`` names each problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.staff.openapi import MAX_TEXT_CHARS
from dialogs.loader import MAX_FILE_BYTES, ContentError, ContentProblem, text_problems

FILE_NAME = "replies.yaml"
MAX_TITLE_CHARS = 20
MAX_REPLY_CHARS = 300
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FIELDS = frozenset({"id", "title", "text"})


@dataclass(frozen=True)
class CannedReply:
    id: str
    title: str  # what staff see in the list
    text: str  # what the resident gets

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "text": self.text}


def load_replies(content_dir: Path) -> tuple[CannedReply, ...]:
    """The canned replies of ``content_dir`` (none when it has no replies file); raises ``ContentError``
    naming every problem."""
    path = content_dir / FILE_NAME
    if not path.is_file():
        return ()
    file = f"{content_dir.resolve().name}/{FILE_NAME}"
    problems: list[ContentProblem] = []
    data = _read(path, file, problems)
    replies: list[CannedReply] = []
    if data is not None and not isinstance(data, list):
        problems.append(ContentProblem(file, "-", "must be a list of replies (id, title, text)"))
    elif data is not None:
        for index, item in enumerate(data):
            reply = _reply(item, file, f"[{index}]", problems)
            if reply is not None:
                replies.append(reply)
    seen_ids: set[str] = set()
    seen_titles: set[str] = set()
    for index, reply in enumerate(replies):
        if reply.id in seen_ids:
            problems.append(ContentProblem(file, f"[{index}] (id {reply.id}).id", f"id {reply.id!r} is used twice"))
        if reply.title in seen_titles:
            problems.append(
                ContentProblem(file, f"[{index}] (id {reply.id}).title", f"title {reply.title!r} is used twice")
            )
        seen_ids.add(reply.id)
        seen_titles.add(reply.title)
    if problems:
        raise ContentError(problems)
    return tuple(replies)


def _read(path: Path, file: str, problems: list[ContentProblem]) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(ContentProblem(file, "-", f"file is larger than {MAX_FILE_BYTES} bytes"))
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        problems.append(ContentProblem(file, "-", "file is not UTF-8 text"))
    except RecursionError:
        problems.append(ContentProblem(file, "-", "not valid YAML: nested too deeply"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "-"
        problems.append(ContentProblem(file, place, f"not valid YAML: {getattr(error, 'problem', error)}"))
    return None


def _reply(item: Any, file: str, place: str, problems: list[ContentProblem]) -> CannedReply | None:
    if not isinstance(item, dict):
        problems.append(ContentProblem(file, place, "each reply must have id, title and text"))
        return None
    named = f"{place} (id {item['id']})" if isinstance(item.get("id"), str) else place
    before = len(problems)
    unknown = sorted(str(key) for key in item if key not in _FIELDS)
    if unknown:
        problems.append(ContentProblem(file, named, f"unknown field(s): {', '.join(unknown)}"))
    reply_id, title, text = item.get("id"), item.get("title"), item.get("text")
    if not isinstance(reply_id, str) or not _ID.fullmatch(reply_id):
        problems.append(ContentProblem(file, f"{named}.id", "must be lower-case letters, digits and dashes"))
    for name, value, limit in (("title", title, MAX_TITLE_CHARS), ("text", text, MAX_REPLY_CHARS)):
        if not isinstance(value, str) or not value.strip():
            problems.append(ContentProblem(file, f"{named}.{name}", "must be some text"))
        elif len(value.strip()) > min(limit, MAX_TEXT_CHARS):
            problems.append(ContentProblem(file, f"{named}.{name}", f"longer than {limit} characters"))
        else:
            problems.extend(text_problems(value, file, f"{named}.{name}"))
    if len(problems) > before:
        return None
    assert isinstance(reply_id, str)
    assert isinstance(title, str)
    assert isinstance(text, str)
    return CannedReply(reply_id, title.strip(), text.strip())
