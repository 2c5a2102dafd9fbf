"""Run every check in order and report: one line each, then a summary; exit status 1 when any failed."""

from __future__ import annotations

import logging
from typing import TextIO

from bot.config import SettingsError, load_settings
from bot.doctor.outside import check_espeak, check_speech_model, check_wechat_token
from bot.doctor.result import Finding, fail, ok, skip
from bot.doctor.stores import check_database, check_redis
from bot.staff.replies import load_replies
from dialogs.loader import ContentError, load_catalog

NEEDS_SETTINGS = ("content", "redis", "database", "migrations", "wechat", "speech model")


async def examine() -> list[Finding]:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its "Context impl" lines would read as findings
    try:
        settings = load_settings()
    except SettingsError as error:
        wrong = [fail("settings", line) for line in str(error).splitlines()]
        return [*wrong, *(skip(check, "fix the settings first") for check in NEEDS_SETTINGS), await check_espeak()]
    findings = [ok("settings", "every BOT_* variable present is valid")]
    try:
        catalog = load_catalog(settings.effective_content_dir)
        load_replies(settings.effective_content_dir)  # serve refuses a broken one too
        findings.append(ok("content", f"{len(catalog.services)} services in {settings.effective_content_dir}"))
    except ContentError as error:
        findings.append(fail("content", f"{len(error.problems)} problems: run python -m bot content check"))
    findings.append(await check_redis(settings))
    findings.extend(await check_database(settings))
    findings.append(await check_wechat_token(settings))
    findings.append(await check_speech_model(settings))
    findings.append(await check_espeak())
    return findings


def report(findings: list[Finding], out: TextIO) -> int:
    for finding in findings:
        print(finding.line(), file=out)
    failed = sum(1 for finding in findings if finding.state == "fail")
    print("All checks passed." if not failed else f"{failed} problem{'s' if failed > 1 else ''} found.", file=out)
    return 1 if failed else 0
