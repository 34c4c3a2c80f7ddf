"""Field checks shared by services: each returns the clean value or raises InvalidInput."""
from __future__ import annotations

import zoneinfo
from functools import cache

from email_validator import EmailNotValidError, validate_email

from scheduler.services.errors import InvalidInput


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_email(value, field: str = "email") -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Enter an email address.", field)
    if len(value) > 254:
        raise InvalidInput("That email address is too long (254 characters at most).", field)
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInput(f"That is not a valid email address: {exc}", field) from None
    return result.normalized.lower()


def clean_text(value, field: str, label: str, max_length: int, min_length: int = 1) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{label} must be text.", field)
    value = value.strip()
    if len(value) < min_length:
        raise InvalidInput(f"Enter a {label.lower()}.", field)
    if len(value) > max_length:
        raise InvalidInput(f"{label} is too long ({max_length} characters at most).", field)
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput(f"{label} cannot contain control characters.", field)
    return value


def clean_time_zone(value, field: str = "time_zone") -> str:
    if not isinstance(value, str) or value not in _known_time_zones():
        raise InvalidInput("Choose a time zone from the list (an IANA name such as Europe/London).", field)
    return value


def clean_bool(value, field: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    raise InvalidInput(f"{label} must be true or false.", field)


def time_zone_choices() -> list[str]:
    return sorted(_known_time_zones())
