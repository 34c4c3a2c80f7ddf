"""The one exception every connector raises, and the failure classes it carries.

The scheduler acts on ``PlatformError.kind`` alone (see DESIGN.md, "Platforms"),
so every network answer and every transport failure must end up as exactly one
of the six kinds below.
"""
from __future__ import annotations


import requests
import urllib3.exceptions

AUTH = "auth"
RATE_LIMITED = "rate_limited"
TRANSIENT = "transient"
DUPLICATE = "duplicate"
INVALID = "invalid"
UNKNOWN = "unknown"

ERROR_KINDS = frozenset({AUTH, RATE_LIMITED, TRANSIENT, DUPLICATE, INVALID, UNKNOWN})


class PlatformError(Exception):
    """A classified failure talking to a network. The message never contains a token."""

    def __init__(
        self,
        kind: str,
        message: str,
        retry_after_seconds: int | None = None,
        status: int | None = None,
    ):
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown platform error kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after_seconds = retry_after_seconds
        self.status = status

    def __repr__(self) -> str:
        return (
            f"PlatformError(kind={self.kind!r}, message={self.message!r}, "
            f"retry_after_seconds={self.retry_after_seconds!r}, status={self.status!r})"
        )

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class AuthorizationFailed(PlatformError):
    """The OAuth dance itself failed (denied consent, state mismatch, bad code...).

    ``reason`` is a short machine-readable word such as ``access_denied``,
    ``state_mismatch`` or ``invalid_grant`` so the account page can say what to do.
    """

    def __init__(self, reason: str, message: str, status: int | None = None):
        super().__init__(AUTH, message, status=status)
        self.reason = reason

    def __repr__(self) -> str:
        return f"AuthorizationFailed(reason={self.reason!r}, message={self.message!r})"


# Failures raised by urllib3 before a single byte of the request left this
# machine: DNS, connection refused, connect timeout. Retrying these is safe.
_NOT_SENT_CAUSES = (
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.ConnectTimeoutError,
    urllib3.exceptions.NameResolutionError,
)


def _exception_chain(exc: BaseException):
    seen = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__])
        stack.extend(a for a in getattr(current, "args", ()) if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)


def request_was_not_sent(exc: BaseException) -> bool:
    """True when the transport failed before the request could reach the network."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    return any(isinstance(e, _NOT_SENT_CAUSES) for e in _exception_chain(exc))


def classify_transport_error(
    exc: requests.exceptions.RequestException, *, network: str, may_have_committed: bool
) -> PlatformError:
    """Map a requests exception to a PlatformError.

    ``may_have_committed`` is True for calls that create something on the network
    (publish, media upload): if such a call was sent and no answer came, the post
    may exist, so the answer is ``unknown`` and the scheduler must not retry it.
    The message names the exception class only: requests' own messages can carry
    URLs, and Facebook URLs may carry tokens.
    """
    not_sent = request_was_not_sent(exc)
    what = type(exc).__name__
    if not_sent:
        return PlatformError(TRANSIENT, f"{network}: could not reach the network ({what})")
    if may_have_committed:
        return PlatformError(
            UNKNOWN,
            f"{network}: the request was sent but no answer arrived ({what}); "
            "the post may exist",
        )
    return PlatformError(TRANSIENT, f"{network}: no answer from the network ({what})")
