"""Turn a finished application (a ``CreateCase`` effect) into the case the store saves."""

from __future__ import annotations

from typing import Any

from bot.cases.types import NewCase, Proxy
from bot.storage.keys import UserKey
from dialogs.events import CASE_ID_PLACEHOLDER, CreateCase
from dialogs.schema import Catalog
from dialogs.state import Conversation
from dialogs.validators import mask_name


def build_new_case(key: UserKey, effect: CreateCase, state: Conversation, catalog: Catalog) -> NewCase:
    service = catalog.services[effect.service]
    fields = effect.fields
    labels = {s.id: s.label for s in service.steps}
    fields_by_step = {s.field: s.id for s in service.steps if s.field is not None}

    proxy: Proxy | None = None
    if fields.get("applicant") == "proxy":
        relationship_step = fields_by_step.get("proxy_relationship")
        relationship = effect.displays.get(relationship_step, "其他") if relationship_step else "其他"
        proxy = Proxy(
            relationship=relationship,
            name=str(fields.get("proxy_name") or ""),
            phone=str(fields.get("proxy_phone") or ""),
        )
    contact_phone = fields.get("contact_phone") or (proxy.phone if proxy is not None else None)
    district_value = fields.get("district")
    district = district_value.get("name") if isinstance(district_value, dict) else None
    name = fields.get("beneficiary_name")

    rule_texts = {rule.id: rule.say.text for rule in service.rules}
    answers: dict[str, Any] = {
        "items": [
            {
                "id": step_id,
                "label": labels.get(step_id, step_id),
                "value": value,
                "display": effect.displays.get(step_id, ""),
            }
            for step_id, value in effect.answers.items()
        ],
        "notes": [rule_texts.get(note, note) for note in effect.notes],
    }
    transcript = [
        {"who": turn.who, "text": turn.text.replace(CASE_ID_PLACEHOLDER, "（本案编号）")} for turn in state.transcript
    ]
    summary_parts = [service.name, district or "区县未填", mask_name(str(name)) if name else "姓名未填"]
    if effect.urgent:
        summary_parts.insert(0, "紧急")
    if proxy is not None:
        summary_parts.append(f"{proxy.relationship}代办")
    if effect.notes:
        summary_parts.append("需核实")
    return NewCase(
        idempotency_key=f"{key.channel}:{key.user_id}:{effect.application_id}",
        service=service.id,
        team=service.team,
        channel=key.channel,
        user_ref=key.user_id,
        mode=state.mode,
        district=district,
        contact_phone=str(contact_phone) if contact_phone else None,
        beneficiary_name=str(name) if name else None,
        proxy=proxy,
        answers=answers,
        transcript=transcript,
        summary="；".join(summary_parts),
        urgent=effect.urgent,
    )
