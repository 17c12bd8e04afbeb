"""A local server that answers GOV.UK Notify's API as it is documented
(https://docs.notifications.service.gov.uk/rest-api.html), for the tests: POST
/v2/notifications/sms and /v2/notifications/email, each checked as Notify checks it
(a JWT signed with the key's secret, issued by the service id, at most 30 seconds old;
a known template; every ((placeholder)) given), and kept in `sent`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = str(uuid.uuid4())
SECRET = str(uuid.uuid4())
API_KEY = f"mapbot_test-{SERVICE_ID}-{SECRET}"  # Notify's key: name-service id-secret
TEMPLATES = {  # id: (channel, body)
    "11111111-1111-1111-1111-111111111111": ("sms", "Hello ((name)), ((link))"),
    "22222222-2222-2222-2222-222222222222": ("email", "Hello ((name)), ((link))"),
    "33333333-3333-3333-3333-333333333333": ("sms", "Hello ((name)), please carry on."),
    "44444444-4444-4444-4444-444444444444": ("email", "Hello ((name)), please carry on."),
}
SMS_INVITATION, EMAIL_INVITATION, SMS_REMINDER, EMAIL_REMINDER = TEMPLATES


@dataclass
class Sent:
    channel: str
    to: str
    template_id: str
    personalisation: dict
    reference: str | None


@dataclass
class NotifyStandIn:
    sent: list[Sent] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _error(status: int, kind: str, message: str) -> tuple[int, dict]:
    return status, {"status_code": status, "errors": [{"error": kind, "message": message}]}


def _check_token(header: str | None) -> str | None:
    """Notify's rules for the bearer token; the problem, or None."""
    if not header or not header.startswith("Bearer "):
        return "Unauthorized: authentication token must be provided"
    try:
        claims = jwt.decode(header[7:], SECRET, algorithms=["HS256"],
                            options={"verify_iat": False, "require": ["iss", "iat"]})
    except jwt.PyJWTError as problem:
        return f"Invalid token: {problem}"
    if claims["iss"] != SERVICE_ID:
        return "Invalid token: service not found"
    if abs(time.time() - claims["iat"]) > 30:
        return "Error: Your system clock must be accurate to within 30 seconds"
    return None


def answer(store: NotifyStandIn, path: str, headers, body: bytes) -> tuple[int, dict]:
    channel = {"/v2/notifications/sms": "sms", "/v2/notifications/email": "email"}.get(path)
    if channel is None:
        return _error(404, "BadRequestError", "Not found")
    problem = _check_token(headers.get("Authorization"))
    if problem is not None:
        store.refused.append(problem)
        return _error(403, "AuthError", problem)
    data = json.loads(body or b"{}")
    to = data.get("phone_number" if channel == "sms" else "email_address")
    template = TEMPLATES.get(data.get("template_id", ""))
    if not to or template is None or template[0] != channel:
        store.refused.append(f"bad request: {data}")
        return _error(400, "BadRequestError", "Template not found")
    values = data.get("personalisation") or {}
    missing = [name for name in re.findall(r"\(\((\w+)\)\)", template[1]) if name not in values]
    if missing:
        store.refused.append(f"missing {missing}")
        return _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
    store.sent.append(Sent(channel, to, data["template_id"], values, data.get("reference")))
    body_text = re.sub(r"\(\((\w+)\)\)", lambda m: str(values[m[1]]), template[1])
    notification = str(uuid.uuid4())
    content = ({"body": body_text, "from_number": "GOVUK"} if channel == "sms" else
               {"body": body_text, "subject": "MapBot", "from_email": "mapbot@notify.test"})
    return 201, {"id": notification, "reference": data.get("reference"), "content": content,
                 "uri": f"{store.url}/v2/notifications/{notification}",
                 "template": {"id": data["template_id"], "version": 1,
                              "uri": f"{store.url}/v2/template/{data['template_id']}"}}


def start() -> tuple[NotifyStandIn, ThreadingHTTPServer]:
    store = NotifyStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, reply = answer(store, self.path, self.headers, body)
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    store.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return store, server
