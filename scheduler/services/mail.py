"""Email, sent by a job after the transaction that decided it commits."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app

from scheduler.extensions import db

log = logging.getLogger(__name__)


def send_mail_after_commit(to: str, subject: str, body: str) -> bool:
    """Queue an email if SMTP is configured; returns whether one was queued."""
    from scheduler.jobs import send_email
    from scheduler.queueing import enqueue_after_commit

    if not current_app.extensions["gatepost.settings"].smtp_url:
        return False
    enqueue_after_commit(db.session, send_email, to, subject, body)
    return True


def deliver(smtp_url: str, mail_from: str, to: str, subject: str, body: str) -> None:
    parts = urlsplit(smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = mail_from, to, subject
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), timeout=30) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
    log.info("sent email %r", subject)
