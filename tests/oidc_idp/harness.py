"""Start and stop the test identity provider as a real HTTP server (gunicorn in a subprocess)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.oidc_idp.people import read_people, write_people

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULE = "tests.oidc_idp.settings"
STARTUP_TIMEOUT = 20.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OidcIdp:
    """One running identity provider. ``issuer`` is what the portal's ``server_url`` points at."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.client_id = "flexportal-test"
        self.client_secret = secrets.token_urlsafe(32)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/o"
        self._process: subprocess.Popen | None = None
        self._log_path = state_dir / "idp.log"

    def _env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
        env.update(DJANGO_SETTINGS_MODULE=SETTINGS_MODULE, OIDC_IDP_STATE_DIR=str(self.state_dir))
        return env

    def start(self, *, redirect_uris: list[str]) -> None:
        # A fresh signing key each run, generated locally: nothing is downloaded.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        (self.state_dir / "oidc.key.pem").write_bytes(pem)
        write_people(self.state_dir, {})
        subprocess.run(
            [sys.executable, "-m", "tests.oidc_idp.bootstrap", self.client_id, self.client_secret, *redirect_uris],
            cwd=PROJECT_ROOT,
            env=self._env(),
            check=True,
            capture_output=True,
            timeout=STARTUP_TIMEOUT,
        )
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "tests.oidc_idp.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                ],
                cwd=PROJECT_ROOT,
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        session = requests.Session()
        session.trust_env = False  # straight to 127.0.0.1, whatever proxy the environment names
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"test IdP exited on start:\n{self.log()}")
            try:
                if session.get(discovery, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"test IdP did not answer within {STARTUP_TIMEOUT} s:\n{self.log()}")

    def log(self) -> str:
        return self._log_path.read_text(errors="replace") if self._log_path.exists() else ""

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process = None

    def add_person(self, username: str, *, password: str, claims: dict[str, Any]) -> None:
        """Register (or replace) a person and the claims the IdP releases at their next login."""
        people = read_people(self.state_dir)
        people[username] = {"password": password, "claims": claims}
        write_people(self.state_dir, people)

    def set_claims(self, username: str, claims: dict[str, Any]) -> None:
        people = read_people(self.state_dir)
        people[username]["claims"] = claims
        write_people(self.state_dir, people)
