"""Fixtures: one emulator per test session on a loopback port, reset before each test."""
from __future__ import annotations

import pytest

from platforms import get_platform
from platforms.emulator import EmulatorControl, EmulatorServer, connector_config

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def redirect_uri_for(network: str) -> str:
    return f"http://127.0.0.1:5000/accounts/callback/{network}"


@pytest.fixture(scope="session")
def emulator_server():
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server) -> EmulatorControl:
    control = EmulatorControl(emulator_server.base_url)
    control.reset()
    yield control
    control.clear_faults()


@pytest.fixture
def make_platform(emulator_server):
    def make(network: str, **config_overrides):
        return get_platform(network, connector_config(network, emulator_server.base_url, **config_overrides))

    return make


def connect(platform, control: EmulatorControl, *, account=None, pages=None):
    """Run the whole OAuth dance the way the account page will: URL, consent, callback."""
    redirect_uri = redirect_uri_for(platform.name)
    request = platform.authorization_url(redirect_uri)
    answer = control.answer_consent(request.url, account=account, pages=pages)
    return platform.complete_authorization(
        answer.params, redirect_uri=redirect_uri, expected_state=request.state, code_verifier=request.code_verifier
    )


def publishing_target(authorization):
    """(token, external_id) for the first identity: page token for Facebook, the connection token otherwise."""
    identity = authorization.identities[0]
    return identity.token or authorization.token, identity.external_id
