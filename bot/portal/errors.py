"""Error answers: short, kind, and never about anyone else's data."""

from __future__ import annotations

from sanic.response import JSONResponse, json


def error(status: int, message: str, **extra) -> JSONResponse:
    return json({"error": message} | extra, status=status)


def not_found() -> JSONResponse:
    return error(404, "Not found.")


def unauthorised() -> JSONResponse:
    return error(401, "Please sign in.")
