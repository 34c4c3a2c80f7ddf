"""Error handlers: JSON or HTML as the client asked; roll back on a 500."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from scheduler.extensions import db
from scheduler.web.responses import api_error, wants_json

log = logging.getLogger(__name__)

FRIENDLY = {
    400: "The request could not be understood.",
    401: "Please sign in to continue.",
    403: "You do not have permission to do that.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    429: "Too many attempts. Please wait and try again.",
    500: "Something went wrong on our side. It has been logged; please try again.",
}


def _render(status: int, message: str):
    if wants_json():
        return api_error(message, status)
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(400, "Your form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description if status == 400 and exc.description and not exc.description.startswith("The browser") else FRIENDLY.get(status, exc.name)
        return _render(status, message)

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        db.session.rollback()
        log.exception("unhandled error")
        return _render(500, FRIENDLY[500])

    @app.errorhandler(InternalServerError)
    def internal_error(exc):
        db.session.rollback()
        return _render(500, FRIENDLY[500])
