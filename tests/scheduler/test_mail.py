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
