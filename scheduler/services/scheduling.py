"""Times: local wall-clock times in an IANA zone to UTC, and weekly posting slots."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.extensions import db
from scheduler.models import LateApprovalRule, PostingSlot, PostTarget, TargetState, Team, now_utc
from scheduler.services.audit import record_event
from scheduler.services.errors import Conflict, InvalidInput
from scheduler.services.post_queries import granted_accounts

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
QUEUE_HORIZON_DAYS = 56
OCCUPYING_STATES = (TargetState.pending, TargetState.scheduled, TargetState.publishing, TargetState.held)


def local_to_utc(value, zone_name: str, field: str = "scheduled_at") -> datetime:
    """'2026-03-29T09:00' in the given zone -> aware UTC; refuses times that do not exist.

    Times that happen twice (clocks going back) mean the first occurrence.
    An ISO string with its own offset is taken as that instant.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Give a date and time such as 2026-12-01T09:30.", field)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"'{value[:40]}' is not a date and time such as 2026-12-01T09:30.", field) from None
    if parsed.tzinfo is not None:
        return parsed.astimezone(timezone.utc)
    zone = ZoneInfo(zone_name)
    aware = parsed.replace(tzinfo=zone, fold=0)
    # A wall time in the spring-forward gap does not survive a round trip.
    if aware.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != parsed:
        raise InvalidInput(f"{parsed:%Y-%m-%d %H:%M} does not exist in {zone_name} (the clocks go forward then). "
                           "Choose another time.", field)
    return aware.astimezone(timezone.utc)


def utc_to_local(moment: datetime, zone_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone_name))


def next_free_slot(session: Session, team, account_ids: list[int], after: datetime | None = None) -> datetime:
    """The earliest slot, in the team's timetable for every chosen account, that none of them has taken."""
    after = after or now_utc()
    slots = session.scalars(sa.select(PostingSlot).where(PostingSlot.team_id == team.id,
                                                         PostingSlot.account_id.in_(account_ids))).all()
    by_account: dict[int, set[tuple[int, int]]] = {a: set() for a in account_ids}
    for slot in slots:
        by_account[slot.account_id].add((slot.weekday, slot.minute_of_day))
    common = set.intersection(*by_account.values()) if by_account else set()
    if not common:
        raise InvalidInput("These accounts have no posting slot in common for your team. Add slots, or choose a "
                           "time yourself.", "add_to_queue")
    taken = set(session.scalars(sa.select(PostTarget.due_at).where(
        PostTarget.account_id.in_(account_ids), PostTarget.state.in_(OCCUPYING_STATES),
        PostTarget.due_at > after)))
    zone = ZoneInfo(team.time_zone)
    local_start = after.astimezone(zone)
    for day in range(QUEUE_HORIZON_DAYS):
        date = (local_start + timedelta(days=day)).date()
        for weekday, minute in sorted(m for m in common if m[0] == date.weekday()):
            wall = datetime(date.year, date.month, date.day, minute // 60, minute % 60)
            try:
                candidate = local_to_utc(wall.isoformat(), team.time_zone)
            except InvalidInput:
                continue  # a slot inside a spring-forward gap is skipped that day
            if candidate > after and candidate not in taken:
                return candidate
    raise InvalidInput(f"No free slot in the next {QUEUE_HORIZON_DAYS // 7} weeks; choose a time yourself.",
                       "add_to_queue")


# --- a team's posting slots and late-approval rule -------------------------------------

def add_posting_slot(actor, team: Team, account_id, weekday, minute_of_day) -> PostingSlot:
    """A weekly time (in the team's zone) at which queued posts of this team go to this account."""
    if not isinstance(account_id, int) or account_id not in {a.id for a in granted_accounts(team)}:
        raise InvalidInput(f"{team.name} has not been granted that account.", "account_id")
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput("Choose a day of the week.", "weekday")
    if not isinstance(minute_of_day, int) or not 0 <= minute_of_day < 1440:
        raise InvalidInput("Give a time such as 09:30.", "time")
    exists = db.session.scalar(sa.select(PostingSlot.id).where(
        PostingSlot.team_id == team.id, PostingSlot.account_id == account_id, PostingSlot.weekday == weekday,
        PostingSlot.minute_of_day == minute_of_day))
    if exists is not None:
        raise Conflict(f"There is already a slot on {WEEKDAYS[weekday]} at {minute_of_day // 60:02d}:"
                       f"{minute_of_day % 60:02d} for that account.", "time")
    slot = PostingSlot(team_id=team.id, account_id=account_id, weekday=weekday, minute_of_day=minute_of_day)
    db.session.add(slot)
    db.session.flush()
    record_event(actor, "slot.added", "posting_slot", slot.id, team_id=team.id, account_id=account_id,
                 weekday=weekday, minute_of_day=minute_of_day)
    return slot


def remove_posting_slot(actor, slot: PostingSlot) -> None:
    record_event(actor, "slot.removed", "posting_slot", slot.id, team_id=slot.team_id, account_id=slot.account_id,
                 weekday=slot.weekday, minute_of_day=slot.minute_of_day)
    db.session.delete(slot)
    db.session.flush()


def set_late_approval_rule(actor, team: Team, rule) -> Team:
    if rule not in LateApprovalRule.__members__:
        raise InvalidInput("Choose whether late approvals expire or publish late.", "late_approval_rule")
    if team.late_approval_rule != rule:
        record_event(actor, "team.late_approval_rule_changed", "team", team.id, previous=team.late_approval_rule,
                     rule=rule)
        team.late_approval_rule = rule
        db.session.flush()
    return team
