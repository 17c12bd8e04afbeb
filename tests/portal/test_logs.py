"""The portal's logs never hold an invitation link: a chat path carries the family's only
credential. An unhandled error is logged with its route's name; anything Sanic logs
that names a chat path (an access log line, say) has the token replaced."""

from __future__ import annotations

import logging

import pytest
from sanic.log import access_logger, error_logger

import bot.portal.chat_page
from bot.portal.errors import hide_links_in_logs


def _logged(caplog) -> str:
    """Everything the portal's records say, as a handler writes them (tracebacks too),
    and the access log's request field. Not httpx's: that is the test's own client."""
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(f"{formatter.format(r)} {getattr(r, 'request', '')}"
                     for r in caplog.records if r.name != "httpx")


@pytest.fixture
def a_bug(monkeypatch):
    """A bug deep in a chat request: the kind of error no handler expects."""

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug in the portal")

    def break_(owner, name: str) -> None:
        monkeypatch.setattr(owner, name, broken)

    return break_


async def test_an_unhandled_error_in_the_chat_api_logs_the_route_not_the_link(
        portal, store, invitation, a_bug, caplog):
    a_bug(store, "respondent")
    caplog.set_level(logging.DEBUG)
    _, response = await portal.client.post(f"/api/v1/chat/{invitation['token']}/messages",
                                           json={"text": "hello"})
    assert response.status == 500
    assert invitation["token"] not in response.text
    logged = _logged(caplog)
    assert "a bug in the portal" in logged  # the error itself is logged
    assert "post_message" in logged  # by its route's name
    assert invitation["token"] not in logged


async def test_an_unhandled_error_on_the_chat_page_logs_the_route_not_the_link(
        portal, invitation, a_bug, caplog):
    a_bug(bot.portal.chat_page, "transcript")
    caplog.set_level(logging.DEBUG)
    _, response = await portal.client.get(f"/chat/{invitation['token']}")
    assert response.status == 500
    logged = _logged(caplog)
    assert "a bug in the portal" in logged and "chat_page" in logged
    assert invitation["token"] not in logged


def test_sanic_lines_that_name_a_chat_path_lose_the_token(caplog) -> None:
    """Sanic's own lines: an access log (off in `mapbot serve`, but one setting away) and
    the error line it writes when an error handler itself fails."""
    hide_links_in_logs()
    caplog.set_level(logging.DEBUG)
    token = "Zq9xTOKENvalue_-123"
    access_logger.info("", extra={"request": f"POST http://portal/api/v1/chat/{token}/messages",
                                  "status": 200, "byte": 10, "host": "127.0.0.1"})
    try:
        raise ValueError(f"bad request to /chat/{token}")
    except ValueError:
        error_logger.exception("Exception raised in exception handler for uri: %s",
                               f"'https://portal/chat/{token}?x=1'")
    logged = _logged(caplog)
    assert "/api/v1/chat/[link]/messages" in logged and "/chat/[link]?x=1" in logged
    assert token not in logged
