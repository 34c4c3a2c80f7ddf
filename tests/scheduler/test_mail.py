"""Authors learn of failures by email when SMTP is configured (a local aiosmtpd server)."""
from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

from tests.scheduler.test_publishing import new_post, org, reload, run_jobs  # noqa: F401 - fixture reuse


class Inbox(Sink):
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(app):
    import socket

    with socket.socket() as probe:  # a free loopback port (the controller checks readiness by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings = app.extensions["gatepost.settings"]
    app.extensions["gatepost.settings"] = settings.with_overrides(
        smtp_url=f"smtp://127.0.0.1:{port}", mail_from="gatepost@example.org")
    yield inbox
    app.extensions["gatepost.settings"] = settings
    controller.stop()


def test_unconfirmed_outcome_is_emailed_to_the_author(org, db, emulator, smtp):  # noqa: F811
    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=1)
    new_post(org)
    db.session.commit()
    run_jobs()  # the publish job, which queues the email after its commit...
    run_jobs()  # ...and the email job
    assert len(smtp.messages) == 1
    import email
    from email import policy

    recipients, raw = smtp.messages[0]
    message = email.message_from_string(raw, policy=policy.default)
    assert recipients == ["author@example.org"] and message["Subject"] == "Gatepost: post unconfirmed"
    assert "mark it as published or retry" in message.get_content()


def test_no_email_without_smtp(org, db, emulator):  # noqa: F811
    from scheduler.queueing import task_queue

    emulator.add_fault("lost_after_commit", network="x", endpoint="publish", count=1)
    new_post(org)
    db.session.commit()
    run_jobs()
    assert task_queue().queue().count == 0


def test_a_burst_of_flagged_posts_sends_one_digest_per_manager_and_one_webhook(org, db, app, smtp):  # noqa: F811
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from scheduler.models import now_utc
    from scheduler.services.notifications import deliver_digests
    from tests.scheduler.test_publishing import PHONE_POST

    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings = app.extensions["gatepost.settings"].with_overrides(
        approval_webhook_url=f"http://127.0.0.1:{server.server_address[1]}/hook")
    try:
        for n in range(5):
            new_post(org, f"{PHONE_POST} ({n})")
        db.session.commit()
        report = deliver_digests(settings, now_utc())
    finally:
        server.shutdown()
    assert report == {"emails": 2, "webhook_items": 5, "skipped": 0}
    assert sorted(r[0][0] for r in smtp.messages) == ["manager2@example.org", "manager@example.org"]
    assert "Subject: Gatepost: 5 updates" in smtp.messages[0][1]
    assert len(received) == 1 and received[0]["text"].count("•") == 5
    assert deliver_digests(settings, now_utc()) == {"emails": 0, "webhook_items": 0, "skipped": 0}
