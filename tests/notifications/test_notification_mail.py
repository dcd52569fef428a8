"""Mail: with a local SMTP sink (aiosmtpd) the immediate mail and the daily digest arrive
in the recipient's language, naming the case, the step and the link, and nothing personal
beyond the recipient's own name; without SMTP nothing is sent; the choice is on the
account page."""

from __future__ import annotations

import email
import socket
from email.policy import default

import pytest
from sqlalchemy import select

from app.cases.models import CaseState
from app.notifications.models import EmailMode, Notification
from app.notifications.services import set_email_mode
from app.notifications.tasks import send_digests, send_immediate_mails


class Sink:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=default)
        message["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_sink(app):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_HOST", "MAIL_PORT", "MAIL_TLS", "PUBLIC_URL")}
    app.config.update(
        MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_TLS="none", PUBLIC_URL="https://yrd.example"
    )
    try:
        yield sink
    finally:
        app.config.update(saved)
        controller.stop()


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_immediate_mail_and_digest_arrive_in_the_recipients_language(
    db, make_user, make_case, smtp_sink
):
    make_user(
        "SH", roles=("supervisor",), locale="en", email="en@sh.example", display_name="Wang Fang"
    )
    chinese = make_user(
        "SH", roles=("supervisor",), locale="zh", email="zh@sh.example", display_name="赵敏"
    )
    silent = make_user("SH", roles=("supervisor",), email="off@sh.example")
    set_email_mode(chinese, EmailMode.digest.value)
    set_email_mode(silent, EmailMode.off.value)
    case = make_case(agency="SH", state=CaseState.received)
    db.session.commit()

    assert send_immediate_mails()["mails"] >= 1
    assert send_immediate_mails()["mails"] == 0  # each notification goes out once
    immediate = [m for m in smtp_sink.messages if m["X-Rcpt"] == "en@sh.example"]
    assert len(immediate) == 1
    body = _body(immediate[0])
    assert f"Case {case.reference} was registered: assign a team" in immediate[0]["Subject"]
    assert "Hello Wang Fang," in body
    assert f"https://yrd.example/cases/{case.reference}" in body
    assert not [m for m in smtp_sink.messages if m["X-Rcpt"] in ("zh@sh.example", "off@sh.example")]

    assert send_digests()["digests"] >= 1
    digest = [m for m in smtp_sink.messages if m["X-Rcpt"] == "zh@sh.example"]
    assert len(digest) == 1
    body = _body(digest[0])
    assert "每日汇总" in digest[0]["Subject"]
    assert f"案件 {case.reference} 已登记" in body and "赵敏，您好" in body
    assert not [m for m in smtp_sink.messages if m["X-Rcpt"] == "off@sh.example"]
    for message in smtp_sink.messages:
        text = message.as_string() + _body(message)
        # Never the complainant, the respondent's identity number or the case's summary.
        for secret in ("李娜", "13800000000", "31010119800101123X", "张伟", case.summary):
            assert secret not in text


def test_without_smtp_notifications_stay_in_app(db, make_user, make_case, app):
    assert not app.config.get("MAIL_HOST")
    make_user("SH", roles=("supervisor",), email="sup@sh.example")
    make_case(agency="SH", state=CaseState.received)
    assert send_immediate_mails() == {"mails": 0}
    assert (
        db.session.scalar(select(Notification.id).where(Notification.mailed_at.is_not(None)))
        is None
    )


def test_the_choice_is_made_on_the_account_page(db, make_user, login, client):
    from app.notifications.tasks import email_mode

    user = make_user("SH", roles=("officer",), locale="en")
    db.session.commit()
    login(user)
    assert "Notifications by mail" in client.get("/account").get_data(as_text=True)
    response = client.post("/notifications/email", data={"email_mode": "digest"})
    assert response.status_code == 302
    assert email_mode(user.id) == EmailMode.digest
    refused = client.post("/notifications/email", data={"email_mode": "hourly"})
    assert refused.status_code == 422
    assert "Choose how you receive notifications." in refused.get_data(as_text=True)
    assert email_mode(user.id) == EmailMode.digest


def test_the_demo_writes_mails_to_the_log(db, make_user, make_case, app, caplog):
    make_user("SH", roles=("supervisor",), locale="en", email="demo@sh.example")
    case = make_case(agency="SH", state=CaseState.received)
    app.config["DEMO"] = True
    try:
        with caplog.at_level("WARNING"):
            assert send_immediate_mails()["mails"] >= 1
    finally:
        app.config["DEMO"] = False
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "mail (demo, not sent)" in logged and "To: " in logged
    assert f"Case {case.reference} was registered" in logged


def test_transfers_joint_invitations_and_tasks_are_mailed_in_each_language(
    db, make_user, make_case, agency, smtp_sink
):
    from app.cases.transfers import transfer_case
    from app.joint.services import accept_invitation, create_task, invite_agencies
    from tests.conftest import scenario_supervisor

    make_user(
        "JS", roles=("supervisor",), locale="en", email="en@js.example", display_name="Li Lei"
    )
    chinese = make_user(
        "ZJ", roles=("supervisor",), locale="zh", email="zh@zj.example", display_name="韩梅"
    )
    worker = make_user("ZJ", roles=("officer",), locale="zh", email="officer@zj.example")
    offered = make_case("SH", state=CaseState.preliminary_review)
    transfer = transfer_case(
        offered,
        scenario_supervisor(offered),
        target_agency="JS",
        reason="属地管辖：被举报人张伟",
        identity_travels=False,
        expected_version=None,
    )
    joint = make_case("SH", state=CaseState.investigating)
    (p,) = invite_agencies(
        joint, [agency("ZJ")], "请协助询问张伟", scenario_supervisor(joint), None
    )
    db.session.commit()
    assert send_immediate_mails()["mails"] >= 2

    def only(address):
        (message,) = [m for m in smtp_sink.messages if m["X-Rcpt"] == address]
        return message["Subject"], _body(message)

    subject, body = only("en@js.example")
    sh = agency("SH")
    assert subject == (
        f"{sh.name_en} offers case {offered.reference} to your agency: a supervisor accepts "
        "or refuses the transfer."
    )
    assert "Hello Li Lei," in body
    assert f"https://yrd.example/transfers/{transfer.id}" in body
    subject, body = only("zh@zj.example")
    assert subject.startswith(f"{sh.name_zh} 邀请本机构参加案件 {joint.reference} 的联合调查")
    assert "https://yrd.example/joint#invitations" in body and "韩梅，您好" in body

    accept_invitation(p, [worker], chinese)
    create_task(
        joint,
        joint.members[0].user,
        agency=p.agency,
        kind="interview",
        title="询问张伟的合作者",
        description="",
        due_in_days=5,
        assignee=worker,
    )
    db.session.commit()
    smtp_sink.messages.clear()
    assert send_immediate_mails()["mails"] >= 1
    subject, body = only("officer@zj.example")
    assert "条新提醒" in subject  # joined and the task: one mail with both
    assert f"案件 {joint.reference}（{sh.name_zh}）的一项任务已分配给您" in body
    assert "https://yrd.example/joint/tasks/" in body
    for message in smtp_sink.messages:
        text = message.as_string() + _body(message)
        for secret in ("李娜", "13800000000", "张伟", "属地管辖", joint.title, offered.title):
            assert secret not in text
