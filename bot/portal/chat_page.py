"""The family chat page: `/chat/{token}`.

With JavaScript on, `static/chat.js` talks to the JSON endpoint in `chat.py`. With it
off, the same page is a plain form that posts here, one message at a time, and is sent
back to the page (303), which shows the whole conversation again from the transcript.
Everything a person or the assistant wrote is rendered as text (Jinja2 autoescaping).
"""

from __future__ import annotations

from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bot.config import Settings
from bot.core.vocabulary import CHILD_ROLES
from bot.portal import easy_read
from bot.portal.chat import take_turn
from bot.portal.templates import render
from bot.services.store import Closed, NotFound
from bot.services.transcripts import HOUSES, transcript

blueprint = Blueprint("chat_page")

HOUSE_NAMES = {"good_things": "Good things", "worries": "Worries", "dreams": "Dreams"}
GONE_PAGE = ["This link no longer works. Links stop working after a few weeks, or when "
             "your social worker stops them.",
             "Please ask your social worker for a new link."]
UNKNOWN_PAGE = ["We could not find this link.",
                "Please check that you have all of the link, or ask your social worker "
                "for a new one."]


@blueprint.get("/chat/<token:str>")
async def chat_page(request: Request, token: str) -> HTTPResponse:
    respondent = await _respondent(request, token)
    if isinstance(respondent, HTTPResponse):
        return respondent
    return await _page(request, respondent, token)


@blueprint.post("/chat/<token:str>")
async def chat_form(request: Request, token: str) -> HTTPResponse:
    """The plain form (JavaScript off): one message, then back to the page."""
    respondent = await _respondent(request, token)
    if isinstance(respondent, HTTPResponse):
        return respondent
    texts = request.form.getlist("text") if request.form else []
    text = texts[0] if texts and isinstance(texts[0], str) else ""
    turn = await take_turn(request.app, respondent, text)
    if turn.error:
        return await _page(request, respondent, token, error=turn.error, draft=text,
                           status=turn.status)
    return redirect(f"{_page_path(token)}#latest", status=303)


async def _respondent(request: Request, token: str):
    try:
        return await request.app.ctx.store.respondent_for_token(token)
    except NotFound:
        return notice(request, 404, "Link not found", UNKNOWN_PAGE)
    except Closed:
        return notice(request, 410, "This link has stopped working", GONE_PAGE)


def notice(request: Request, status: int, title: str, paragraphs: list[str]):
    return render("notice.html", status=status, title=title, paragraphs=paragraphs,
                  child=False, quick_exit_url=_exit_url(request))


async def _page(request: Request, respondent, token: str, error: str = "",
                draft: str = "", status: int = 200) -> HTTPResponse:
    if respondent.submitted_at is not None:
        return render("chat_sent.html", status=status, child=respondent.role in CHILD_ROLES,
                      page_url=_page_path(token), named=respondent.named_in_family_copy,
                      easy_read=easy_read.shows_pictures(respondent),
                      quick_exit_url=_exit_url(request))
    said = await transcript(request.app.ctx.store, respondent.id)
    if draft in {choice["payload"] for choice in said.choices}:
        draft = ""  # a pressed button that failed: nothing was typed to keep
    visited, current = said.visited_houses, said.current_house
    houses = [{"key": key, "name": HOUSE_NAMES[key], "visited": key in visited,
               "current": key == current} for key in HOUSES]
    return render(
        "chat.html", status=status, child=respondent.role in CHILD_ROLES,
        page_url=_page_path(token),
        endpoint=f"/api/v1/chat/{quote(token, safe='')}/messages",
        transcript=said, lines=said.shown(), latest=said.latest, choices=said.choices,
        progress=said.progress, houses=houses, error=error, draft=draft,
        easy_read=easy_read.shows_pictures(respondent), picture_for=easy_read.picture_for,
        pictures=list(easy_read.PICTURES), quick_exit_url=_exit_url(request))


def _page_path(token: str) -> str:
    return f"/chat/{quote(token, safe='')}"


def _exit_url(request: Request) -> str:
    """The neutral site to leave for: only an ordinary web address is ever used."""
    url = request.app.ctx.settings.quick_exit_url
    return url if url.startswith(("https://", "http://")) else Settings.quick_exit_url
