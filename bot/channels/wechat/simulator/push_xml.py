"""Push bodies exactly as the platform writes them: text in CDATA, numbers bare, events without MsgId."""

from __future__ import annotations

Field = tuple[str, str | int | float | None]


def cdata(value: str) -> str:
    # "]]>" cannot appear inside one CDATA section: close it and open another around the ">".
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def push_xml(account: str, openid: str, created: int, msgtype: str, fields: list[Field], msg_id: int | None) -> str:
    """``fields`` with value ``None`` are left out; strings are wrapped in CDATA, numbers are not."""
    head: list[Field] = [("ToUserName", account), ("FromUserName", openid), ("CreateTime", created)]
    tail: list[Field] = [("MsgId", msg_id)]
    lines = [
        f"<{name}>{cdata(value) if isinstance(value, str) else value}</{name}>"
        for name, value in [*head, ("MsgType", msgtype), *fields, *tail]
        if value is not None
    ]
    return "<xml>\n" + "\n".join(lines) + "\n</xml>"
