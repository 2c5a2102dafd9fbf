"""The web chat's own sentences, read from ``content/web_chat.yaml`` (refused at start-up when one is missing)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

FILE = "web_chat.yaml"


@dataclass(frozen=True)
class WebTexts:
    empty: str
    too_long: str
    rate_limited: str
    expired: str
    late: str
    error: str
    resume_failed: str
    resume_limited: str
    resumed: str
    voice_message: str
    spoken: str
    no_audio: str


class WebTextsError(Exception):
    pass


def load_web_texts(content_dir: Path) -> WebTexts:
    path = content_dir / FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise WebTextsError(f"{path}: cannot be read ({error})") from error
    if not isinstance(data, dict):
        raise WebTextsError(f"{path}: expected a mapping of names to sentences")
    names = [f.name for f in fields(WebTexts)]
    missing = [name for name in names if not isinstance(data.get(name), str) or not data[name].strip()]
    if missing:
        raise WebTextsError(f"{path}: missing sentences: {', '.join(missing)}")
    return WebTexts(**{name: str(data[name]).strip() for name in names})
