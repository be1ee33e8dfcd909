"""Delivering one outbox message: over SMTP, or to the log in development."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

from app.notifications.models import OutboxMessage


def build_email(message: OutboxMessage) -> EmailMessage:
    """The e-mail for an outbox row; its Message-ID is fixed per row so a resend is recognisable."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="podium.local")
    email.set_content(message.body_text)
    return email


def send(message: OutboxMessage) -> None:
    """Hand the message to the configured backend; raise on any delivery failure."""
    config = current_app.config
    email = build_email(message)
    if config["MAIL_BACKEND"] == "log":
        current_app.logger.info(
            "e-mail to %s: %s\n%s", message.to_address, message.subject, message.body_text
        )
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
