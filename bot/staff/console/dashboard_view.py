"""The dashboard's figures as charts and tables, worded for staff in plain Chinese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.cases.types import TEAMS
from bot.staff.console import present
from bot.staff.dashboard.charts import Bar, Chart
from bot.staff.dashboard.figures import Figures, Timing
from bot.staff.dashboard.sla import due_within, urgent_claim_within
from bot.staff.dashboard.targets import Progress, progress

PROXY_LABELS = {"self": "本人申请", "proxy": "家人等代办"}
OUTCOME_LABELS = {**present.OUTCOME_LABELS, "open": "还没办结"}


@dataclass(frozen=True)
class TeamTimes:
    team: str
    claimed: int
    claim_p50: str
    claim_p90: str
    resolved: int
    resolve_p50: str
    resolve_p90: str


@dataclass(frozen=True)
class Dashboard:
    figures: Figures
    requests: list[Chart]
    outcomes: Chart
    team_times: list[TeamTimes]
    claim_chart: Chart
    past_due: Chart
    urgent_sentence: str
    urgent_limit: str  # the claim time of urgent cases, per team when the teams differ
    urgent_p50: str
    urgent_p90: str
    targets: list[tuple[Progress, Chart]]
    subsidy_chart: Chart
    subsidy_rows: list[tuple[str, int, int]]


def _counts(
    chart_id: str, title: str, heading: str, counts: dict[str, int], labels: dict[str, str], what: str
) -> Chart:
    bars = tuple(
        Bar(present.label(labels, key) if key else "未填", count, f"{count} 件") for key, count in counts.items()
    )
    if bars:
        first = bars[0]
        sentence = f"这段时间按{what}分，共 {sum(counts.values())} 件，最多的是{first.label}，{first.shown}。"
    else:
        sentence = "这段时间没有新的申请。"
    return Chart(chart_id, title, sentence, heading, "件数", bars)


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return present.duration(timedelta(seconds=seconds))


def _team_times(claims: list[Timing], resolves: list[Timing]) -> list[TeamTimes]:
    claimed = {t.group: t for t in claims}
    resolved = {t.group: t for t in resolves}
    rows = []
    for team in sorted(claimed.keys() | resolved.keys()):
        c, r = claimed.get(team), resolved.get(team)
        rows.append(
            TeamTimes(
                present.label(present.TEAM_LABELS, team),
                c.cases if c else 0,
                _minutes(c.p50 if c else None),
                _minutes(c.p90 if c else None),
                r.cases if r else 0,
                _minutes(r.p50 if r else None),
                _minutes(r.p90 if r else None),
            )
        )
    return rows


def build(figures: Figures) -> Dashboard:
    districts = {name: name for name in figures.by_district}
    requests = [
        _counts("by-service", "按服务分的申请", "服务", figures.by_service, present.SERVICE_LABELS, "服务"),
        _counts("by-district", "按区县分的申请", "区县", figures.by_district, districts, "区县"),
        _counts("by-channel", "按渠道分的申请", "渠道", figures.by_channel, present.CHANNEL_LABELS, "渠道"),
        _counts("by-mode", "按使用方式分的申请", "使用方式", figures.by_mode, present.MODE_LABELS, "使用方式"),
        _counts("by-proxy", "本人申请和代办", "谁来申请", figures.by_proxy, PROXY_LABELS, "谁来申请"),
    ]
    outcome_counts = {key: figures.outcomes[key] for key in OUTCOME_LABELS if figures.outcomes.get(key)}
    outcomes = _counts("outcomes", "办理结果", "结果", outcome_counts, OUTCOME_LABELS, "办理结果")
    if figures.total:
        outcomes = Chart(
            outcomes.id,
            outcomes.title,
            f"这段时间提交的 {figures.total} 件申请里，已办结 {figures.total - figures.outcomes.get('open', 0)} 件，"
            f"还没办结 {figures.outcomes.get('open', 0)} 件。",
            outcomes.label_heading,
            outcomes.value_heading,
            outcomes.bars,
        )
    claim_bars = tuple(
        Bar(present.label(present.TEAM_LABELS, t.group), (t.p50 or 0) / 60, _minutes(t.p50))
        for t in figures.claim_times
    )
    claim_chart = Chart(
        "claim-time",
        "各组认领用时（中位数）",
        "从居民提交到工作人员认领，一半的案件在这个时间内被认领。" if claim_bars else "这段时间的案件还没有被认领的。",
        "组",
        "中位数",
        claim_bars,
    )
    due_bars = tuple(
        Bar(present.label(present.TEAM_LABELS, team), count, f"{count} 件", alert=count > 0)
        for team, count in sorted(figures.past_due.items())
    )
    overdue = sum(figures.past_due.values())
    past_due = Chart(
        "past-due",
        "现在超过办理时限的案件",
        (
            f"现在有 {overdue} 件没办结的案件超过了本组的办理时限（{_per_team(due_within)}）。"
            if overdue
            else "现在没有超过办理时限的案件。"
        ),
        "组",
        "件数",
        due_bars,
    )
    limit = _per_team(urgent_claim_within)
    if figures.urgent_cases:
        urgent_sentence = (
            f"这段时间有紧急案件 {figures.urgent_total} 件，超过认领时限（{limit}）才认领或还没认领的 "
            f"{figures.urgent_late} 件。"
        )
    else:
        urgent_sentence = "这段时间没有紧急案件。"
    targets = []
    for item in progress(figures.outcomes_ever):
        if item.goal is not None:
            bars = (
                Bar("已受理或批准", item.done, f"{item.done}"),
                Bar("规划目标", item.goal, f"{item.goal}", goal=True),
            )
        else:
            share = round((item.share or 0) * 100)
            bars = (
                Bar("已受理或批准", share, "—" if item.share is None else f"{share}%"),
                Bar("规划目标", 85, "85%", goal=True),
            )
        targets.append((item, Chart(f"target-{item.key}", item.title, item.sentence, "项目", "数字", bars)))
    subsidy_rows = []
    for district in sorted({district for district, _ in figures.subsidy_by_district}):
        living = figures.subsidy_by_district.get((district, "living-allowance"), 0)
        nursing = figures.subsidy_by_district.get((district, "nursing-allowance"), 0)
        subsidy_rows.append((district or "未填", living, nursing))
    subsidy_chart = Chart(
        "subsidies",
        "两项补贴申请（按区县）",
        "这段时间各区县通过本服务申请困难残疾人生活补贴和重度残疾人护理补贴的件数。规划要求两项补贴覆盖率 100%，"
        "覆盖率要和民政的名单对比才能算，这里只看申请数。",
        "区县",
        "件数",
        tuple(Bar(name, living + nursing, f"{living + nursing} 件") for name, living, nursing in subsidy_rows),
    )
    return Dashboard(
        figures=figures,
        requests=requests,
        outcomes=outcomes,
        team_times=_team_times(figures.claim_times, figures.resolve_times),
        claim_chart=claim_chart,
        past_due=past_due,
        urgent_sentence=urgent_sentence,
        urgent_limit=limit,
        urgent_p50=_minutes(figures.urgent.p50),
        urgent_p90=_minutes(figures.urgent.p90),
        targets=targets,
        subsidy_chart=subsidy_chart,
        subsidy_rows=subsidy_rows,
    )


def _per_team(time_of: Callable[[str], timedelta]) -> str:
    """A working time as staff read it: one duration when every team has the same, else each team's
    ("热线组 1 天，补贴组、康复组、法律组、就业组 7 天")."""
    teams: dict[timedelta, list[str]] = {}
    for team in TEAMS:
        teams.setdefault(time_of(team), []).append(present.label(present.TEAM_LABELS, team))
    if len(teams) == 1:
        return present.duration(next(iter(teams)))
    return "，".join(f"{'、'.join(names)} {present.duration(span)}" for span, names in sorted(teams.items()))
