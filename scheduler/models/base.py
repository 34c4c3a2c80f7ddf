"""Declarative base, constraint naming convention and the UTC datetime type."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

# Every constraint gets a predictable name so migrations can drop/alter it on
# any database (SQLite batch mode and Postgres alike).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def now_utc() -> datetime:
    """The one source of "now": an aware UTC datetime (frozen in tests)."""
    return datetime.now(timezone.utc)


def str_enum(enum_cls, name: str, length: int = 24) -> sa.Enum:
    """A Python enum stored as a short string (portable: no native enum types to migrate)."""
    return sa.Enum(enum_cls, name=name, native_enum=False, length=length, validate_strings=True)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC, returns aware UTC datetimes; refuses naive input.

    SQLite has no time zone support, so values are normalised to naive UTC on
    the way in and made aware again on the way out.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: pass an aware datetime (UTC)")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
