"""Error answers: short, kind, and never about anyone else's data.

And error logs that never hold an invitation link: a chat path (`/chat/<token>`,
`/api/v1/chat/<token>/messages`) carries the family's only credential, so an unhandled
error is logged with its route's name, and anything Sanic itself logs (its own error
lines, an access log if one is turned on) has the token replaced.
"""

from __future__ import annotations

import logging
import re

from sanic import Request
from sanic.exceptions import MethodNotAllowed, NotFound
from sanic.handlers import ErrorHandler
from sanic.log import error_logger
from sanic.response import JSONResponse, json

# What follows /chat/ up to the next "/", "?", "#", quote or space: the token.
_CHAT_TOKEN = re.compile(r"(/chat/)[^/?#\s'\"]+")
HIDDEN = r"\1[link]"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server")


def error(status: int, message: str, **extra) -> JSONResponse:
    return json({"error": message} | extra, status=status)


def not_found() -> JSONResponse:
    return error(404, "Not found.")


def unauthorised() -> JSONResponse:
    return error(401, "Please sign in.")


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def methods_of(request: Request) -> list[str]:
    """The methods the request's path has. Sanic's router leaves them out of its 405 for
    some paths that share a parameter with others; HTTP says a 405 names them."""
    found = []
    for method in _METHODS:
        try:
            request.app.router.get(request.path, method, None)
        except (MethodNotAllowed, NotFound):
            continue
        found.append(method)
    return found


def method_not_allowed(request: Request, exception: MethodNotAllowed) -> JSONResponse:
    allowed = exception.allowed_methods or methods_of(request)
    response = error(405, "This address does not take that method.")
    if allowed:
        response.headers["Allow"] = ", ".join(allowed)
    return response


def without_links(text: str) -> str:
    return _CHAT_TOKEN.sub(HIDDEN, text)


class RouteNameErrors(ErrorHandler):
    """Sanic's error handler, logging the route's name where Sanic logs the URL."""

    @staticmethod
    def log(request: Request, exception: Exception) -> None:
        quiet = getattr(exception, "quiet", False)
        if quiet is False or getattr(request.app.config, "NOISY_EXCEPTIONS", False):
            error_logger.exception("unhandled error in %s %s", request.method,
                                   request.name or "a request that matched no route")


class HideLinks(logging.Filter):
    """The last line of defence, on Sanic's loggers: a record that names a chat path
    gets its token replaced (message, traceback, and the access log's `request`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/chat/" in message:
            record.msg, record.args = without_links(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = without_links(record.exc_text)
        request = getattr(record, "request", None)
        if isinstance(request, str):
            record.request = without_links(request)
        return True


def hide_links_in_logs() -> None:
    for name in SANIC_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideLinks) for f in logger.filters):
            logger.addFilter(HideLinks())
