"""A real OpenID Connect provider for the tests: `oidc-provider` (npm) under Node.js 20,
started by the test on a free port (provider.mjs says what it does).

`npm ci` installs it from package-lock.json the first time (the npm registry must be
reachable then); node_modules/ is not committed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
CLIENT_ID = "mapbot-portal"
CLIENT_SECRET = "test-client-secret-that-is-long-enough-for-hs256"
READY_SECONDS = 30


def install() -> None:
    """node_modules from the lock file, once."""
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("Node.js 20 and npm are needed for the OpenID Connect tests.")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


@dataclass
class OidcProvider:
    port: int
    redirect_uris: list[str]
    users_file: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_users(self, users: dict[str, dict]) -> None:
        """Who exists in the council's directory now (read at every sign-in)."""
        self.users_file.write_text(json.dumps(users))

    def start(self, log: Path) -> OidcProvider:
        install()
        if not self.users_file.exists():
            self.set_users({})
        env = os.environ | {"PORT": str(self.port), "CLIENT_ID": CLIENT_ID,
                            "CLIENT_SECRET": CLIENT_SECRET,
                            "REDIRECT_URIS": ",".join(self.redirect_uris),
                            "USERS_FILE": str(self.users_file)}
        with log.open("wb") as out:
            self.process = subprocess.Popen(["node", str(HERE / "provider.mjs")], env=env,
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the OpenID provider stopped: {log.read_text()}")
            try:
                httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"the OpenID provider did not start: {log.read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
