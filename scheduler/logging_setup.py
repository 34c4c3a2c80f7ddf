"""Logging to stdout, each line carrying the request id (or job id)."""
from __future__ import annotations

import logging
import sys
import uuid

from flask import Flask, g, has_request_context, request
from rq import get_current_job

_HANDLER_NAME = "gatepost-stdout"
_MAX_INCOMING_ID = 64


class RequestIdFilter(logging.Filter):
    """Tags each line with the request id, or the RQ job id inside a job."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current_request_or_job_id()
        return True


def _current_request_or_job_id() -> str:
    if has_request_context():
        return getattr(g, "request_id", "-")
    job = get_current_job()
    return f"job:{job.id}" if job is not None else "-"


class _CurrentStdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time (test runners swap it)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(app: Flask) -> None:
    """One stdout handler on the root logger (added once per process)."""
    if app.testing:
        return  # pytest captures log records itself
    root = logging.getLogger()
    if any(getattr(h, "name", None) == _HANDLER_NAME for h in root.handlers):
        return
    handler = _CurrentStdoutHandler()
    handler.name = _HANDLER_NAME
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
    root.addHandler(handler)
    if root.level == logging.WARNING or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def install_request_ids(app: Flask) -> None:
    @app.before_request
    def _assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        valid = incoming and len(incoming) <= _MAX_INCOMING_ID and incoming.replace("-", "").isalnum()
        g.request_id = incoming if valid else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "-")
        return response
