"""A local WeChat platform: the API servers (``WeChatSimulator``) and the message pushes (``PushClient``)."""

from bot.channels.wechat.simulator.pushes import PushClient, PushResult, sign
from bot.channels.wechat.simulator.server import SentMessage, WeChatSimulator

__all__ = ["PushClient", "PushResult", "SentMessage", "WeChatSimulator", "sign"]
