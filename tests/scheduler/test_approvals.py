"""Manager decisions: four eyes, notes, stale content, and who decides when the author is the only manager."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from scheduler.models import Approval, ApprovalDecision, Notification, PostState, TargetState
from scheduler.services import approvals
from scheduler.services import posts as post_service
from scheduler.services.errors import Conflict, InvalidInput
from tests.scheduler.test_publishing import PHONE_POST, new_post, org, reload, run_jobs  # noqa: F401


def test_request_changes_needs_a_note_and_returns_the_post_as_a_draft(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    with pytest.raises(InvalidInput, match="Say what needs to change"):
        approvals.request_changes(org["manager"], post, post.content_hash, "  ")
    approvals.request_changes(org["manager"], post, post.content_hash, "Please remove the phone number.")
    db.session.commit()
    assert post.state == PostState.draft
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == "changes_requested"))
    assert note.user_id == org["author"].id and "remove the phone number" in note.message
    # The author fixes it and submits again: the gate clears it.
    post_service.edit_post(org["author"], post, text="Congratulations to our student Jamie Lee!")
    post_service.submit_draft(org["author"], post)
    db.session.commit()
    assert post.state == PostState.scheduled


def test_reject_needs_a_note_and_cancels_the_targets(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    with pytest.raises(InvalidInput):
        approvals.reject_post(org["manager"], post, post.content_hash, None)
    approvals.reject_post(org["manager"], post, post.content_hash, "Not for the official account.")
    db.session.commit()
    assert post.state == PostState.rejected and post.targets[0].state == TargetState.cancelled
    with pytest.raises(Conflict):
        approvals.approve_post(org["manager2"], post, post.content_hash)


def test_members_cannot_decide(org, db, make):  # noqa: F811
    colleague = make.user("colleague@example.org", team=org["comms"])
    post = new_post(org, PHONE_POST)
    db.session.commit()
    with pytest.raises(Conflict, match="Only a manager"):
        approvals.approve_post(colleague, post, post.content_hash)
    assert db.session.scalar(sa.select(Approval)) is None


def test_when_the_author_is_the_only_manager_admins_decide(org, db, make):  # noqa: F811
    from scheduler.models import Membership

    db.session.execute(sa.delete(Membership).where(Membership.user_id == org["manager2"].id))
    db.session.commit()
    post = post_service.create_post(org["manager"], org["comms"], text=PHONE_POST,
                                    targets=[{"account_id": org["x"].id}], publish_now=True)
    db.session.commit()
    assert approvals.may_decide(org["admin"], post) and not approvals.may_decide(org["manager"], post)
    approvals.approve_post(org["admin"], post, post.content_hash)
    db.session.commit()
    assert db.session.scalar(sa.select(Approval)).decision == ApprovalDecision.approved


def test_admins_do_not_decide_while_a_team_manager_can(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    assert not approvals.may_decide(org["admin"], post)
    with pytest.raises(Conflict):
        approvals.approve_post(org["admin"], post, post.content_hash)


def test_an_admin_never_approves_their_own_post(org, db, make):  # noqa: F811
    from scheduler.models import Membership, TeamRole

    db.session.add(Membership(team_id=org["comms"].id, user_id=org["admin"].id, role=TeamRole.member))
    db.session.commit()
    post = post_service.create_post(org["admin"], org["comms"], text=PHONE_POST,
                                    targets=[{"account_id": org["x"].id}], publish_now=True)
    db.session.commit()
    with pytest.raises(Conflict, match="your own post"):
        approvals.approve_post(org["admin"], post, post.content_hash)


def test_a_post_waiting_too_long_escalates_to_the_admins(org, db):  # noqa: F811
    from datetime import timedelta

    import time_machine

    from scheduler.models import now_utc

    post = new_post(org, PHONE_POST, scheduled_at=now_utc() + timedelta(days=3), publish_now=False)
    db.session.commit()
    assert approvals.escalate_waiting_posts() == 0
    assert not approvals.may_decide(org["admin"], post)
    with time_machine.travel(now_utc() + timedelta(hours=25), tick=False):
        assert approvals.escalate_waiting_posts() == 1
        db.session.commit()
    post = reload(db, post)
    assert post.escalated_at is not None and approvals.may_decide(org["admin"], post)
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (org["admin"].id, "approval_escalated") in kinds and (org["author"].id, "post_escalated") in kinds
    assert approvals.escalate_waiting_posts() == 0  # once only


def test_a_post_near_its_slot_escalates_to_the_deputy(org, db, make):  # noqa: F811
    from datetime import timedelta

    from scheduler.models import now_utc

    deputy = make.user("deputy@example.org")
    org["comms"].deputy_user_id = deputy.id
    db.session.commit()
    post = new_post(org, PHONE_POST, scheduled_at=now_utc() + timedelta(minutes=30), publish_now=False)
    db.session.commit()
    assert approvals.escalate_waiting_posts() == 1
    db.session.commit()
    assert db.session.scalar(sa.select(Notification).where(Notification.kind == "approval_escalated")).user_id \
        == deputy.id
    approvals.approve_post(deputy, reload(db, post), post.content_hash)
    db.session.commit()
    assert reload(db, post).state == PostState.scheduled


def test_embargoed_content_never_goes_out_late_even_if_the_team_publishes_late(org, db):  # noqa: F811
    from datetime import timedelta

    import time_machine

    from scheduler.models import now_utc

    org["comms"].late_approval_rule = "publish_late"
    db.session.commit()
    post = new_post(org, "Big news, embargoed until 9am Friday: the Heron Prize winners.",
                    scheduled_at=now_utc() + timedelta(minutes=10), publish_now=False)
    db.session.commit()
    with time_machine.travel(now_utc() + timedelta(minutes=30), tick=False):
        approvals.approve_post(org["manager"], post, post.content_hash)
        db.session.commit()
    assert reload(db, post).state == PostState.expired


def test_a_manager_who_edited_a_post_cannot_sign_it_off(org, db):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    post_service.edit_post(org["manager"], post, text=PHONE_POST + " Well done!")
    db.session.commit()
    assert post.state == PostState.awaiting_approval and post.last_editor_id == org["manager"].id
    with pytest.raises(Conflict, match="You changed this post"):
        approvals.approve_post(org["manager"], post, post.content_hash)
    assert not approvals.may_decide(org["manager"], post)
    approvals.approve_post(org["manager2"], post, post.content_hash)  # the other manager may
    db.session.commit()
    assert post.state == PostState.scheduled
