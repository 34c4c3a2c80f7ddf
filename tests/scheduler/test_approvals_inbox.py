"""The approvals inbox: what a manager sees, and deciding from the page and the API."""
from __future__ import annotations

import sqlalchemy as sa

from scheduler.models import Approval, PostState, TargetState
from tests.scheduler.test_publishing import PHONE_POST, new_post, org, publications, reload, run_jobs  # noqa: F401


def _manager(new_browser):
    browser = new_browser()
    browser.login("manager@example.org")
    return browser


def test_the_inbox_shows_the_flag_highlighted_with_its_clause(org, db, new_browser):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    page = _manager(new_browser).get("/approvals").get_data(as_text=True)
    assert '<mark title="flag 1">07700 900123' in page
    assert "reveals personal information" in page and post.content_hash in page
    author = new_browser()
    author.login("author@example.org")
    assert "Nothing is waiting for you" in author.get("/approvals").get_data(as_text=True)  # not their own


def test_request_changes_edit_and_publish_on_time(org, db, new_browser, emulator):  # noqa: F811
    """The issue's walk-through: flagged, sent back, fixed, cleared, published."""
    from scheduler.services import posts as post_service
    from scheduler.services.audit import verify_chain

    post = new_post(org, PHONE_POST)
    db.session.commit()
    manager = _manager(new_browser)
    refused = manager.post(f"/approvals/{post.id}", {"decision": "request_changes",
                                                      "content_hash": post.content_hash, "note": ""})
    assert refused.status_code == 303 and reload(db, post).state == PostState.awaiting_approval
    manager.post(f"/approvals/{post.id}", {"decision": "request_changes", "content_hash": post.content_hash,
                                           "note": "Please remove the student's phone number."})
    assert reload(db, post).state == PostState.draft
    post = reload(db, post)
    post_service.edit_post(org["author"], post, text="Congratulations to our student Jamie Lee!")
    post_service.submit_draft(org["author"], post)
    db.session.commit()
    assert post.state == PostState.scheduled
    run_jobs()
    assert reload(db, post.targets[0]).state == TargetState.published and len(publications(emulator)) == 1
    actions = [e for e in db.session.scalars(sa.text(
        "SELECT action FROM audit_events WHERE subject_type IN ('post', 'post_target') ORDER BY sequence"))]
    for step in ("post.created", "post.gate_verdict", "post.awaiting_approval", "post.changes_requested",
                 "post.draft", "post.edited", "post.scheduled", "target.published"):
        assert step in actions
    assert verify_chain(db.session).intact


def test_a_stale_decision_is_refused(org, db, new_browser):  # noqa: F811
    from scheduler.services import posts as post_service

    post = new_post(org, PHONE_POST)
    db.session.commit()
    seen = post.content_hash
    post_service.edit_post(org["author"], post, text=PHONE_POST + " Well done!")
    db.session.commit()
    manager = _manager(new_browser)
    response = manager.api("POST", f"/api/posts/{post.id}/decision", {"decision": "approve", "content_hash": seen})
    assert response.status_code == 409 and "changed after you opened it" in response.json["error"]["message"]
    assert db.session.scalar(sa.select(Approval)) is None


def test_api_inbox_and_decision(org, db, new_browser):  # noqa: F811
    post = new_post(org, PHONE_POST)
    db.session.commit()
    manager = _manager(new_browser)
    listed = manager.api("GET", "/api/approvals").json["data"]
    assert [p["id"] for p in listed] == [post.id]
    for body, status in (({"decision": "maybe", "content_hash": post.content_hash}, 400),
                         ({"decision": "approve"}, 400), ({"decision": "approve", "content_hash": 5}, 400),
                         ({"decision": "reject", "content_hash": post.content_hash}, 400)):
        assert manager.api("POST", f"/api/posts/{post.id}/decision", body).status_code == status
    ok = manager.api("POST", f"/api/posts/{post.id}/decision", {"decision": "approve",
                                                                 "content_hash": post.content_hash})
    assert ok.status_code == 201 and ok.json["data"]["decision"] == "approved"
    assert reload(db, post).state == PostState.scheduled


def test_who_may_decide(org, db, new_browser, make):  # noqa: F811
    other_team = make.team("Other")
    make.user("outsider.manager@example.org", team=other_team, role="manager")
    post = new_post(org, PHONE_POST)
    db.session.commit()
    author = new_browser()
    author.login("author@example.org")
    body = {"decision": "approve", "content_hash": post.content_hash}
    assert author.api("POST", f"/api/posts/{post.id}/decision", body).status_code == 403
    outsider = new_browser()
    outsider.login("outsider.manager@example.org")
    assert outsider.api("POST", f"/api/posts/{post.id}/decision", body).status_code == 404
    assert org["admin_browser"].api("POST", f"/api/posts/{post.id}/decision", body).status_code == 403
    assert reload(db, post).state == PostState.awaiting_approval
