"""How the console words things for staff: labels, waiting times, reply windows and masked numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.cases.types import CaseSummary
from bot.staff.dashboard.sla import due_within, urgent_claim_within
from bot.staff.delivery import Reach
from bot.staff.openapi import OUTCOME_MEANINGS

TEAM_LABELS = {"subsidy": "补贴组", "rehab": "康复组", "legal": "法律组", "hotline": "热线组", "employment": "就业组"}
STATUS_LABELS = {
    "new": "待认领",
    "claimed": "处理中",
    "waiting": "等居民回复",
    "resolved": "已办结",
    "closed": "已关闭",
}
SERVICE_LABELS = {
    "living-allowance": "困难残疾人生活补贴",
    "nursing-allowance": "重度残疾人护理补贴",
    "rehab": "基本康复服务",
    "child-rehab": "残疾儿童康复救助",
    "assistive-device": "辅助器具适配",
    "legal-aid": "法律援助",
    "disability-card": "残疾人证办理",
    "home-accessibility": "家庭无障碍改造",
    "handoff": "找工作人员",
    "dibao": "最低生活保障",
    "employment": "就业和职业培训",
    "care-services": "托养服务",
    "education-aid": "助学和特殊教育",
}
MODE_LABELS = {"voice": "语音", "text": "文字", "simple": "简单模式"}
CHANNEL_LABELS = {"wechat": "微信", "web": "网页", "cli": "终端"}
EVENT_LABELS = {
    "created": "提交申请",
    "claimed": "认领",
    "replied": "回复居民",
    "delivered": "回复已送达",
    "delivery_failed": "回复未送达",
    "reply_queued": "回复排队，等居民发消息时送出",
    "audio_played": "播放了居民的语音",
    "transferred": "转交",
    "transfer_reason": "转交原因",
    "resolved": "办结",
    "notified": "已通知居民",
    "notice_not_sent": "通知未能送达",
    "contact_required": "需要电话或上门联系",
    "numbers_shown": "查看了完整号码",
    "numbers_exported": "导出了完整号码",
    "note": "写了内部备注",
    "contact_preference": "记下联系方式",
    "escalated": "紧急案件超过认领时限没人认领，已提醒主管",
    "personal_data_erased": "删除了个人信息",
    "closed_no_reply": "居民一直没回复，已关闭",
}
# How the resident wants to be contacted (``bot/cases/contact_preference.py``); unknown says so in words.
CONTACT_LABELS = {"text_only": "只发文字，不要打电话", "may_call": "可以打电话", "via_family": "通过家人联系"}
CONTACT_SHORT = {"text_only": "只发文字", "may_call": "可以打电话", "via_family": "找家人"}
CONTACT_UNKNOWN = "没说过"
OUTCOME_LABELS = OUTCOME_MEANINGS
ROLE_LABELS = {"admin": "管理员", "supervisor": "主管", "agent": "组员"}

# Runs of 7 or more digits (an ID number may end in X): phones, ID and card numbers.
_LONG_NUMBER = re.compile(r"\d{7,}[\dXx]*")


def label(labels: dict[str, str], value: str | None) -> str:
    if value is None:
        return "—"
    return labels.get(value, value)


def mask_number(number: str) -> str:
    """The first 3 and last 4 characters of a long number; shorter ones wholly hidden."""
    if len(number) <= 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_text(text: str) -> str:
    """``text`` with every long number in it masked."""
    return _LONG_NUMBER.sub(lambda found: mask_number(found.group()), text)


def duration(span: timedelta) -> str:
    """A span as staff say it aloud and a screen reader reads it: 2 天 3 小时, 5 小时 10 分钟, 12 分钟,
    不到 1 分钟 (never "10 分", which is read as 十分, "very")."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {mins} 分钟" if mins else f"{hours} 小时"
    return f"{mins} 分钟" if mins else "不到 1 分钟"


def waited(created_at: datetime, now: datetime) -> str:
    return duration(now - created_at)


def window(reach: Reach | None, now: datetime) -> tuple[str, bool]:
    """What is left of the resident's reply window, in words, and whether it is closed or nearly so (under
    6 hours). Closing soon is said in words too, not by colour alone."""
    if reach is None:
        return "无法确认", False
    if not reach.can_send:
        return reach.reason or "已不能通过这个渠道回复", True
    if reach.closes_at is None:
        return "不限时", False
    left = datetime.fromtimestamp(reach.closes_at, UTC) - now
    if left <= timedelta(0):
        return "已过期，不能再回复", True
    words = f"还剩 {duration(left)}"
    if reach.remaining is not None:
        words += f"，还能发 {reach.remaining} 条"
    soon = left < timedelta(hours=6)
    return (f"快到期：{words}" if soon else words), soon


def window_ends(reach: Reach | None) -> str | None:
    """When the window closes, as a clock time, or None when it does not close."""
    if reach is None or not reach.can_send or reach.closes_at is None:
        return None
    return at(datetime.fromtimestamp(reach.closes_at, UTC))


def at(moment: datetime) -> str:
    """A moment in Beijing time, as staff read clocks."""
    local = moment.astimezone(UTC) + timedelta(hours=8)
    return local.strftime("%Y-%m-%d %H:%M")


def due(summary: CaseSummary, now: datetime | None = None) -> str:
    """The team's working time for an open case (``bot/staff/dashboard/sla.py``) and what is left of it."""
    if summary.status not in ("new", "claimed", "waiting"):
        return "已办结"
    now = now or datetime.now(UTC)
    limit = due_within(summary.team)
    left = summary.created_at + limit - now
    whole_days = limit.days if limit == timedelta(days=limit.days) else 0
    words = f"提交后 {whole_days} 天内办结" if whole_days else f"提交后 {duration(limit)}内办结"
    words += f"，还剩 {duration(left)}" if left > timedelta(0) else f"，已超过 {duration(-left)}"
    if summary.urgent and summary.status == "new":
        words = f"紧急：{duration(urgent_claim_within(summary.team))}内认领；" + words
    return words


def overdue(summary: CaseSummary, now: datetime | None = None) -> str:
    """A short warning for the queue: an urgent case waiting past its claim time, or any past its team's time."""
    if summary.status not in ("new", "claimed", "waiting"):
        return ""
    waited_for = (now or datetime.now(UTC)) - summary.created_at
    limit = urgent_claim_within(summary.team)
    if summary.urgent and summary.status == "new" and waited_for > limit:
        return f"超过 {duration(limit)}没人认领"
    if waited_for > due_within(summary.team):
        return "已超过办理时限"
    return ""
