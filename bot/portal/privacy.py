"""The privacy notices: `/privacy` (adults), `/privacy/child` and `/privacy/easy-read`.

Public pages, no sign-in: every family-facing page links to them (chat_base.html), and
so does the letter. The council's name and contacts come from the settings. They say
what happens to people's words and why; they ask nobody's consent, because the lawful
basis is the council's public task and safeguarding (docs/data-protection.md).
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.config import Settings
from bot.portal.chat_page import _exit_url
from bot.portal.templates import render

blueprint = Blueprint("privacy")
NOTICES = {"": "privacy_adult.html", "/child": "privacy_child.html",
           "/easy-read": "privacy_easy_read.html"}


def council(settings: Settings) -> dict[str, str]:
    """What the notices say about the council, with plain words where a setting is empty."""
    return {"name": settings.council_name or "your council",
            "contact": settings.council_contact, "dpo": settings.dpo_contact}


def _notice(template: str, child: bool):
    async def handler(request: Request) -> HTTPResponse:
        settings = request.app.ctx.settings
        return render(template, child=child, council=council(settings),
                      # The longest a round is kept (filed or not): true for every round.
                      retention_days=max(settings.filed_days, settings.unfiled_days),
                      quick_exit_url=_exit_url(request))

    handler.__name__ = "privacy_" + (template.removeprefix("privacy_").removesuffix(".html"))
    return handler


for _path, _template in NOTICES.items():
    blueprint.add_route(_notice(_template, child=_path != ""), f"/privacy{_path}",
                        methods=["GET"])
