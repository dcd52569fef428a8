"""Mail delivery of notifications, through the standard library's smtplib.

smtplib and email are maintained with Python itself, speak SMTP with STARTTLS or SSL and
need no Flask integration: the only mail the platform sends is a background job's plain
text message, so an extension (flask-mailman) would add a dependency and nothing else.

A mail carries what the notification carries (the case reference, the step, the link) in
the recipient's language, addressed to the recipient by their own name: never a
complainant's identity or evidence.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.auth.models import User
from app.notifications.handoffs import render
from app.notifications.models import Notification


def delivery() -> str | None:
    """ "smtp" with MAIL_HOST configured, "log" in the demo, None: in-app only."""
    if current_app.config.get("MAIL_HOST"):
        return "smtp"
    if current_app.config.get("DEMO"):
        return "log"
    return None


def compose(user: User, notifications: list[Notification], *, digest: bool) -> EmailMessage:
    locale = user.locale or current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")
    lines = []
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_URL"]):
        from app.notifications.views import link_url

        with force_locale(locale):
            for n in notifications:
                lines.append(f"- {render(n, locale)}")
                url = link_url(n.link, external=True)
                if url:
                    lines.append(f"  {url}")
            if digest:
                subject = _("Your daily summary: %(n)s notifications", n=len(notifications))
            elif len(notifications) > 1:
                subject = _("%(n)s new notifications", n=len(notifications))
            else:
                subject = render(notifications[0], locale)
            greeting = _("Hello %(name)s,", name=user.display_name)
            footer = _(
                "You can choose immediate mail, a daily summary or no mail on your account page."
            )
    message = EmailMessage()
    message["Subject"] = subject[:200]
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = formataddr((user.display_name, user.email))
    message["Message-ID"] = make_msgid(domain="yrd.local")
    message.set_content("\n".join([greeting, "", *lines, "", footer]))
    return message


def send(message: EmailMessage) -> None:
    """Raises on a failure, so the job's retries try again."""
    how = delivery()
    if how == "log":
        # Warning level: the default logging set-up shows it without any configuration.
        current_app.logger.warning("mail (demo, not sent):\n%s", _readable(message))
        return
    if how is None:
        return
    config = current_app.config
    host, port = config["MAIL_HOST"], int(config["MAIL_PORT"])
    tls = (config.get("MAIL_TLS") or "none").lower()
    if tls == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=30)
    with client:
        if tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            client.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        client.send_message(message)


def _readable(message: EmailMessage) -> str:
    headers = "".join(f"{name}: {value}\n" for name, value in message.items())
    return headers + "\n" + message.get_content()
