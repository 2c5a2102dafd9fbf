"""The web chat's own sentences, read from ``content/web_chat.yaml`` (refused at start-up when one is missing)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from dialogs.loader import ContentError, ContentProblem

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
    audio_too_long: str


class WebTextsError(ContentError):
    """Reported like every content problem: ``content check`` and ``serve`` name the file and exit 2."""

    def __init__(self, path: Path, place: str, problem: str) -> None:
        super().__init__([ContentProblem(str(path), place, problem)])


def load_web_texts(content_dir: Path) -> WebTexts:
    path = content_dir / FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise WebTextsError(path, "file", f"cannot be read ({type(error).__name__})") from error
    if not isinstance(data, dict):
        raise WebTextsError(path, "file", "expected a mapping of names to sentences")
    names = [f.name for f in fields(WebTexts)]
    missing = [name for name in names if not isinstance(data.get(name), str) or not data[name].strip()]
    if missing:
        raise WebTextsError(path, ", ".join(missing), "missing (each needs a sentence)")
    return WebTexts(**{name: str(data[name]).strip() for name in names})
