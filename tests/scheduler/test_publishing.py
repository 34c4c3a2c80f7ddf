"""Posts through the gate and the publishing worker, against the emulator over loopback.

Each invariant of DESIGN.md has a test here; error classes each have one too.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine
from rq import SimpleWorker

from scheduler.models import (AccountStatus, Approval, AuditEvent, Notification, PostState, PublishAttempt, SocialAccount, TargetState, now_utc)
from scheduler.queueing import task_queue
from scheduler.services import approvals
from scheduler.services import posts as post_service
from scheduler.services.errors import Conflict, InvalidInput
from scheduler.services.publishing import claim, publish_target
from scheduler.services.reconcile import reconcile
from tests.scheduler.test_accounts import connect

PHONE_POST = "Congratulations to our student Jamie Lee, call them on 07700 900123 to say well done!"
CLEAN_POST = "The library is open late all week for revision. Good luck with your exams!"


@pytest.fixture
def org(make, new_browser, emulator, db):
    comms = make.team("Comms")
    people = {
        "comms": comms,
        "admin": make.user("admin@example.org", is_admin=True),
        "author": make.user("author@example.org", team=comms),
        "manager": make.user("manager@example.org", team=comms, role="manager"),
        "manager2": make.user("manager2@example.org", team=comms, role="manager"),
    }
    admin = new_browser()
    admin.login("admin@example.org")
    connect(admin, {"comms": comms}, emulator, "x")
    people["x"] = db.session.scalar(sa.select(SocialAccount).where(SocialAccount.platform == "x"))
    people["admin_browser"] = admin
    return people


def new_post(org, text=CLEAN_POST, **kw):
    kw.setdefault("publish_now", True)
    return post_service.create_post(org["author"], org["comms"], text=text,
                                    targets=[{"account_id": org["x"].id}], **kw)


def run_jobs():
    queue = task_queue().queue()
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def reload(db, obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def publications(emulator):
    return emulator.publications(network="x")["publications"]


# --- the happy path and the gate ---------------------------------------------------

def test_a_clear_post_is_scheduled_and_published_once(org, db, emulator):
    post = new_post(org)
    assert post.state == PostState.scheduled and task_queue().queue().count == 0  # nothing before commit
    db.session.commit()
    assert task_queue().queue().count == 1
    run_jobs()
    target = reload(db, post.targets[0])
    assert target.state == TargetState.published and target.external_id and target.published_at
    assert reload(db, post).state == PostState.completed
    assert len(publications(emulator)) == 1
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_type.in_(
        ["post", "post_target"]))).all()
    for expected in ("post.created", "post.gate_verdict", "post.scheduled", "target.scheduled",
                     "target.publishing", "target.published", "post.completed"):
        assert expected in actions


def test_a_flagged_post_waits_for_a_manager(org, db, emulator):
    post = new_post(org, PHONE_POST)
    db.session.commit()
    assert post.state == PostState.awaiting_approval
    assert [t.state for t in post.targets] == [TargetState.pending]
    assert task_queue().queue().count == 0
    verdict = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "post.gate_verdict"))
    assert verdict.details["decision"] == "needs_approval"
    assert {"category": "personal_data"} .items() <= verdict.details["flags"][0].items()


def test_four_eyes_and_approval_bound_to_the_content_seen(org, db, emulator):
    post = post_service.create_post(org["manager"], org["comms"], text=PHONE_POST,
                                    targets=[{"account_id": org["x"].id}], publish_now=True)
    db.session.commit()
    with pytest.raises(Conflict, match="cannot decide on your own post"):
        approvals.approve_post(org["manager"], post, post.content_hash)
    with pytest.raises(Conflict, match="changed after you opened it"):
        approvals.approve_post(org["manager2"], post, "0" * 64)
    approvals.approve_post(org["manager2"], post, post.content_hash, note="number is the press line")
    db.session.commit()
    run_jobs()
    assert reload(db, post.targets[0]).state == TargetState.published


def test_editing_an_approved_post_voids_the_approval_and_holds_it(org, db, emulator):
    post = new_post(org, PHONE_POST, scheduled_at=now_utc() + timedelta(hours=2), publish_now=False)
    approvals.approve_post(org["manager"], post, post.content_hash)
    db.session.commit()
    assert post.state == PostState.scheduled
    post_service.edit_post(org["author"], post, text=PHONE_POST + " Also text 07700 900456.")
    db.session.commit()
    assert post.state == PostState.awaiting_approval
    assert db.session.scalar(sa.select(Approval)).voided_at is not None
    assert [t.state for t in post.targets] == [TargetState.pending]


def test_editing_to_remove_the_flag_clears_the_post(org, db, emulator):
    post = new_post(org, PHONE_POST)
    post_service.edit_post(org["author"], post, text="Congratulations to our student Jamie Lee!")
    db.session.commit()
    assert post.state == PostState.scheduled
    run_jobs()
    assert reload(db, post.targets[0]).state == TargetState.published


def test_worker_refuses_content_that_no_verdict_or_approval_covers(org, db, emulator):
    """Invariant 2: the state column says scheduled, but the content was changed behind the gate's back."""
    post = new_post(org)
    db.session.commit()
    db.session.execute(sa.text("UPDATE posts SET text = :t WHERE id = :id"), {"t": PHONE_POST, "id": post.id})
    db.session.commit()
    run_jobs()
    post = reload(db, post)
    assert post.state == PostState.awaiting_approval and post.targets[0].state == TargetState.pending
    assert publications(emulator) == []
    attempt = db.session.scalar(sa.select(PublishAttempt))
    assert attempt.outcome == "refused_by_gate"


def test_worker_refuses_an_approval_for_other_content(org, db, emulator):
    post = new_post(org, PHONE_POST)
    approvals.approve_post(org["manager"], post, post.content_hash)
    db.session.commit()
    db.session.execute(sa.text("UPDATE posts SET text = :t WHERE id = :id"),
                       {"t": PHONE_POST.replace("Jamie", "Jo"), "id": post.id})
    db.session.commit()
    run_jobs()
    assert publications(emulator) == []
    assert reload(db, post).state == PostState.awaiting_approval


# --- at most once --------------------------------------------------------------------

def test_only_one_claim_wins(org, db):
    post = new_post(org)
    db.session.commit()
    target_id = post.targets[0].id
    assert claim(target_id) is not None
    assert claim(target_id) is None


def test_a_target_enqueued_twice_is_published_once(org, db, emulator):
    post = new_post(org)
    db.session.commit()
    task_queue().queue().enqueue("scheduler.jobs.publish_target", post.targets[0].id)
    run_jobs()
    assert len(publications(emulator)) == 1
    assert reload(db, post.targets[0]).attempts == 1


def test_rescheduling_a_published_post_never_republishes(org, db, emulator):
    post = new_post(org)
    db.session.commit()
    run_jobs()
    with pytest.raises(Conflict):
        post_service.reschedule_post(org["author"], reload(db, post), publish_now=True)
    db.session.rollback()
    run_jobs()
    assert len(publications(emulator)) == 1


# --- error classes -------------------------------------------------------------------------

def test_transient_failures_retry_with_backoff_then_give_up(org, db, emulator):
    emulator.add_fault("server_error", network="x", endpoint="publish")
    post = new_post(org)
    db.session.commit()
    target = post.targets[0]
    for attempt in range(1, 6):
        with time_machine.travel(reload(db, target).due_at + timedelta(seconds=1), tick=False):
            publish_target(target.id)
        target = reload(db, target)
        if attempt < 5:
            assert target.state == TargetState.scheduled and target.attempts == attempt
            assert target.due_at > now_utc()  # backed off into the future
    assert target.state == TargetState.failed and "gave up after 5 attempts" in target.last_error
    assert publications(emulator) == []
    assert db.session.scalar(sa.select(Notification).where(Notification.kind == "target_failed"))


def test_rate_limited_target_waits_for_the_reset(org, db, emulator):
    emulator.add_fault("rate_limit", network="x", endpoint="publish", count=1, reset_in_seconds=300)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    target = reload(db, post.targets[0])
    assert target.state == TargetState.scheduled
    assert timedelta(seconds=240) < target.due_at - now_utc() <= timedelta(seconds=301)
    assert task_queue().queue().connection.zcard("rq:scheduled:default") == 1
    with time_machine.travel(target.due_at + timedelta(seconds=1), tick=False):
        publish_target(target.id)
    assert reload(db, target).state == TargetState.published


def test_an_answer_lost_after_commit_is_unconfirmed_and_never_retried(org, db, emulator):
    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=1)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    target = reload(db, post.targets[0])
    assert target.state == TargetState.unconfirmed and "may have reached" in target.last_error
    assert len(publications(emulator)) == 1  # it did go out
    assert reconcile()["enqueued"] == 0
    run_jobs()
    assert len(publications(emulator)) == 1
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "target_unconfirmed"))
    assert note.user_id == org["author"].id and "mark it as published or retry" in note.message


def test_invalid_content_fails_with_the_networks_message(org, db, emulator):
    emulator.add_fault("duplicate", network="x", endpoint="publish", count=1)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    target = reload(db, post.targets[0])
    assert target.state == TargetState.failed and "already posted" in target.last_error


def test_revoked_account_holds_its_targets_until_reconnected(org, db, emulator):
    first = new_post(org)
    second = new_post(org, "Open day this Saturday from 10am.", scheduled_at=now_utc() + timedelta(minutes=5),
                      publish_now=False)
    db.session.commit()
    emulator.revoke_tokens(network="x")
    run_jobs()
    assert reload(db, first.targets[0]).state == TargetState.held
    assert reload(db, second.targets[0]).state == TargetState.held
    assert reload(db, org["x"]).status == AccountStatus.needs_reconnect
    assert publications(emulator) == []
    admin = org["admin_browser"]
    response = admin.post(f"/admin/accounts/{org['x'].id}/reconnect")
    answer = emulator.answer_consent(response.headers["Location"])
    from tests.scheduler.test_accounts import follow_callback

    follow_callback(admin, answer.location)
    assert reload(db, first.targets[0]).state == TargetState.scheduled
    run_jobs()
    assert reload(db, first.targets[0]).state == TargetState.published
    assert reload(db, second.targets[0]).state == TargetState.scheduled  # its time has not come yet


# --- recovery: Redis emptied, worker killed ------------------------------------------------

def test_an_emptied_redis_loses_nothing(org, db, emulator):
    post = new_post(org)
    db.session.commit()
    task_queue().connection.flushdb()
    assert reconcile()["enqueued"] == 1
    run_jobs()
    assert reload(db, post.targets[0]).state == TargetState.published


def test_a_claim_left_by_a_dead_worker_becomes_unconfirmed(org, db, emulator):
    post = new_post(org)
    db.session.commit()
    assert claim(post.targets[0].id)  # and then the worker died
    assert reconcile()["stale_claims"] == 0
    with time_machine.travel(now_utc() + timedelta(minutes=5), tick=False):
        assert reconcile()["stale_claims"] == 1
    assert reload(db, post.targets[0]).state == TargetState.unconfirmed


# --- scheduling --------------------------------------------------------------------------------

def test_local_times_across_daylight_saving(org, db):
    from scheduler.services.scheduling import local_to_utc

    assert local_to_utc("2026-03-28T09:00", "Europe/London") == datetime(2026, 3, 28, 9, 0, tzinfo=timezone.utc)
    assert local_to_utc("2026-03-30T09:00", "Europe/London") == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)
    with pytest.raises(InvalidInput, match="does not exist"):
        local_to_utc("2026-03-29T01:30", "Europe/London")
    # 01:30 happens twice on 25 October: the first (still summer time) is meant.
    assert local_to_utc("2026-10-25T01:30", "Europe/London") == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert local_to_utc("2026-11-01T09:00", "America/New_York") == datetime(2026, 11, 1, 14, 0,
                                                                             tzinfo=timezone.utc)


def test_add_to_queue_takes_the_next_free_slot_in_the_team_zone(org, db):
    from scheduler.models import PostingSlot

    db.session.add_all([PostingSlot(account_id=org["x"].id, team_id=org["comms"].id, weekday=wd, minute_of_day=540)
                        for wd in range(7)])
    db.session.commit()
    with time_machine.travel(datetime(2026, 3, 28, 12, 0, tzinfo=timezone.utc), tick=False):
        first = new_post(org, add_to_queue=True, publish_now=False)
        second = new_post(org, "A second post for the queue.", add_to_queue=True, publish_now=False)
    # 09:00 London: Sunday 29 March is already summer time (08:00 UTC).
    assert first.scheduled_at == datetime(2026, 3, 29, 8, 0, tzinfo=timezone.utc)
    assert second.scheduled_at == datetime(2026, 3, 30, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("kwargs, message", [
    ({"scheduled_at": datetime(2020, 1, 1, tzinfo=timezone.utc), "publish_now": False}, "in the past"),
    ({"targets": []}, "at least one account"),
    ({"targets": [{"account_id": 999999}]}, "may not publish to account"),
    ({"targets": [{"account_id": "1"}]}, "account_id"),
    ({"text": ""}, "Write the text"),
    ({"text": "x" * 300}, "For Gatepost University on X"),
    ({"link": "javascript:alert(1)"}, "web address"),
    ({"declarations": [{"kind": "trust_me"}]}, "Each declaration needs a kind"),
    ({"media": [{"media_id": "../../etc/passwd"}]}, "uploaded to Gatepost"),
    ({"publish_now": True, "add_to_queue": True}, "Choose one of"),
])
def test_bad_input_is_refused_and_nothing_is_stored(org, db, kwargs, message):
    from scheduler.models import Post

    arguments = {"text": CLEAN_POST, "targets": [{"account_id": org["x"].id}], "publish_now": True, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        post_service.create_post(org["author"], org["comms"], **arguments)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_accounts_needing_reconnect_cannot_be_scheduled(org, db):
    org["x"].status = AccountStatus.needs_reconnect
    db.session.commit()
    with pytest.raises(InvalidInput, match="needs to be reconnected"):
        new_post(org)


def test_late_approval_follows_the_team_rule(org, db, emulator):
    post = new_post(org, PHONE_POST, scheduled_at=now_utc() + timedelta(minutes=10), publish_now=False)
    db.session.commit()
    with time_machine.travel(now_utc() + timedelta(minutes=30), tick=False):
        approvals.approve_post(org["manager"], post, post.content_hash)
        db.session.commit()
    assert reload(db, post).state == PostState.expired  # default: never publish late
    assert db.session.scalar(sa.select(Notification).where(Notification.kind == "post_expired"))

    org["comms"].late_approval_rule = "publish_late"
    late = new_post(org, PHONE_POST + " (2)", scheduled_at=now_utc() + timedelta(minutes=10), publish_now=False)
    db.session.commit()
    with time_machine.travel(now_utc() + timedelta(minutes=30), tick=False):
        approvals.approve_post(org["manager"], late, late.content_hash)
        db.session.commit()
        run_jobs()
    assert reload(db, late.targets[0]).state == TargetState.published


def test_reconciler_expires_posts_still_waiting_after_their_time(org, db):
    post = new_post(org, PHONE_POST, scheduled_at=now_utc() + timedelta(minutes=10), publish_now=False)
    db.session.commit()
    with time_machine.travel(now_utc() + timedelta(minutes=11), tick=False):
        assert reconcile()["expired"] == 1
    assert reload(db, post).state == PostState.expired


def test_a_person_settles_an_unconfirmed_target(org, db, emulator):
    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=1)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    target = reload(db, post.targets[0])
    post_service.mark_target_published(org["author"], target, "https://x.com/gatepost_uni/status/1")
    db.session.commit()
    assert reload(db, target).state == TargetState.published and reload(db, post).state == PostState.completed
    with pytest.raises(Conflict):
        post_service.retry_target(org["author"], reload(db, target))


def test_a_person_retries_a_failed_target(org, db, emulator):
    emulator.add_fault("duplicate", network="x", endpoint="publish", count=1)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    post_service.retry_target(org["author"], reload(db, post.targets[0]))
    db.session.commit()
    run_jobs()
    assert reload(db, post.targets[0]).state == TargetState.published
    assert len(publications(emulator)) == 1


def test_content_the_network_rejects_fails_with_its_message(org, db, emulator, monkeypatch):
    from platforms import PlatformError
    from platforms.x import XPlatform

    def refuse(self, token, external_id, draft, *, idempotency_key):
        raise PlatformError("invalid", "Your Tweet text is invalid: it contains a banned link", status=400)

    monkeypatch.setattr(XPlatform, "publish", refuse)
    post = new_post(org)
    db.session.commit()
    run_jobs()
    target = reload(db, post.targets[0])
    assert target.state == TargetState.failed
    assert target.last_error == "The network refused the post: Your Tweet text is invalid: it contains a banned link"
    assert target.attempts == 1  # never retried
