"""The guideline policy in force, read from the database.

The active PolicyVersion row decides; parsed policies are cached by version
so each check costs one small query. With no version stored yet, the gate's
shipped default (or the file named by GATEPOST_POLICY_FILE) is in force.
"""
from __future__ import annotations

import os
import threading

import sqlalchemy as sa

from gate import Policy, default_policy, load_policy, policy_from_text

_lock = threading.Lock()
_parsed: dict[str, Policy] = {}
_fallback: Policy | None = None


def fallback_policy() -> Policy:
    global _fallback
    with _lock:
        if _fallback is None:
            path = os.environ.get("GATEPOST_POLICY_FILE", "").strip()
            _fallback = load_policy(path) if path else default_policy()
        return _fallback


def current_policy() -> Policy:
    from scheduler.extensions import db
    from scheduler.models import PolicyVersion

    row = db.session.execute(sa.select(PolicyVersion.version, PolicyVersion.id)
                             .where(PolicyVersion.is_active.is_(True)).limit(1)).first()
    if row is None:
        return fallback_policy()
    version, row_id = row
    with _lock:
        cached = _parsed.get(version)
    if cached is None:
        text = db.session.scalar(sa.select(PolicyVersion.source_text).where(PolicyVersion.id == row_id))
        cached = policy_from_text(text)
        with _lock:
            _parsed[version] = cached
    return cached
