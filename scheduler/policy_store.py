"""The guideline policy in force for this process.

Until admins edit policies in the app, the policy is the gate's shipped
default, or the file named by GATEPOST_POLICY_FILE; it is loaded once.
"""
from __future__ import annotations

import os
import threading

from gate import Policy, default_policy, load_policy

_lock = threading.Lock()
_policy: Policy | None = None


def current_policy() -> Policy:
    global _policy
    with _lock:
        if _policy is None:
            path = os.environ.get("GATEPOST_POLICY_FILE", "").strip()
            _policy = load_policy(path) if path else default_policy()
        return _policy


def replace_policy(policy: Policy) -> None:
    """Used by tests and, later, by policy administration."""
    global _policy
    with _lock:
        _policy = policy
