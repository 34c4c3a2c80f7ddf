"""The admin's policy pages: forms, the full text, preview, restore, and who may use them."""
from __future__ import annotations

import sqlalchemy as sa

from scheduler.models import PolicyVersion, PostState
from scheduler.policy_store import current_policy
from tests.scheduler.test_policy import later
from tests.scheduler.test_publishing import new_post, org, reload  # noqa: F401


def _admin(org):  # noqa: F811
    return org["admin_browser"]


def test_only_admins_reach_the_policy_pages(org, new_browser):  # noqa: F811
    manager = new_browser()
    manager.login("manager@example.org")
    assert manager.get("/admin/policy").status_code == 403
    assert manager.post("/admin/policy/actions", {"category": "reputation", "action": "off"}).status_code == 403
    assert _admin(org).get("/admin/policy").status_code == 200


def test_code_names_form_creates_a_version_and_holds_a_post(org, db):  # noqa: F811
    post = new_post(org, "Our new research centre, Project Heron, opens soon.", **later())
    db.session.commit()
    page = _admin(org).get("/admin/policy").get_data(as_text=True)
    assert "project kestrel" in page.lower() or "Confidential code names" in page
    response = _admin(org).post("/admin/policy/lists", {"section": "confidential", "key": "code_names",
                                                        "values": "project heron\nproject swift\n"})
    assert response.status_code == 303
    assert "1 now wait for sign-off" in _admin(org).get("/admin/policy").get_data(as_text=True)
    assert reload(db, post).state == PostState.awaiting_approval
    assert db.session.scalar(sa.select(PolicyVersion).where(PolicyVersion.is_active.is_(True))).note \
        == "edited confidential code names"


def test_embargo_form_uses_the_admins_time_zone(org, db):  # noqa: F811
    _admin(org).post("/admin/policy/embargoes", {"term": "Heron Prize", "lift": "2027-07-01T09:00", "note": "PR"})
    embargoes = current_policy().data["confidential"]["embargoes"]
    heron = next(e for e in embargoes if e["term"] == "heron prize")
    assert str(heron["lift"]).startswith("2027-07-01 08:00")  # 09:00 in London summer time
    page = _admin(org).post("/admin/policy/embargoes", {"term": "x", "lift": "2027-03-28T01:30"})
    assert page.status_code == 400 and "does not exist" in page.get_data(as_text=True)


def test_bad_text_is_refused_with_the_line_and_nothing_changes(org, db):  # noqa: F811
    before = current_policy().version
    response = _admin(org).post("/admin/policy/text", {"source_text": "policy: [unclosed\n", "note": "oops"})
    assert response.status_code == 400 and "line" in response.get_data(as_text=True)
    assert current_policy().version == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyVersion)) == 0


def test_preview_then_restore(org, db):  # noqa: F811
    new_post(org, "Our new research centre, Project Heron, opens soon.", **later())
    db.session.commit()
    from scheduler.services import policy as policy_service

    text = policy_service.with_list(policy_service.active_text(), "confidential", "code_names", ["project heron"])
    preview = _admin(org).post("/admin/policy/text", {"source_text": text, "preview": "1"})
    assert preview.status_code == 200 and "would be treated differently" in preview.get_data(as_text=True)
    assert "Project Heron" in preview.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyVersion)) == 0
    _admin(org).post("/admin/policy/actions", {"category": "reputation", "action": "off"})
    _admin(org).post("/admin/policy/actions", {"category": "reputation", "action": "flag"})
    first = db.session.scalar(sa.select(PolicyVersion).order_by(PolicyVersion.id).limit(1))
    assert _admin(org).post(f"/admin/policy/versions/{first.id}/restore").status_code == 303
    assert current_policy().version == first.version
    assert _admin(org).post("/admin/policy/versions/999999/restore").status_code == 303
