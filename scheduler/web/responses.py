"""JSON envelope and content negotiation shared by pages and API."""
from __future__ import annotations

from flask import jsonify, request


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def api_ok(data=None, status: int = 200):
    return jsonify({"ok": True, "data": data}), status


def api_error(message: str, status: int, field: str | None = None, **extra):
    error = {"message": message, "status": status}
    if field:
        error["field"] = field
    error.update(extra)
    return jsonify({"ok": False, "error": error}), status
