"""Flask plumbing shared by the emulated networks: state access, tokens, faults."""
from __future__ import annotations

import functools
import logging
import socket
import time
from dataclasses import dataclass

from flask import Response, current_app, make_response, request

from .faults import FaultPlan, FaultRule
from .state import EmulatorState

logger = logging.getLogger(__name__)


@dataclass
class Emulator:
    state: EmulatorState
    faults: FaultPlan


def current_emulator() -> Emulator:
    return current_app.extensions["gatepost_emulator"]


def current_state() -> EmulatorState:
    return current_emulator().state


def bearer_token(*, allow_query: bool = False) -> str | None:
    """The access token of this request: Authorization header, or (Graph) ?access_token=."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    if allow_query:
        return request.values.get("access_token") or (request.get_json(silent=True) or {}).get("access_token")
    return None


def drop_connection() -> bool:
    """Close the client's socket so it sees a dropped connection instead of an answer."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return False
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    return True


class ErrorShapes:
    """How one network answers the injected failures; each network module subclasses it."""

    def server_error(self, rule: FaultRule) -> Response:
        raise NotImplementedError

    def rate_limited(self, rule: FaultRule) -> Response:
        raise NotImplementedError

    def duplicate(self, rule: FaultRule) -> Response:
        raise NotImplementedError


def fault_point(network: str, endpoint: str, shapes: ErrorShapes):
    """Decorate a view so the fault plan can replace, slow down or lose its answer."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            rule = current_emulator().faults.draw(network, endpoint)
            if rule is None:
                return view(*args, **kwargs)
            logger.info("fault %s on %s %s (rule %s)", rule.action, network, endpoint, rule.id)
            if rule.action == "server_error":
                return shapes.server_error(rule)
            if rule.action == "rate_limit":
                return shapes.rate_limited(rule)
            if rule.action == "duplicate":
                return shapes.duplicate(rule)
            if rule.action == "disconnect":
                drop_connection()
                return Response(status=500)
            if rule.action == "slow":
                time.sleep(rule.delay_seconds)
                return view(*args, **kwargs)
            # lost_after_commit: do the work, then make sure the answer never arrives.
            response = make_response(view(*args, **kwargs))
            if response.status_code < 400:
                if rule.mode == "drop" and drop_connection():
                    return response
                time.sleep(rule.delay_seconds)
            return response

        return wrapper

    return decorator
