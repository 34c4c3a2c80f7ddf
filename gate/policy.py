"""The policy: lexicons, parameters, allow-lists and embargoes, loaded from one YAML file.

The policy is data an admin edits, so loading it validates every field and a
mistake is reported with the line it is on. The version id is a hash of the
file's content: any edit gives a new version, recorded in every verdict.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from importlib import resources
from pathlib import Path

import yaml

from .model import CATEGORIES

logger = logging.getLogger(__name__)

ACTIONS = ("flag", "off")
MAX_POLICY_BYTES = 2_000_000


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the line to fix."""


# Leaf kinds understood by the validator.
TERMS = "list of terms"
TEXT = "text"
FLAG = "true/false"
NUMBER = "number"
REGEX = "regular expression"

_FACES = {"enabled": FLAG, "cascade": TEXT, "scale_factor": NUMBER, "min_neighbours": NUMBER,
          "min_size_px": NUMBER, "max_side_px": NUMBER}

SCHEMA: dict = {
    "policy": {"name": TEXT, "source": TEXT},
    "clauses": {**{c: TEXT for c in CATEGORIES}, "account_information": TEXT},
    "actions": {c: ("choice", ACTIONS) for c in CATEGORIES},
    "limits": {"max_text_chars": NUMBER},
    "organisation": {
        "names": TERMS, "leadership": TERMS, "units": TERMS, "email_domains": TERMS, "public_phone_numbers": TERMS, "public_phone_prefixes": TERMS,
        "public_email_addresses": TERMS, "public_postcodes": TERMS, "own_credits": TERMS,
    },
    "personal_data": {
        "phone_region": TEXT, "freemail_domains": TERMS, "role_mailbox_words": TERMS,
        "residence_cues": TERMS, "birth_cues": TERMS, "id_patterns": ("records", {"name": TEXT, "pattern": REGEX, "cues": TERMS}),
        "sensitive_details": ("mapping of", TERMS), "sensitive_topics": ("mapping of", TERMS),
        "professional_framing": TERMS,
        "people_in_alt_text": TERMS, "faces": _FACES,
    },
    "confidential": {
        "markers": TERMS, "marker_exceptions": TERMS, "code_names": TERMS,
        "embargoes": ("records", {"term": TEXT, "lift": "datetime", "note": TEXT}),
        "unreleased_subjects": TERMS, "unreleased_cues": TERMS, "restructuring": TERMS,
        "credential_words": TERMS, "secret_key_patterns": ("records", {"name": TEXT, "pattern": REGEX}),
    },
    "offensive": {"profanity": TERMS, "sexual": TERMS, "name_like": TERMS, "allow_phrases": TERMS,
                  "adult_domains": TERMS},
    "harassment": {"insults": TERMS, "threats": TERMS, "hostile_address": TERMS},
    "discrimination": {"slurs": TERMS, "groups": TERMS, "stereotypes": TERMS,
                       "exclusion_attributes": TERMS, "recruitment_cues": TERMS, "exclusion_phrases": TERMS},
    "defamation": {"allegations": TERMS, "hedges": TERMS},
    "copyright": {"cues": TERMS, "piracy_domains": TERMS, "open_licences": TERMS, "restrictive_licences": TERMS},
    "reputation": {"disparagement": TERMS, "parties": TERMS, "endorsement": TERMS, "partisan_phrases": TERMS,
                   "partisan_predicates": TERMS, "dismissive_phrases": TERMS,
                   "tragedies": TERMS, "flippancy": TERMS, "condolence": TERMS},
}
OPTIONAL_SECTIONS = {"limits"}


@dataclass(frozen=True)
class Embargo:
    term: str
    lift: datetime
    note: str = ""


class Policy:
    """A validated policy; `version` is the content hash recorded in verdicts."""

    def __init__(self, data: dict, source_text: str) -> None:
        self.data = data
        self.version = "sha256:" + hashlib.sha256(source_text.encode("utf-8")).hexdigest()[:16]
        self.name = data["policy"]["name"]
        self.clauses: dict[str, str] = dict(data["clauses"])
        self.actions: dict[str, str] = {category: "off" if action is False else action
                                        for category, action in data["actions"].items()}
        self.max_text_chars = int(data.get("limits", {}).get("max_text_chars", 50_000))
        self.embargoes = tuple(
            Embargo(e["term"], _as_utc(e["lift"]), e.get("note", "")) for e in data["confidential"].get("embargoes", [])
        )
        # Imported here: the engine compiles checks from this policy, and checks read Policy.
        from .engine import Engine
        self.engine = Engine(self)

    def section(self, name: str) -> dict:
        return self.data.get(name, {})

    def is_enabled(self, category: str) -> bool:
        return self.actions.get(category, "flag") != "off"

    def __repr__(self) -> str:
        return f"Policy({self.name!r}, version={self.version})"


def _as_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.combine(value, time.min, tzinfo=timezone.utc)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _fail(node: yaml.Node, path: str, message: str) -> None:
    raise PolicyError(f"line {_line(node)}: {path}: {message}")


def _mapping_items(node: yaml.Node, path: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        _fail(node, path, "expected a mapping of keys to values")
    items = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            _fail(key_node, path, "keys must be plain words")
        items.append((key_node.value, value_node))
    return items


def _check(node: yaml.Node, value, kind, path: str) -> None:
    """Validate one value against its schema entry, naming the line on failure."""
    if isinstance(kind, dict):
        items = _mapping_items(node, path)
        for key, child in items:
            if key not in kind:
                _fail(child, f"{path}.{key}", f"unknown setting (expected one of: {', '.join(kind)})")
            _check(child, value[key], kind[key], f"{path}.{key}")
        return
    if kind == TERMS:
        if value is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            _fail(node, path, "expected a list of terms")
        for item_node, item in zip(node.value, value):
            if not isinstance(item, str) or not item.strip():
                _fail(item_node, path, f"each term must be non-empty text, got {item!r}")
        return
    if kind == TEXT:
        if not isinstance(value, str):
            _fail(node, path, f"expected text, got {value!r}")
        return
    if kind == FLAG:
        if not isinstance(value, bool):
            _fail(node, path, f"expected true or false, got {value!r}")
        return
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            _fail(node, path, f"expected a positive number, got {value!r}")
        return
    if kind == REGEX:
        if not isinstance(value, str):
            _fail(node, path, "expected a regular expression as text")
        try:
            re.compile(value)
        except re.error as exc:
            _fail(node, path, f"invalid regular expression: {exc}")
        return
    if kind == "datetime":
        if not isinstance(value, (date, datetime)):
            _fail(node, path, f"expected a date like 2026-05-14 or 2026-05-14T09:00:00Z, got {value!r}")
        return
    if isinstance(kind, tuple) and kind[0] == "choice":
        # Compare the text as written: YAML 1.1 would otherwise read a bare `off` as false.
        value = node.value if isinstance(node, yaml.ScalarNode) else value
        if value not in kind[1]:
            _fail(node, path, f"expected one of {', '.join(kind[1])}, got {value!r}")
        return
    if isinstance(kind, tuple) and kind[0] == "mapping of":
        for key, child in _mapping_items(node, path):
            _check(child, value[key], kind[1], f"{path}.{key}")
        return
    if isinstance(kind, tuple) and kind[0] == "records":
        if not isinstance(node, yaml.SequenceNode):
            _fail(node, path, "expected a list of entries")
        fields = kind[1]
        required = [f for f in fields if f not in ("note", "cues")]
        for index, (item_node, item) in enumerate(zip(node.value, value)):
            item_path = f"{path}[{index}]"
            present = dict(_mapping_items(item_node, item_path))
            for name in required:
                if name not in present:
                    _fail(item_node, item_path, f"missing '{name}'")
            _check(item_node, item, fields, item_path)
        return
    raise AssertionError(f"unknown schema kind {kind!r}")


def _parse(text: str) -> Policy:
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise PolicyError(f"line 1: policy is larger than {MAX_POLICY_BYTES} bytes")
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError(f"line {line}: not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"line 1: not valid YAML: {exc}") from None
    if node is None or not isinstance(data, dict):
        raise PolicyError("line 1: the policy must be a mapping of sections (policy, clauses, actions, ...)")
    _check(node, data, SCHEMA, "policy file")
    for section in SCHEMA:
        if section not in data and section not in OPTIONAL_SECTIONS:
            raise PolicyError(f"line {_line(node)}: policy file: missing section '{section}'")
    for category in CATEGORIES:
        if category not in data["clauses"]:
            raise PolicyError(f"line {_line(node)}: clauses: missing the clause for '{category}'")
        if category not in data["actions"]:
            raise PolicyError(f"line {_line(node)}: actions: missing the action for '{category}'")
    return Policy(data, text)


def load_policy(path_or_text: str | Path) -> Policy:
    """Load a policy from a file path, or from YAML text when given text with a newline."""
    if isinstance(path_or_text, Path) or ("\n" not in path_or_text and Path(path_or_text).exists()):
        path = Path(path_or_text)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"line 1: cannot read {path}: {exc}") from None
        try:
            return _parse(text)
        except PolicyError as exc:
            raise PolicyError(f"{path}: {exc}") from None
    if "\n" not in path_or_text:
        raise PolicyError(f"line 1: no policy file at {path_or_text}")
    return _parse(path_or_text)


def policy_from_text(text: str) -> Policy:
    """Load a policy from YAML text, as the admin editor will submit it."""
    return _parse(text)


_default_lock = threading.Lock()
_default: Policy | None = None


def default_policy() -> Policy:
    """The policy shipped with the gate (gate/policies/default.yaml), loaded once."""
    global _default
    with _default_lock:
        if _default is None:
            text = resources.files("gate").joinpath("policies/default.yaml").read_text(encoding="utf-8")
            _default = _parse(text)
        return _default


class PolicyHolder:
    """The policy in force; a rejected replacement leaves the previous one in place."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy
        self._lock = threading.Lock()

    @property
    def current(self) -> Policy:
        return self._policy

    def replace_from_text(self, text: str) -> Policy:
        candidate = _parse(text)  # raises PolicyError; the current policy is untouched
        with self._lock:
            logger.info("policy replaced: %s -> %s", self._policy.version, candidate.version)
            self._policy = candidate
        return candidate
