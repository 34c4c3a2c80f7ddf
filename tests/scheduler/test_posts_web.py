"""Posts through the pages and the JSON API: compose, the gate's flags, per-account status, settling
unconfirmed targets, slots and the queue, time zones, media upload, bad input and team isolation."""
from __future__ import annotations

import hashlib
import html
import io
import re
import struct
import zlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from scheduler.models import (AccountGrant, AccountPurpose, AccountStatus, AuditEvent, GateVerdict, Post,
                              PostingSlot, PostState, PostTarget, SocialAccount, TargetState, now_utc)
from scheduler.services import posts as post_service
from tests.scheduler.test_accounts import connect
from tests.scheduler.test_publishing import CLEAN_POST, PHONE_POST, publications, reload, run_jobs


@pytest.fixture
def org(make, new_browser, emulator, db):
    comms, computing = make.team("Comms"), make.team("Computing")
    people = {
        "comms": comms, "computing": computing,
        "admin": make.user("admin@example.org", is_admin=True),
        "author": make.user("author@example.org", team=comms),
        "manager": make.user("manager@example.org", team=comms, role="manager"),
        "outsider": make.user("outsider@example.org", team=computing),
    }
    admin = new_browser()
    admin.login("admin@example.org")
    connect(admin, {"comms": comms}, emulator, "x")
    people["x"] = db.session.scalar(sa.select(SocialAccount).where(SocialAccount.platform == "x"))
    people["admin_browser"] = admin
    return people


def signed_in(new_browser, email):
    browser = new_browser()
    assert browser.login(email).status_code == 302
    return browser


@pytest.fixture
def author(new_browser, org):
    return signed_in(new_browser, "author@example.org")


def stored_rows(db) -> dict:
    db.session.expire_all()
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Post, PostTarget, GateVerdict, AuditEvent, PostingSlot)}


def local_wall_time(days_ahead: int, zone: str, hour: int = 10) -> str:
    day = (now_utc().astimezone(ZoneInfo(zone)) + timedelta(days=days_ahead)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


def extra_account(db, owner, external_id, *, granted_to=None, platform="x"):
    """An account straight in the database, for listing and refusals (nothing is published to it)."""
    account = SocialAccount(platform=platform, external_id=external_id, kind="user", name=f"Account {external_id}",
                            purpose_kind=AccountPurpose.unit, purpose="News", owning_team_id=owner.id)
    db.session.add(account)
    db.session.flush()
    for team in granted_to or [owner]:
        db.session.add(AccountGrant(account_id=account.id, team_id=team.id))
    db.session.commit()
    return account


def png_bytes(width=2, height=2) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def compose_form(org, text=CLEAN_POST, **extra):
    return {"text": text, "account": str(org["x"].id), "when": "at",
            "scheduled_local": local_wall_time(2, "Europe/London"), **extra}


def create_via_service(org, text=CLEAN_POST, accounts=None, **kw):
    if not any(k in kw for k in ("scheduled_at", "publish_now", "add_to_queue")):
        kw["scheduled_at"] = now_utc() + timedelta(days=1)
    post = post_service.create_post(org["author"], org["comms"], text=text,
                                    targets=[{"account_id": a.id} for a in (accounts or [org["x"]])], **kw)
    from scheduler.extensions import db

    db.session.commit()
    return post


def api_post(browser, org, **body):
    body.setdefault("text", CLEAN_POST)
    body.setdefault("targets", [{"account_id": org["x"].id}])
    return browser.api("POST", f"/api/teams/{org['comms'].id}/posts", body)


# --- compose: pages -----------------------------------------------------------------

def test_a_clear_post_composed_on_the_page_is_scheduled_in_the_authors_zone(org, author, db):
    org["author"].time_zone = "America/New_York"
    db.session.commit()
    wall = local_wall_time(3, "America/New_York", hour=9)
    page = author.get(f"/teams/{org['comms'].id}/posts/new").get_data(as_text=True)
    assert "Gatepost University" in page and "America/New_York" in page
    response = author.post(f"/teams/{org['comms'].id}/posts/new", compose_form(org, scheduled_local=wall))
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    post = db.session.scalar(sa.select(Post))
    assert post.state == PostState.scheduled
    expected = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo("America/New_York")).astimezone(timezone.utc)
    assert post.scheduled_at == expected
    detail = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "scheduled" in detail and "Scheduled." in detail
    # Shown back in the viewer's zone, not in UTC.
    assert f"{datetime.fromisoformat(wall):%d %b %Y}, 09:00" in detail


def test_a_post_with_a_phone_number_waits_and_its_flag_is_highlighted(org, author, db):
    response = author.post(f"/teams/{org['comms'].id}/posts/new", compose_form(org, PHONE_POST))
    assert response.status_code == 303
    post = db.session.scalar(sa.select(Post))
    assert post.state == PostState.awaiting_approval
    detail = author.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "waiting for a manager" in detail
    marked = re.findall(r'<mark class="flagged"[^>]*>(.*?)<sup>', detail, re.S)
    assert any("07700 900123" in m for m in marked), marked
    verdict = db.session.scalar(sa.select(GateVerdict).where(GateVerdict.content_hash == post.content_hash))
    flag = next(f for f in verdict.flags if f["category"] == "personal_data")
    text = html.unescape(detail)
    assert flag["explanation"] in text and flag["clause"] in text and "personal data" in text


def test_a_flag_in_a_per_network_variant_is_highlighted_in_that_variant(org, author, db):
    response = author.post(f"/teams/{org['comms'].id}/posts/new",
                           compose_form(org, **{f"variant_{org['x'].id}": "Well done Jamie! Call 07700 900123."}))
    assert response.status_code == 303
    post = db.session.scalar(sa.select(Post))
    assert post.state == PostState.awaiting_approval and post.targets[0].text_variant
    page = author.get(f"/posts/{post.id}").get_data(as_text=True)
    main_text, variant = page.split("<h2>Text for Gatepost University</h2>")
    assert "<mark" not in main_text.split("<h2>Text</h2>")[1]
    assert re.search(r'<mark class="flagged"[^>]*>07700 900123<sup>', variant)


def test_a_refused_compose_keeps_what_was_typed_and_stores_nothing(org, author, db):
    before = stored_rows(db)
    response = author.post(f"/teams/{org['comms'].id}/posts/new",
                           compose_form(org, "x" * 300, link="javascript:alert(1)"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "web address" in page and "x" * 300 in page
    assert stored_rows(db) == before


def test_compose_page_offers_only_connected_accounts_granted_to_the_team(org, author, db):
    granted_elsewhere = extra_account(db, org["computing"], "77")
    broken = extra_account(db, org["comms"], "78")
    broken.status = AccountStatus.needs_reconnect
    db.session.commit()
    page = author.get(f"/teams/{org['comms'].id}/posts/new").get_data(as_text=True)
    assert f'value="{org["x"].id}"' in page
    assert f'name="account" value="{granted_elsewhere.id}"' not in page
    assert f'name="account" value="{broken.id}"' not in page


def test_a_time_in_the_spring_forward_gap_is_refused_with_a_clear_message(org, author, db):
    before = stored_rows(db)
    # Europe/London jumps from 01:00 to 02:00 on Sunday 28 March 2027.
    response = author.post(f"/teams/{org['comms'].id}/posts/new",
                           compose_form(org, scheduled_local="2027-03-28T01:30"))
    assert response.status_code == 400
    assert "2027-03-28 01:30 does not exist in Europe/London" in response.get_data(as_text=True)
    api = api_post(author, org, scheduled_at="2027-03-28T01:30")
    assert api.status_code == 400 and api.json["error"]["field"] == "scheduled_at"
    assert "does not exist in Europe/London (the clocks go forward then)" in api.json["error"]["message"]
    assert stored_rows(db) == before


def test_edit_on_the_page_runs_the_gate_again(org, author, db):
    post = create_via_service(org)
    assert post.state == PostState.scheduled
    form = author.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert CLEAN_POST in form
    response = author.post(f"/posts/{post.id}/edit", {"text": PHONE_POST, "account": str(org["x"].id)})
    assert response.status_code == 303
    assert reload(db, post).state == PostState.awaiting_approval
    assert "waiting for a manager" in author.get(f"/posts/{post.id}").get_data(as_text=True)


def test_a_draft_sent_back_by_a_manager_shows_the_note_and_is_submitted_again(org, author, new_browser, db):
    from scheduler.services.approvals import request_changes

    post = create_via_service(org, PHONE_POST)
    request_changes(org["manager"], post, post.content_hash, "Use the press office number instead.")
    db.session.commit()
    page = author.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "asked for changes: Use the press office number instead." in html.unescape(page)
    assert "Send to be checked again" in page
    author.post(f"/posts/{post.id}/edit", {"text": CLEAN_POST, "account": str(org["x"].id)})
    assert reload(db, post).state == PostState.draft  # editing a draft does not submit it
    assert author.post(f"/posts/{post.id}/submit").status_code == 303
    assert reload(db, post).state == PostState.scheduled
    again = author.api("POST", f"/api/posts/{post.id}/submit")
    assert again.status_code == 409 and "Only a draft" in again.json["error"]["message"]
    decisions = author.api("GET", f"/api/posts/{post.id}").json["data"]["decisions"]
    assert [(d["decision"], d["note"]) for d in decisions] == \
        [("changes_requested", "Use the press office number instead.")]


def test_reschedule_and_cancel_on_the_page(org, author, db):
    post = create_via_service(org)
    wall = local_wall_time(5, "Europe/London", hour=14)
    assert author.post(f"/posts/{post.id}/schedule", {"when": "at", "scheduled_local": wall}).status_code == 303
    expected = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo("Europe/London")).astimezone(timezone.utc)
    assert reload(db, post).scheduled_at == expected
    refused = author.post(f"/posts/{post.id}/schedule", {"when": "at", "scheduled_local": "2020-01-01T09:00"})
    assert "in the past" in author.get(refused.headers["Location"]).get_data(as_text=True)
    assert reload(db, post).scheduled_at == expected
    assert author.post(f"/posts/{post.id}/cancel").status_code == 303
    post = reload(db, post)
    assert post.state == PostState.cancelled and post.targets[0].state == TargetState.cancelled
    assert "Edit the content" not in author.get(f"/posts/{post.id}").get_data(as_text=True)


# --- compose: API -----------------------------------------------------------------------

def test_api_create_clear_and_flagged(org, author, db):
    clear = api_post(author, org, scheduled_at=local_wall_time(2, "Europe/London"))
    assert clear.status_code == 201, clear.json
    assert clear.json["data"]["state"] == "scheduled" and clear.json["data"]["verdict"]["decision"] == "clear"
    flagged = api_post(author, org, text=PHONE_POST, publish_now=True)
    assert flagged.status_code == 201
    data = flagged.json["data"]
    assert data["state"] == "awaiting_approval" and data["state_text"] == "waiting for a manager"
    flag = next(f for f in data["verdict"]["flags"] if f["category"] == "personal_data")
    assert "07700 900123" in PHONE_POST[flag["start"]:flag["end"]]
    assert data["targets"][0]["state"] == "pending"


def test_api_time_with_an_offset_is_that_instant_and_naive_is_the_authors_zone(org, author, db):
    org["author"].time_zone = "Asia/Tokyo"
    db.session.commit()
    day = (now_utc() + timedelta(days=4)).date().isoformat()
    with_offset = api_post(author, org, scheduled_at=f"{day}T09:00:00+02:00").json["data"]
    assert with_offset["scheduled_at"] == f"{day}T07:00:00+00:00"
    naive = api_post(author, org, text="Another clear post about the library.", scheduled_at=f"{day}T09:00")
    assert naive.json["data"]["scheduled_at"] == f"{day}T00:00:00+00:00"
    assert naive.json["data"]["scheduled_at_local"] == f"{day}T09:00:00+09:00"


def test_api_edit_reschedule_and_cancel(org, author, db):
    post_id = api_post(author, org, scheduled_at=local_wall_time(2, "Europe/London")).json["data"]["id"]
    edited = author.api("PATCH", f"/api/posts/{post_id}", {"text": PHONE_POST})
    assert edited.status_code == 200 and edited.json["data"]["state"] == "awaiting_approval"
    assert author.api("PATCH", f"/api/posts/{post_id}", {}).status_code == 400
    assert author.api("PATCH", f"/api/posts/{post_id}", {"state": "scheduled"}).json["error"]["field"] == "state"
    moved = author.api("POST", f"/api/posts/{post_id}/schedule", {"scheduled_at": "2099-06-01T12:00:00Z"})
    assert moved.status_code == 200 and moved.json["data"]["scheduled_at"] == "2099-06-01T12:00:00+00:00"
    both = author.api("POST", f"/api/posts/{post_id}/schedule", {"publish_now": True, "add_to_queue": True})
    assert both.status_code == 400 and "Choose one of" in both.json["error"]["message"]
    cancelled = author.api("POST", f"/api/posts/{post_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["data"]["state"] == "cancelled"
    again = author.api("POST", f"/api/posts/{post_id}/cancel")
    assert again.status_code == 409 and "nothing to cancel" in again.json["error"]["message"]


BAD_BODIES = [
    ("no body", None, 400, "Send a JSON object"),
    ("not an object", [1, 2], 400, "Send a JSON object"),
    ("unknown field", {"colour": "red"}, 400, "Unknown field: colour"),
    ("missing text", {"text": None, "_drop": "text"}, 400, "Missing field: text"),
    ("missing targets", {"_drop": "targets"}, 400, "Missing field: targets"),
    ("empty text", {"text": "   "}, 400, "Write the text"),
    ("text not text", {"text": 42}, 400, "Write the text"),
    ("text too long", {"text": "a" * 10_001}, 400, "too long"),
    ("too long for X", {"text": "a" * 300}, 400, "For Gatepost University on X"),
    ("no targets", {"targets": []}, 400, "at least one account"),
    ("targets not a list", {"targets": "x"}, 400, "at least one account"),
    ("account id as text", {"targets": [{"account_id": "1"}]}, 400, "whole number"),
    ("unknown account", {"targets": [{"account_id": 999999}]}, 400, "may not publish to account 999999"),
    ("unknown target field", {"targets": [{"account_id": "{x}", "network": "x"}]}, 400,
     "Unknown field in targets: network"),
    ("same account twice", {"targets": [{"account_id": "{x}"}, {"account_id": "{x}"}]}, 400, "chosen twice"),
    ("variant not text", {"targets": [{"account_id": "{x}", "text_variant": 5}]}, 400, "variant must be text"),
    ("bad link", {"link": "javascript:alert(1)"}, 400, "web address"),
    ("link not text", {"link": ["https://example.org"]}, 400, "web address"),
    ("link too long", {"link": "https://example.org/" + "a" * 2000}, 400, "web address"),
    ("reference too long", {"declarations": [{"kind": "consent", "reference": "r" * 301}]}, 400, "at most 300"),
    ("media not a list", {"media": "picture.png"}, 400, "at most 4 images"),
    ("unknown media", {"media": [{"media_id": "0" * 64 + ".png"}]}, 400, "not found"),
    ("media path", {"media": [{"media_id": "../../etc/passwd"}]}, 400, "uploaded to Gatepost"),
    ("unknown media field", {"media": [{"media_id": "0" * 64 + ".png", "url": "x"}]}, 400,
     "Unknown field in media: url"),
    ("bad declaration", {"declarations": [{"kind": "trust_me"}]}, 400, "Each declaration needs a kind"),
    ("past time", {"scheduled_at": "2020-01-01T09:00"}, 400, "in the past"),
    ("time not text", {"scheduled_at": 1767225600}, 400, "Give a date and time"),
    ("time nonsense", {"scheduled_at": "next tuesday"}, 400, "is not a date and time"),
    ("publish_now not bool", {"publish_now": "yes", "scheduled_at": None}, 400, "publish_now must be true or false"),
    ("no when", {"scheduled_at": None}, 400, "Choose one of"),
    ("two whens", {"publish_now": True}, 400, "Choose one of"),
    ("queue without slots", {"add_to_queue": True, "scheduled_at": None}, 400, "no posting slot in common"),
]


@pytest.mark.parametrize("body, status, message", [b[1:] for b in BAD_BODIES], ids=[b[0] for b in BAD_BODIES])
def test_api_bad_input_is_a_clear_4xx_and_stores_nothing(org, author, db, body, status, message):
    before = stored_rows(db)
    if isinstance(body, dict):
        full = {"text": CLEAN_POST, "targets": [{"account_id": org["x"].id}],
                "scheduled_at": local_wall_time(2, "Europe/London")}
        full.update({k: v for k, v in body.items() if k != "_drop"})
        full.pop(body.get("_drop"), None)
        for target in full["targets"] if isinstance(full.get("targets"), list) else []:
            if target.get("account_id") == "{x}":
                target["account_id"] = org["x"].id
        body = full
    response = author.client.post(f"/api/teams/{org['comms'].id}/posts", json=body,
                                  headers={"X-CSRFToken": author.csrf()})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.json["ok"] is False and message in response.json["error"]["message"]
    assert stored_rows(db) == before


@pytest.mark.parametrize("method, path, body, status, message", [
    ("PATCH", "", {"text": ""}, 400, "Write the text"),
    ("PATCH", "", {"targets": [{"account_id": 999999}]}, 400, "may not publish to account"),
    ("PATCH", "", {"text": CLEAN_POST, "team_id": 2}, 400, "Unknown field: team_id"),
    ("PATCH", "", [], 400, "Send a JSON object"),
    ("POST", "/schedule", {"scheduled_at": "2020-01-01T00:00Z"}, 400, "in the past"),
    ("POST", "/schedule", {"scheduled_at": "2027-03-28T01:30"}, 400, "does not exist"),
    ("POST", "/schedule", {"when": "now"}, 400, "Unknown field: when"),
    ("POST", "/schedule", {}, 400, "Choose one of"),
])
def test_api_bad_edits_change_nothing(org, author, db, method, path, body, status, message):
    post = create_via_service(org)
    before, scheduled_at = stored_rows(db), post.scheduled_at
    response = author.client.open(f"/api/posts/{post.id}{path}", method=method, json=body,
                                  headers={"X-CSRFToken": author.csrf()})
    assert response.status_code == status and message in response.json["error"]["message"], response.json
    assert stored_rows(db) == before
    post = reload(db, post)
    assert (post.text, post.scheduled_at, post.state) == (CLEAN_POST, scheduled_at, PostState.scheduled)


def test_api_refuses_accounts_not_granted_or_needing_reconnect(org, author, db):
    elsewhere = extra_account(db, org["computing"], "88")
    before = stored_rows(db)
    refused = api_post(author, org, targets=[{"account_id": elsewhere.id}], publish_now=True)
    assert refused.status_code == 400 and "an admin must grant it first" in refused.json["error"]["message"]
    org["x"].status = AccountStatus.needs_reconnect
    db.session.commit()
    held = api_post(author, org, publish_now=True)
    assert held.status_code == 400 and "needs to be reconnected" in held.json["error"]["message"]
    assert stored_rows(db) == before


def test_api_unknown_ids_are_404(org, author, db):
    post = create_via_service(org)
    other = create_via_service(org, "A different clear post about the open day.")
    assert author.api("GET", "/api/posts/999999").status_code == 404
    assert author.api("POST", "/api/teams/999999/posts", {"text": "x", "targets": []}).status_code == 404
    wrong_target = author.api("POST", f"/api/posts/{post.id}/targets/{other.targets[0].id}/retry")
    assert wrong_target.status_code == 404 and wrong_target.json["ok"] is False


# --- listing -----------------------------------------------------------------------------------

def test_list_filters_and_pagination_in_the_api(org, author, db):
    second = extra_account(db, org["comms"], "99")
    base = now_utc() + timedelta(days=10)
    for i in range(5):
        create_via_service(org, f"Clear post number {i} about the library.", scheduled_at=base + timedelta(days=i))
    on_second = create_via_service(org, "Clear post for the second account.", accounts=[second],
                                   scheduled_at=base + timedelta(days=20))
    flagged = create_via_service(org, PHONE_POST, scheduled_at=base + timedelta(days=30))
    url = f"/api/teams/{org['comms'].id}/posts"

    everything = author.api("GET", url).json["data"]
    assert everything["total"] == 7 and everything["posts"][0]["id"] == flagged.id  # newest first
    waiting = author.api("GET", f"{url}?state=awaiting_approval").json["data"]
    assert [p["id"] for p in waiting["posts"]] == [flagged.id]
    assert [p["id"] for p in author.api("GET", f"{url}?account_id={second.id}").json["data"]["posts"]] == \
        [on_second.id]
    day = lambda moment: moment.astimezone(ZoneInfo("Europe/London")).date().isoformat()  # noqa: E731
    ranged = author.api("GET", f"{url}?from={day(base + timedelta(days=1))}&to={day(base + timedelta(days=3))}")
    assert ranged.json["data"]["total"] == 3

    pages = [author.api("GET", f"{url}?order=scheduled&per_page=3&page={n}").json["data"] for n in (1, 2, 3)]
    assert [len(p["posts"]) for p in pages] == [3, 3, 1] and [p["has_next"] for p in pages] == [True, True, False]
    in_order = [p["scheduled_at"] for page in pages for p in page["posts"]]
    assert in_order == sorted(in_order)

    for query, field in (("per_page=1000", "per_page"), ("page=0", "page"), ("state=lost", "state"),
                         ("account_id=abc", "account_id"), ("from=yesterday", "from"), ("order=random", "order")):
        bad = author.api("GET", f"{url}?{query}")
        assert bad.status_code == 400 and bad.json["error"]["field"] == field, query


def test_list_page_filters_and_pages(org, author, db):
    base = now_utc() + timedelta(days=10)
    for i in range(21):
        create_via_service(org, f"Clear post number {i} about the library.", scheduled_at=base + timedelta(hours=i))
    create_via_service(org, PHONE_POST, scheduled_at=base - timedelta(hours=1))
    url = f"/teams/{org['comms'].id}/posts"
    first = author.get(url).get_data(as_text=True)
    assert first.count('<tr>') - 1 == 20 and "22 posts" in first and 'rel="next"' in first
    second = author.get(f"{url}?page=2").get_data(as_text=True)
    assert second.count('<tr>') - 1 == 2 and 'rel="prev"' in second
    waiting = author.get(f"{url}?state=awaiting_approval").get_data(as_text=True)
    assert "1 post" in waiting and "Jamie Lee" in waiting and "number 3 " not in waiting
    for query, message in (("from=soon", "is not a date and time"), ("page=two", "page must be a whole number"),
                           ("state=lost", "state must be one of")):
        bad = author.get(f"{url}?{query}")
        assert bad.status_code == 400 and message in bad.get_data(as_text=True), query
    by_time = author.get(f"{url}?order=scheduled").get_data(as_text=True)
    assert by_time.index("Jamie Lee") < by_time.index("number 0 ")


# --- per-target status, partial success, settling ------------------------------------------------

def test_partial_success_is_shown_per_account(org, author, emulator, db):
    location = connect(org["admin_browser"], {"comms": org["comms"]}, emulator, "linkedin").headers["Location"]
    org["admin_browser"].post(location, {"external_id": "3000001"})
    linkedin = db.session.scalar(sa.select(SocialAccount).where(SocialAccount.platform == "linkedin"))
    emulator.add_fault("duplicate", network="x", endpoint="publish", count=1)
    created = api_post(author, org, targets=[{"account_id": org["x"].id}, {"account_id": linkedin.id}],
                       publish_now=True)
    assert created.status_code == 201, created.json
    post_id = created.json["data"]["id"]
    run_jobs()

    data = author.api("GET", f"/api/posts/{post_id}").json["data"]
    by_account = {t["account_id"]: t for t in data["targets"]}
    assert by_account[org["x"].id]["state"] == "failed" and "already posted" in by_account[org["x"].id]["last_error"]
    assert by_account[linkedin.id]["state"] == "published" and by_account[linkedin.id]["external_url"]
    assert by_account[org["x"].id]["attempts"] and by_account[org["x"].id]["needs_a_person"]
    assert data["state"] == "completed"  # the post is done; its parts say how it went

    page = author.get(f"/posts/{post_id}").get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="target-row" id="target-(\d+)">(.*?)</tr>', page, re.S))
    x_row, linkedin_row = rows[str(by_account[org["x"].id]["id"])], rows[str(by_account[linkedin.id]["id"])]
    assert "1 published · 1 failed" in page or "1 failed · 1 published" in page
    assert "failed" in x_row and "already posted" in x_row and "Retry" in x_row
    assert "published" in linkedin_row and by_account[linkedin.id]["external_url"] in linkedin_row
    assert "Retry" not in linkedin_row

    retried = author.post(f"/posts/{post_id}/targets/{by_account[org['x'].id]['id']}/retry")
    assert retried.status_code == 303
    run_jobs()
    target = db.session.get(PostTarget, by_account[org["x"].id]["id"])
    assert reload(db, target).state == TargetState.published
    assert len(publications(emulator)) == 1


def test_unconfirmed_target_is_settled_on_the_page_or_through_the_api(org, author, emulator, db):
    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=2)
    first = create_via_service(org, publish_now=True)
    second = create_via_service(org, "Another clear post: the café opens at eight.", publish_now=True)
    run_jobs()
    page = author.get(f"/posts/{first.id}").get_data(as_text=True)
    assert "sent, outcome unknown" in page and "Check the account, then mark as published or retry." in page
    assert "Mark as published" in page and "Retry" in page

    url = "https://x.com/gatepost_uni/status/42"
    response = author.post(f"/posts/{first.id}/targets/{first.targets[0].id}/mark-published", {"url": url})
    assert response.status_code == 303
    target = reload(db, first.targets[0])
    assert target.state == TargetState.published and target.external_url == url
    assert "Marked as published" in author.get(f"/posts/{first.id}").get_data(as_text=True)
    twice = author.post(f"/posts/{first.id}/targets/{first.targets[0].id}/retry")
    assert "can be retried" in author.get(twice.headers["Location"]).get_data(as_text=True)

    bad_url = author.api("POST", f"/api/posts/{second.id}/targets/{second.targets[0].id}/mark-published",
                         {"url": "not a url"})
    assert bad_url.status_code == 400 and reload(db, second.targets[0]).state == TargetState.unconfirmed
    retried = author.api("POST", f"/api/posts/{second.id}/targets/{second.targets[0].id}/retry")
    assert retried.status_code == 200 and retried.json["data"]["targets"][0]["state"] == "scheduled"
    assert retried.json["data"]["state"] == "scheduled"


# --- slots and the queue -----------------------------------------------------------------------

def test_managers_keep_the_timetable_and_add_to_queue_uses_it(org, author, new_browser, db):
    manager = signed_in(new_browser, "manager@example.org")
    url = f"/teams/{org['comms'].id}/slots"
    for weekday in range(7):
        response = manager.post(url, {"account_id": str(org["x"].id), "weekday": str(weekday), "time": "09:15"})
        assert response.status_code == 303
    page = manager.get(url).get_data(as_text=True)
    assert page.count("09:15") >= 7 and "Europe/London" in page
    duplicate = manager.post(url, {"account_id": str(org["x"].id), "weekday": "0", "time": "09:15"})
    assert duplicate.status_code == 409 and "already a slot on Monday at 09:15" in duplicate.get_data(as_text=True)
    assert manager.post(url, {"account_id": str(org["x"].id), "weekday": "0", "time": "25:00"}).status_code == 400
    assert manager.post(url, {"account_id": "999999", "weekday": "0", "time": "10:00"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PostingSlot)) == 7

    assert author.post(url, {"account_id": str(org["x"].id), "weekday": "1", "time": "10:00"}).status_code == 403
    member_view = author.get(url).get_data(as_text=True)
    assert "09:15" in member_view and "Add slot" not in member_view

    queued = api_post(author, org, add_to_queue=True)
    assert queued.status_code == 201
    local = datetime.fromisoformat(queued.json["data"]["scheduled_at"]).astimezone(ZoneInfo("Europe/London"))
    assert (local.hour, local.minute) == (9, 15) and local > now_utc()
    page_queued = author.post(f"/teams/{org['comms'].id}/posts/new",
                              compose_form(org, "A second clear post for the queue.", when="queue"))
    assert page_queued.status_code == 303
    first, second = (t.astimezone(ZoneInfo("Europe/London")) for t in
                     sorted(db.session.scalars(sa.select(Post.scheduled_at))))
    assert second.date() == first.date() + timedelta(days=1) and (second.hour, second.minute) == (9, 15)

    slot = db.session.scalar(sa.select(PostingSlot).where(PostingSlot.weekday == 0))
    assert manager.post(f"{url}/{slot.id}/remove").status_code == 303
    assert stored_rows(db)["PostingSlot"] == 6


def test_managers_set_the_late_approval_rule(org, author, new_browser, db):
    manager = signed_in(new_browser, "manager@example.org")
    url = f"/teams/{org['comms'].id}/late-approval-rule"
    assert author.post(url, {"late_approval_rule": "publish_late"}).status_code == 403
    assert manager.post(url, {"late_approval_rule": "whenever"}).status_code == 400
    assert reload(db, org["comms"]).late_approval_rule == "expire"
    assert manager.post(url, {"late_approval_rule": "publish_late"}).status_code == 303
    assert reload(db, org["comms"]).late_approval_rule == "publish_late"
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "team.late_approval_rule_changed"))


# --- media -------------------------------------------------------------------------------------

def upload(browser, data: bytes, name="picture.png"):
    return browser.client.post("/api/media", data={"file": (io.BytesIO(data), name)},
                               headers={"X-CSRFToken": browser.csrf()}, content_type="multipart/form-data")


def test_media_upload_accepts_only_small_real_images(org, author, app, db):
    def stored_files():
        folder = post_service.media_root()
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    before = stored_files()
    fake = upload(author, b"<html>not an image</html>", "picture.png")
    assert fake.status_code == 400 and "Only JPEG, PNG or GIF" in fake.json["error"]["message"]
    too_big = upload(author, png_bytes() + b"\x00" * (5 * 1024 * 1024))
    assert too_big.status_code == 400 and "5 MB" in too_big.json["error"]["message"]
    assert upload(author, b"", "empty.png").status_code == 400
    missing = author.client.post("/api/media", data={}, headers={"X-CSRFToken": author.csrf()})
    assert missing.status_code == 400 and missing.json["error"]["field"] == "file"
    assert stored_files() == before

    image = png_bytes()
    good = upload(author, image, "anything.gif")  # named by content, not by the name it came with
    assert good.status_code == 201
    media_id = good.json["data"]["media_id"]
    assert media_id == hashlib.sha256(image).hexdigest() + ".png"
    assert (post_service.media_root() / media_id).read_bytes() == image

    created = api_post(author, org, publish_now=True,
                       media=[{"media_id": media_id, "alt_text": "A grey square", "credit": "Comms team",
                               "licence": "CC BY 4.0"}])
    assert created.status_code == 201, created.json
    assert created.json["data"]["media"][0]["alt_text"] == "A grey square"


def test_an_image_attached_in_the_compose_form(org, author, db):
    image = png_bytes(3, 3)
    form = compose_form(org, image=(io.BytesIO(image), "photo.png"), image_alt_text="A small grey square",
                        image_licence="CC0")
    response = author.post(f"/teams/{org['comms'].id}/posts/new", form, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:1000]
    post = db.session.scalar(sa.select(Post))
    assert post.media == [{"media_id": hashlib.sha256(image).hexdigest() + ".png",
                           "alt_text": "A small grey square", "credit": "", "licence": "CC0"}]
    assert "A small grey square" in author.get(f"/posts/{post.id}").get_data(as_text=True)


def test_someone_in_no_team_may_not_upload(org, make, new_browser):
    make.user("loner@example.org")
    loner = signed_in(new_browser, "loner@example.org")
    assert upload(loner, png_bytes()).status_code == 403


# --- team isolation ------------------------------------------------------------------------------

def test_other_teams_get_404_for_every_post_route_and_admins_see_all(org, new_browser, db):
    post = create_via_service(org)
    target_id = post.targets[0].id
    outsider = signed_in(new_browser, "outsider@example.org")
    before = stored_rows(db)
    for url in (f"/posts/{post.id}", f"/posts/{post.id}/edit", f"/teams/{org['comms'].id}/posts",
                f"/teams/{org['comms'].id}/posts/new", f"/teams/{org['comms'].id}/slots"):
        assert outsider.get(url).status_code == 404, url
    for url in (f"/posts/{post.id}/cancel", f"/posts/{post.id}/schedule",
                f"/posts/{post.id}/targets/{target_id}/retry", f"/teams/{org['comms'].id}/posts/new"):
        assert outsider.post(url, {"text": "mine now", "when": "now"}).status_code == 404, url
    for method, url, body in (("GET", f"/api/posts/{post.id}", None),
                              ("GET", f"/api/teams/{org['comms'].id}/posts", None),
                              ("PATCH", f"/api/posts/{post.id}", {"text": "mine now"}),
                              ("POST", f"/api/posts/{post.id}/cancel", None),
                              ("POST", f"/api/posts/{post.id}/schedule", {"publish_now": True}),
                              ("POST", f"/api/posts/{post.id}/targets/{target_id}/mark-published", None),
                              ("POST", f"/api/teams/{org['comms'].id}/posts",
                               {"text": "x", "targets": [{"account_id": org["x"].id}], "publish_now": True})):
        response = outsider.api(method, url, body)
        assert response.status_code == 404 and response.json["ok"] is False, url
    assert stored_rows(db) == before
    assert outsider.api("GET", f"/api/teams/{org['computing'].id}/posts").json["data"]["total"] == 0

    admin = org["admin_browser"]
    assert admin.get(f"/posts/{post.id}").status_code == 200
    assert admin.api("GET", f"/api/teams/{org['comms'].id}/posts").json["data"]["total"] == 1


def test_the_teams_deputy_may_read_its_posts_but_not_change_them(org, make, new_browser, db):
    post = create_via_service(org, PHONE_POST)
    deputy = make.user("deputy@example.org", team=org["computing"])
    org["comms"].deputy_user_id = deputy.id
    db.session.commit()
    browser = signed_in(new_browser, "deputy@example.org")
    assert browser.get(f"/posts/{post.id}").status_code == 200  # the approvals inbox links here
    assert browser.api("GET", f"/api/posts/{post.id}").status_code == 200
    assert browser.post(f"/posts/{post.id}/cancel").status_code == 403
    assert browser.api("PATCH", f"/api/posts/{post.id}", {"text": CLEAN_POST}).status_code == 403
    assert browser.get(f"/teams/{org['comms'].id}/posts").status_code == 404
    assert reload(db, post).state == PostState.awaiting_approval

