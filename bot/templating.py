"""The Jinja2 environment every server-rendered page of the service uses (staff console, web chat)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def html_templates(folder: Path) -> Environment:
    """Templates in ``folder``. Everything is autoescaped: what residents, staff and the assistant write is
    shown as text, never as markup."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
