"""The staff console (HTML) at ``/staff/``."""

from bot.staff.console.app import create_console_app

__all__ = ["create_console_app"]
