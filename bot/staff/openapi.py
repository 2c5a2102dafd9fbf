"""The OpenAPI 3.1 description of the staff API, and the request limits it states.

The routes in ``bot/staff/api.py`` enforce the limits defined here, so the document and the code cannot
drift apart on them; a test checks that every route is described and every described route exists.
"""

from __future__ import annotations

from typing import Any

from bot.cases.contact_preference import PREFERENCES
from bot.cases.types import MODES, ROLES, TEAMS, CaseStatus
from bot.staff.users import MAX_PASSWORD_LENGTH

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 2000
MAX_USERNAME_CHARS = 40
MAX_PASSWORD_CHARS = MAX_PASSWORD_LENGTH
MAX_SERVICE_CHARS = 64
MAX_REASON_CHARS = MAX_TEXT_CHARS
# What ``_text_field`` refuses, said as JSON Schema (ECMA-262) patterns.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK_NO_NUL = r"^[^\u0000]*[^\u0000\s\u001c-\u001f\u0085\ufeff][^\u0000]*$"
OUTCOMES: tuple[str, ...] = ("approved", "referred", "rejected", "answered", "duplicate", "unreachable")
OUTCOME_MEANINGS = {
    "approved": "申请已受理或批准",
    "referred": "已转介其他部门",
    "rejected": "不符合条件",
    "answered": "已答复咨询",
    "duplicate": "重复案件",
    "unreachable": "联系不上居民",
}

PREFERENCE_MEANINGS = {"text_only": "只发文字", "may_call": "可以打电话", "via_family": "通过家人联系"}
_PREFERENCE_MEANINGS = (
    "；".join(f"{code}：{meaning}" for code, meaning in PREFERENCE_MEANINGS.items()) + "；null：不清楚"
)

JSONDict = dict[str, Any]


def _ref(name: str) -> JSONDict:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(max_chars: int, description: str, *, blank_ok: bool = False, **extra: Any) -> JSONDict:
    """A text field as ``_text_field`` in ``api.py`` checks it: ``blank_ok`` lets it be empty or blank."""
    if blank_ok:
        return {"type": "string", "maxLength": max_chars, "pattern": NO_NUL, **extra, "description": description}
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_chars,
        "pattern": NOT_BLANK_NO_NUL,
        **extra,
        "description": description,
    }


def _preference(description: str) -> JSONDict:
    return {"type": ["string", "null"], "enum": [*PREFERENCES, None], "description": description}


def _json(schema: JSONDict, description: str) -> JSONDict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> JSONDict:
    return {str(status): {"$ref": f"#/components/responses/{_ERROR_RESPONSES[status][0]}"} for status in statuses}


_ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "请求有误：不是有效的 JSON、字段缺失或类型不对、取值不认识"
        "（invalid_json, invalid_field, invalid_query, invalid_id）",
    ),
    401: ("Unauthorized", "未登录或登录已过期（not_logged_in），或用户名、密码不正确（login_failed）"),
    403: (
        "Forbidden",
        "无权这样做：其他组的案件（forbidden）、他人认领的案件（claimed_by_other，组长和管理员除外）、"
        "不允许转去的组（transfer_not_allowed）、来自其他网站的请求（cross_site）",
    ),
    404: ("NotFound", "案件、语音或地址不存在（case_not_found, audio_not_found, not_found）"),
    405: ("MethodNotAllowed", "不支持这种请求方法（method_not_allowed）"),
    409: (
        "Conflict",
        "案件状态不允许这个操作：已被他人认领（already_claimed）、还没认领（not_claimed）、已经办结（case_resolved）等",
    ),
    413: ("PayloadTooLarge", f"请求内容超过 {MAX_BODY_BYTES} 字节（body_too_large）"),
    415: (
        "UnsupportedMediaType",
        "带内容的 POST 必须是 application/json，任何 POST 都不接受表单类型（unsupported_media_type）",
    ),
    422: ("Unprocessable", "存着的语音无法转成可播放的格式（audio_unplayable）"),
    429: ("TooManyRequests", "登录失败次数过多（too_many_attempts）；见 Retry-After"),
    500: ("InternalError", "内部错误（internal_error），不含任何调试信息"),
}

_COMMON_POST_ERRORS = (400, 401, 403, 405, 413, 415, 500)

_ID_PARAMETER: JSONDict = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "案件编号",
    "schema": {"type": "integer", "minimum": 1},
}

_CSRF_NOTE = (
    "带内容的 POST 必须用 Content-Type: application/json；任何 POST 都不接受表单能发送的类型"
    "（application/x-www-form-urlencoded、multipart/form-data、text/plain）。"
)


def _schemas() -> JSONDict:
    nullable_string: JSONDict = {"type": ["string", "null"]}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "additionalProperties": False,
                    "properties": {
                        "code": {
                            "type": "string",
                            "description": "稳定的英文代码，供程序判断",
                            "examples": ["forbidden"],
                        },
                        "message": {"type": "string", "description": "给工作人员看的简短中文说明"},
                    },
                }
            },
        },
        "User": {
            "type": "object",
            "required": ["username", "role", "teams"],
            "properties": {
                "username": {"type": "string"},
                "role": {"type": "string", "enum": list(ROLES)},
                "teams": {"type": "array", "items": {"type": "string", "enum": list(TEAMS)}},
            },
        },
        "UserEnvelope": {
            "type": "object",
            "required": ["user"],
            "properties": {"user": _ref("User")},
        },
        "Ok": {
            "type": "object",
            "required": ["ok"],
            "properties": {"ok": {"type": "boolean", "const": True}},
        },
        "LoginRequest": {
            "type": "object",
            "required": ["username", "password"],
            "additionalProperties": False,
            "properties": {
                "username": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_USERNAME_CHARS,
                    "pattern": NOT_BLANK_NO_NUL,
                },
                "password": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD_CHARS},
            },
        },
        "CaseFields": {
            "type": "object",
            "description": "列表（CaseSummary）和详情（CaseDetail）共有的字段。proxy 不在这里：列表中是关系文字，"
            "详情中是代办人对象。",
            "required": [
                "id",
                "service",
                "team",
                "status",
                "district",
                "channel",
                "mode",
                "created_at",
                "summary",
                "urgent",
                "claimed_by",
            ],
            "properties": {
                "id": {"type": "integer"},
                "service": {"type": "string", "examples": ["nursing-allowance"]},
                "team": {"type": "string", "enum": list(TEAMS)},
                "status": {"type": "string", "enum": [status.value for status in CaseStatus]},
                "district": nullable_string,
                "channel": {"type": "string", "examples": ["wechat"]},
                "mode": {"type": "string", "enum": list(MODES)},
                "created_at": {"type": "string", "format": "date-time"},
                "summary": {"type": "string", "description": "已遮盖个人号码的摘要"},
                "urgent": {"type": "boolean"},
                "claimed_by": {"type": ["string", "null"], "description": "认领人的用户名"},
            },
        },
        "CaseSummary": {
            "description": "列表中的一行：不含完整的身份证号、电话等个人号码。",
            "allOf": [
                _ref("CaseFields"),
                {
                    "type": "object",
                    "required": ["proxy"],
                    "properties": {
                        "proxy": {
                            "type": ["string", "null"],
                            "description": "代办人与本人的关系（如“子女”）；本人申请时为 null",
                        },
                    },
                },
            ],
        },
        "CaseListItem": {
            "allOf": [
                _ref("CaseSummary"),
                {
                    "type": "object",
                    "required": ["contact_preference"],
                    "properties": {
                        "contact_preference": _preference(
                            "居民希望的联系方式（详情见 CaseDetail.contact_preference）：" + _PREFERENCE_MEANINGS
                        )
                    },
                },
            ]
        },
        "CaseList": {
            "type": "object",
            "required": ["cases"],
            "properties": {
                "cases": {"type": "array", "items": _ref("CaseListItem")},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "下一页的翻页标记，作为 cursor 参数传回；最后一页为 null",
                },
            },
        },
        "Proxy": {
            "type": "object",
            "required": ["relationship", "name", "phone"],
            "properties": {
                "relationship": {"type": "string"},
                "name": {"type": "string"},
                "phone": {"type": "string"},
            },
        },
        "CaseEvent": {
            "type": "object",
            "required": ["id", "kind", "actor", "detail", "created_at"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {
                    "type": "string",
                    "description": "created, viewed, claimed, replied, delivered, delivery_failed, "
                    "transferred, resolved 等",
                },
                "actor": {"type": "string", "description": "工作人员用户名、resident 或 system"},
                "detail": {"type": "object"},
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "CaseDetail": {
            "description": "整个案件，含解密后的个人信息；每次读取都记入案件的 viewed 事件。"
            "注意 proxy 在这里是代办人对象，而在列表（CaseSummary）中是关系文字。",
            "allOf": [
                _ref("CaseFields"),
                {
                    "type": "object",
                    "required": [
                        "beneficiary_name",
                        "contact_phone",
                        "proxy",
                        "answers",
                        "transcript",
                        "events",
                        "messages",
                        "reach",
                        "notes",
                        "contact_preference",
                    ],
                    "properties": {
                        "beneficiary_name": nullable_string,
                        "contact_phone": nullable_string,
                        "proxy": {"oneOf": [_ref("Proxy"), {"type": "null"}]},
                        "answers": {"type": "object"},
                        "transcript": {
                            "type": "array",
                            "items": {"type": "object", "additionalProperties": {"type": "string"}},
                        },
                        "events": {"type": "array", "items": _ref("CaseEvent")},
                        "messages": {"type": "array", "items": _ref("Message")},
                        "reach": _ref("Reach"),
                        "notes": {"type": "array", "items": _ref("Note")},
                        "contact_preference": {"oneOf": [_ref("ContactPreference"), {"type": "null"}]},
                    },
                },
            ],
        },
        "Message": {
            "type": "object",
            "description": "案件里的一句话，按时间顺序：提交前助手问、居民答，之后工作人员回复、居民再说的话。"
            "voice 为 true 表示居民是用语音说的（这里是识别出的文字）；audio 是播放这段语音的地址。"
            "工作人员的回复带 delivery：送达情况。",
            "required": ["from", "text", "at"],
            "properties": {
                "from": {"type": "string", "enum": ["resident", "staff", "bot"]},
                "text": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
                "voice": {"type": "boolean"},
                "audio": {
                    "type": "string",
                    "description": "GET 这个地址得到居民语音的 MP3（/staff/api/cases/{id}/messages/{n}/audio）",
                },
                "delivery": {
                    "type": "object",
                    "required": ["status", "detail"],
                    "properties": {
                        "status": {
                            "type": "string",
                            "enum": ["delivered", "queued", "failed"],
                            "description": "delivered：渠道已接收；queued：等居民下次发消息时送出；failed：没有送出",
                        },
                        "detail": {"type": "string", "description": "给工作人员看的中文说明"},
                    },
                },
            },
        },
        "Note": {
            "type": "object",
            "description": "工作人员的内部备注：只给工作人员看，不会发给居民，加密保存。",
            "required": ["id", "author", "text", "at"],
            "properties": {
                "id": {"type": "integer"},
                "author": {"type": "string", "description": "写备注的工作人员用户名"},
                "text": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
            },
        },
        "NoteRequest": {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {
                "text": _text(MAX_TEXT_CHARS, f"去掉首尾空白后 1–{MAX_TEXT_CHARS} 字"),
            },
        },
        "ContactPreference": {
            "type": "object",
            "description": "居民希望怎样被联系：从居民说的话里听出来的（source 为 resident，heard 是原话），"
            "或工作人员记下的（source 为 staff）。以最新的一条为准。",
            "required": ["preference", "source", "by", "at", "heard"],
            "properties": {
                "preference": _preference(_PREFERENCE_MEANINGS),
                "source": {"type": "string", "enum": ["resident", "staff"]},
                "by": {"type": "string", "description": "resident 或工作人员用户名"},
                "at": {"type": "string", "format": "date-time"},
                "heard": {"type": ["string", "null"], "description": "居民的原话；工作人员设定时为 null"},
            },
        },
        "ContactPreferenceRequest": {
            "type": "object",
            "required": ["preference"],
            "additionalProperties": False,
            "properties": {
                "preference": _preference(_PREFERENCE_MEANINGS),
            },
        },
        "ContactPreferenceEnvelope": {
            "type": "object",
            "required": ["contact_preference"],
            "properties": {"contact_preference": _ref("ContactPreference")},
        },
        "CannedReply": {
            "type": "object",
            "required": ["id", "title", "text"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": "string", "description": "给工作人员看的短名字"},
                "text": {"type": "string", "description": "发给居民的话，可以改了再发"},
            },
        },
        "CannedReplyList": {
            "type": "object",
            "required": ["replies"],
            "properties": {"replies": {"type": "array", "items": _ref("CannedReply")}},
        },
        "Reach": {
            "type": "object",
            "description": "回复现在能不能送到居民。微信只允许在居民最后一条消息后48小时内、每条消息之后最多5条。",
            "required": ["can_send", "remaining", "closes_at", "reason"],
            "properties": {
                "can_send": {"type": "boolean"},
                "remaining": {"type": ["integer", "null"], "description": "还能发几条；渠道不限时为 null"},
                "closes_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "可以发送的时限；不限时为 null",
                },
                "reason": {"type": "string", "description": "不能发送时的原因，需要用其他方式联系居民"},
            },
        },
        "ReplyRequest": {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {
                "text": _text(MAX_TEXT_CHARS, f"去掉首尾空白后 1–{MAX_TEXT_CHARS} 字，不含空字符（U+0000）"),
                "await_resident": {
                    "type": "boolean",
                    "default": False,
                    "description": "为 true 时案件转为 waiting（等待居民回复）",
                },
            },
        },
        "ReplyResult": {
            "type": "object",
            "required": ["event_id", "delivered", "detail", "remaining"],
            "properties": {
                "event_id": {"type": "integer", "description": "replied 事件的编号"},
                "delivered": {"type": "boolean", "description": "只有渠道已接收时为 true；false 时回复已保存但未送达"},
                "status": {
                    "type": "string",
                    "enum": ["delivered", "queued", "failed"],
                    "description": "queued（答复 202）：渠道现在收不了，回复已排队，居民下次发消息时先送出",
                },
                "reason": {
                    "type": ["string", "null"],
                    "description": "没有送达的原因：outside_window（居民超过48小时没发消息）、"
                    "quota（这次能回的条数用完）、rate_limited、unavailable、rejected 等；送达时为 null",
                },
                "detail": {"type": "string", "description": "送达情况的中文说明"},
                "remaining": {
                    "type": ["integer", "null"],
                    "description": "渠道还允许发送的条数；渠道不知道时为 null",
                },
            },
        },
        "TransferRequest": {
            "type": "object",
            "required": ["team"],
            "additionalProperties": False,
            "properties": {
                "team": {"type": "string", "enum": list(TEAMS)},
                "reason": _text(MAX_REASON_CHARS, "转交原因（可不填），加密保存", blank_ok=True),
            },
        },
        "ResolveRequest": {
            "type": "object",
            "required": ["outcome"],
            "additionalProperties": False,
            "properties": {
                "outcome": {
                    "type": "string",
                    "enum": list(OUTCOMES),
                    "description": "；".join(f"{code}：{meaning}" for code, meaning in OUTCOME_MEANINGS.items()),
                },
                "tell_resident": {
                    "type": "boolean",
                    "default": False,
                    "description": "为 true 时，办结通知里带上 note，告诉居民；否则 note 只留在案件里。",
                },
                "note": _text(MAX_TEXT_CHARS, "不含空字符（U+0000）", blank_ok=True, default=""),
            },
        },
    }


def _case_action(
    summary: str,
    body: str | None,
    ok: JSONDict,
    errors: tuple[int, ...],
    *,
    description: str | None = None,
    accepted: JSONDict | None = None,
) -> JSONDict:
    operation: JSONDict = {
        "summary": summary,
        "parameters": [_ID_PARAMETER],
        "responses": {"200": ok, **({"202": accepted} if accepted is not None else {}), **_errors(*errors)},
    }
    if description is not None:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return {"post": operation}


def _paths() -> JSONDict:
    summary_ok = _json(_ref("CaseSummary"), "操作后的案件摘要")
    case_errors = (*_COMMON_POST_ERRORS, 403, 404, 409)
    return {
        "/login": {
            "post": {
                "summary": "登录",
                "description": "成功后设置会话 Cookie bot_staff（HttpOnly、SameSite=Strict、Path=/staff）。"
                "同一用户名或同一地址 10 分钟内失败 10 次后暂停登录。",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("LoginRequest")}},
                },
                "responses": {
                    "200": _json(_ref("UserEnvelope"), "已登录"),
                    **_errors(400, 401, 405, 413, 415, 429, 500),
                },
            }
        },
        "/logout": {
            "post": {
                "summary": "退出登录",
                "description": "作废当前会话；未登录时也返回 200。",
                "security": [],
                "responses": {"200": _json(_ref("Ok"), "已退出"), **_errors(405, 413, 415, 500)},
            }
        },
        "/me": {
            "get": {
                "summary": "当前登录的工作人员",
                "responses": {"200": _json(_ref("UserEnvelope"), "当前用户"), **_errors(401, 405, 500)},
            }
        },
        "/cases": {
            "get": {
                "summary": "案件列表",
                "description": "组员只看到本组的案件；主管和管理员看到全部。个人号码一律不出现。"
                "只接受 status、team、service、q、limit、cursor 这些查询参数。紧急的在前，其次按提交时间先后。",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": [status.value for status in CaseStatus]},
                    },
                    {"name": "team", "in": "query", "schema": {"type": "string", "enum": list(TEAMS)}},
                    {
                        "name": "service",
                        "in": "query",
                        "schema": {
                            "type": "string",
                            "pattern": "^[a-z0-9-]+$",
                            "maxLength": MAX_SERVICE_CHARS,
                        },
                    },
                    {
                        "name": "q",
                        "in": "query",
                        "description": "搜索：案件编号、姓名（本人或代办人），或电话、身份证号的后 4 位以上",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": NOT_BLANK_NO_NUL},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "description": "每页条数，默认 200",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "description": "上一页答复的 next_cursor",
                        "schema": {"type": "string", "maxLength": 200},
                    },
                ],
                "responses": {"200": _json(_ref("CaseList"), "案件摘要"), **_errors(400, 401, 403, 405, 500)},
            }
        },
        "/cases/{id}": {
            "get": {
                "summary": "案件详情",
                "description": "含解密后的姓名、电话、代办人、回答、对话记录和事件；读取会记入 viewed 事件。",
                "parameters": [_ID_PARAMETER],
                "responses": {
                    "200": _json(_ref("CaseDetail"), "案件详情"),
                    **_errors(400, 401, 403, 404, 405, 500),
                },
            }
        },
        "/cases/{id}/messages/{message}/audio": {
            "get": {
                "summary": "播放居民发给工作人员的语音",
                "description": "案件对话里居民语音的声音，转成 MP3；每次播放都记入案件的 audio_played 事件。"
                "message 是 messages 里这条语音的 audio 地址中的编号。",
                "parameters": [
                    _ID_PARAMETER,
                    {
                        "name": "message",
                        "in": "path",
                        "required": True,
                        "description": "这条语音消息的编号",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "MP3 音频（16 kHz 单声道）",
                        "content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors(400, 401, 403, 404, 405, 422, 500),
                },
            }
        },
        "/cases/{id}/claim": _case_action("认领案件", None, summary_ok, case_errors),
        "/cases/{id}/reply": _case_action(
            "回复居民",
            "ReplyRequest",
            _json(_ref("ReplyResult"), "回复已保存；delivered 说明是否送达（送达失败也是 200）"),
            case_errors,
            description="202（同样的 ReplyResult，status 为 queued）：微信现在收不了这条回复"
            "（居民超过48小时没发消息，或这次能回的5条已经用完），回复已保存并排队，等居民下次发消息时先送出，"
            "送出后案件记下 delivered。409 cannot_reach 只在渠道既送不到也不能排队时出现："
            "回复不保存，案件记下 contact_required，请用其他方式联系居民。",
            accepted=_json(_ref("ReplyResult"), "回复已排队，居民下次发消息时送出"),
        ),
        "/cases/{id}/handback": _case_action(
            "把对话交回助手",
            None,
            _json(_ref("CaseSummary"), "案件摘要；居民之后说的话由助手回答"),
            case_errors,
            description="工作人员回复后，居民说的话都会记到这个案件里；交回后，居民再说的话由助手回答。",
        ),
        "/cases/{id}/transfer": _case_action("转给其他组", "TransferRequest", summary_ok, case_errors),
        "/cases/{id}/resolve": _case_action("办结案件", "ResolveRequest", summary_ok, case_errors),
        "/cases/{id}/notes": _case_action(
            "写内部备注",
            "NoteRequest",
            _json(_ref("Note"), "已保存的备注"),
            (*_COMMON_POST_ERRORS, 403, 404),
            description="备注只给工作人员看，不会发给居民；能看到这个案件的工作人员都可以写，办结后也可以。",
        ),
        "/cases/{id}/contact-preference": _case_action(
            "记下居民希望的联系方式",
            "ContactPreferenceRequest",
            _json(_ref("ContactPreferenceEnvelope"), "案件现在的联系方式"),
            (*_COMMON_POST_ERRORS, 403, 404),
            description="居民说过的话（如“我听不见，别打电话”）会自动记下；工作人员可以改，以最新的为准。",
        ),
        "/replies": {
            "get": {
                "summary": "常用回复",
                "description": "案件页回复框里可以选用的常用回复（content/replies.yaml），选好后可以改了再发。",
                "responses": {"200": _json(_ref("CannedReplyList"), "常用回复"), **_errors(401, 405, 500)},
            }
        },
        "/queues/{team}/next": {
            "post": {
                "summary": "认领本组队列中的下一个案件",
                "parameters": [
                    {
                        "name": "team",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(TEAMS)},
                    }
                ],
                "responses": {
                    "200": _json(_ref("CaseSummary"), "已认领的案件"),
                    "204": {"description": "队列为空"},
                    **_errors(*_COMMON_POST_ERRORS, 403),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "本文档",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "OpenAPI 文档"), **_errors(405, 500)},
            }
        },
    }


def build_openapi() -> JSONDict:
    """The document served at ``/staff/api/openapi.json``; paths are relative to the mount point."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "柳州残疾人服务 工作人员接口",
            "version": "1.0.0",
            "description": "热线和残联工作人员认领、查看、回复、转交和办结案件。所有错误都是 "
            '{"error": {"code", "message"}}。' + _CSRF_NOTE,
        },
        "servers": [{"url": "/staff/api"}],
        "security": [{"staffSession": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"staffSession": {"type": "apiKey", "in": "cookie", "name": "bot_staff"}},
            "schemas": _schemas(),
            "responses": {name: _json(_ref("Error"), description) for name, description in _ERROR_RESPONSES.values()},
        },
    }
