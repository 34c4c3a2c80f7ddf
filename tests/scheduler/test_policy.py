"""Policy versions, preview, activation re-checks, and embargoes lifting by themselves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from scheduler.models import Notification, PolicyVersion, PostState, TargetState, now_utc
from scheduler.policy_store import current_policy
from scheduler.services import approvals
from scheduler.services import policy as policy_service
from scheduler.services.errors import InvalidInput
from tests.scheduler.test_publishing import CLEAN_POST, PHONE_POST, new_post, org, reload  # noqa: F401

LATER = {"scheduled_at": None, "publish_now": False}


def later(minutes=120):
    return {"scheduled_at": now_utc() + timedelta(minutes=minutes), "publish_now": False}


def test_a_bad_policy_is_refused_with_its_line_and_the_old_one_stays(org, db):  # noqa: F811
    before = current_policy().version
    with pytest.raises(InvalidInput, match="line"):
        policy_service.save_version(org["admin"], policy_service.active_text() + "\nactions: [oops\n")
    db.session.rollback()
    assert current_policy().version == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyVersion)) == 0


def test_a_new_code_name_holds_a_scheduled_post_and_tells_people(org, db):  # noqa: F811
    post = new_post(org, "Our new research centre, Project Heron, opens its doors to visitors soon.", **later())
    other = new_post(org, CLEAN_POST, **later())
    db.session.commit()
    assert post.state == PostState.scheduled
    text = policy_service.with_list(policy_service.active_text(), "confidential", "code_names",
                                    ["project heron"])
    version, report = policy_service.save_version(org["admin"], text, note="Heron is confidential")
    db.session.commit()
    assert version.is_active and current_policy().version == version.version
    assert report == {"checked": 2, "held": 1, "cleared": 0, "unchanged": 1}
    assert reload(db, post).state == PostState.awaiting_approval
    assert reload(db, post).targets[0].state == TargetState.pending
    assert reload(db, other).state == PostState.scheduled
    told = {n.user_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "post_held_by_policy"))}
    assert {org["author"].id, org["manager"].id} <= told


def test_an_approval_survives_a_policy_change_that_adds_no_flag(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST, **later())
    approvals.approve_post(org["manager"], post, post.content_hash)
    db.session.commit()
    text = policy_service.with_list(policy_service.active_text(), "confidential", "code_names", ["project heron"])
    report = policy_service.save_version(org["admin"], text)[1]
    db.session.commit()
    assert report["unchanged"] == 1 and reload(db, post).state == PostState.scheduled


def test_an_approval_does_not_survive_a_new_flag(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST + " Project Heron news soon.", **later())
    approvals.approve_post(org["manager"], post, post.content_hash)
    db.session.commit()
    text = policy_service.with_list(policy_service.active_text(), "confidential", "code_names", ["project heron"])
    policy_service.save_version(org["admin"], text)
    db.session.commit()
    assert reload(db, post).state == PostState.awaiting_approval


def test_embargo_lifts_by_itself(org, db):  # noqa: F811
    lift = now_utc() + timedelta(days=2)
    text = policy_service.with_embargo(policy_service.active_text(), "the heron prize", lift, "press release")
    policy_service.save_version(org["admin"], text)
    db.session.commit()
    post = new_post(org, "We are proud to announce the Heron Prize for student journalism.", **later(60 * 24 * 3))
    db.session.commit()
    assert post.state == PostState.awaiting_approval
    assert policy_service.release_lifted_embargoes() == 0
    with time_machine.travel(lift + timedelta(minutes=1), tick=False):
        assert policy_service.release_lifted_embargoes() == 1
        db.session.commit()
    assert reload(db, post).state == PostState.scheduled


def test_preview_shows_what_a_change_would_flag(org, db):  # noqa: F811
    new_post(org, "Our new research centre, Project Heron, opens its doors to visitors soon.", **later())
    new_post(org, CLEAN_POST, **later())
    db.session.commit()
    text = policy_service.with_list(policy_service.active_text(), "confidential", "code_names", ["project heron"])
    result = policy_service.preview(text)
    assert result["posts_compared"] == 2 and len(result["changes"]) == 1
    change = result["changes"][0]
    assert change["before"] == "clear" and change["after"] == "needs_approval"
    assert any(flag.startswith("confidential:") for flag in change["new_flags"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyVersion)) == 0  # nothing saved


def test_old_versions_are_kept_and_can_be_restored(org, db):  # noqa: F811
    first, _ = policy_service.save_version(org["admin"], policy_service.active_text(), note="baseline")
    text = policy_service.with_action(first.source_text, "reputation", "off")
    second, _ = policy_service.save_version(org["admin"], text, note="reputation off")
    db.session.commit()
    assert not reload(db, first).is_active and reload(db, second).is_active
    policy_service.restore_version(org["admin"], first.id)
    db.session.commit()
    assert current_policy().version == first.version
    versions = db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.id)).all()
    assert [v.note for v in versions] == ["baseline", "reputation off"]


def test_structured_edits_validate_their_input(org, db):  # noqa: F811
    text = policy_service.active_text()
    with pytest.raises(InvalidInput):
        policy_service.with_embargo(text, "", datetime(2027, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(InvalidInput):
        policy_service.with_action(text, "reputation", "maybe")
    with pytest.raises(InvalidInput):
        policy_service.with_list(text, "confidential", "code_names", ["x" * 300])


def test_managers_are_told_when_a_post_needs_them(org, db):  # noqa: F811
    new_post(org, PHONE_POST)
    db.session.commit()
    told = db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "approval_needed")).all()
    assert sorted(told) == sorted([org["manager"].id, org["manager2"].id])
