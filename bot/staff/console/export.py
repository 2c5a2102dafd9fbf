"""Case lists and the monthly summary as CSV or XLSX files.

Lists carry the masked summary only; with ``unmasked`` (an administrator's request with a reason, which
the caller records) the decrypted names and numbers are added. A cell a spreadsheet would take for a
formula (``=``, ``+``, ``-``, ``@`` …) is written with a leading apostrophe, so a resident's words can never
run as one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cases.models import CaseRow, StaffUserRow
from bot.security.crypto import Cipher
from bot.staff.console import present
from bot.staff.console.dashboard_view import OUTCOME_LABELS, PROXY_LABELS
from bot.staff.dashboard.figures import Figures
from bot.staff.dashboard.period import Period

MAX_ROWS = 50_000
CASE_COLUMNS = (
    "编号",
    "服务",
    "组",
    "状态",
    "区县",
    "渠道",
    "使用方式",
    "代办关系",
    "紧急",
    "提交时间",
    "认领人",
    "办理结果",
    "摘要",
)
PERSONAL_COLUMNS = ("姓名", "联系电话", "身份证号", "代办人姓名", "代办人电话")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int
Table = tuple[tuple[str, ...], list[list[Cell]]]


@dataclass(frozen=True)
class CaseFilter:
    period: Period
    team: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class CaseList:
    header: tuple[str, ...]
    rows: list[list[Cell]]
    case_ids: list[int]
    truncated: bool


async def case_list(
    sessionmaker: async_sessionmaker[AsyncSession], cipher: Cipher, chosen: CaseFilter, *, unmasked: bool
) -> CaseList:
    query = (
        select(CaseRow, StaffUserRow.username)
        .outerjoin(StaffUserRow, CaseRow.claimed_by == StaffUserRow.id)
        .where(CaseRow.created_at >= chosen.period.start, CaseRow.created_at < chosen.period.end)
        .order_by(CaseRow.created_at, CaseRow.id)
        .limit(MAX_ROWS + 1)
    )
    if chosen.team is not None:
        query = query.where(CaseRow.team == chosen.team)
    if chosen.status is not None:
        query = query.where(CaseRow.status == chosen.status)
    async with sessionmaker() as session:
        found = (await session.execute(query)).all()
    rows: list[list[Cell]] = []
    for case, claimer in found[:MAX_ROWS]:
        row: list[Cell] = [
            case.id,
            present.label(present.SERVICE_LABELS, case.service),
            present.label(present.TEAM_LABELS, case.team),
            present.label(present.STATUS_LABELS, case.status),
            case.district or "",
            present.label(present.CHANNEL_LABELS, case.channel),
            present.label(present.MODE_LABELS, case.mode),
            case.proxy_relationship or "本人",
            "是" if case.urgent else "",
            present.at(case.created_at),
            claimer or "",
            present.label(OUTCOME_LABELS, case.outcome) if case.outcome else "",
            case.summary,
        ]
        if unmasked:
            row += _personal(cipher, case)
        rows.append(row)
    header = CASE_COLUMNS + (PERSONAL_COLUMNS if unmasked else ())
    return CaseList(header, rows, [int(case.id) for case, _ in found[:MAX_ROWS]], len(found) > MAX_ROWS)


def _personal(cipher: Cipher, case: CaseRow) -> list[Cell]:
    if case.erased_at is not None:
        return ["已删除"] * len(PERSONAL_COLUMNS)
    names = cipher.decrypt_json(case.names_enc)
    contact = cipher.decrypt_json(case.contact_enc)
    answers = cipher.decrypt_json(case.answers_enc)
    id_number = answers.get("id_number") if isinstance(answers, dict) else None
    return [
        names.get("beneficiary") or "",
        contact.get("phone") or "",
        id_number if isinstance(id_number, str) else "",
        names.get("proxy") or "",
        contact.get("proxy_phone") or "",
    ]


def monthly_summary(figures: Figures) -> Table:
    """The month's figures as one table: what is counted, which group, how many."""
    header = ("类别", "项目", "数量")
    rows: list[list[Cell]] = [["申请", "合计", figures.total]]
    for title, counts, labels in (
        ("按服务", figures.by_service, present.SERVICE_LABELS),
        ("按区县", figures.by_district, {}),
        ("按渠道", figures.by_channel, present.CHANNEL_LABELS),
        ("按使用方式", figures.by_mode, present.MODE_LABELS),
        ("本人或代办", figures.by_proxy, PROXY_LABELS),
        ("办理结果", figures.outcomes, OUTCOME_LABELS),
        ("现在超过时限", figures.past_due, present.TEAM_LABELS),
    ):
        rows += [[title, present.label(labels, key) if key else "未填", count] for key, count in counts.items()]
    for title, timings in (
        ("认领用时中位数（分钟）", figures.claim_times),
        ("办结用时中位数（分钟）", figures.resolve_times),
    ):
        rows += [[title, present.label(present.TEAM_LABELS, t.group), round((t.p50 or 0) / 60)] for t in timings]
    rows.append(["紧急案件", "合计", figures.urgent_total])
    rows.append(["紧急案件", "超过认领时限才认领或没认领", figures.urgent_late])
    return header, rows


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_safe(value) for value in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header))
    for row in rows:
        sheet.append([_safe(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
