"""Every HTML route, for an anonymous visitor, another agency, the wrong role and the right one.

A route added without an entry here fails `test_every_html_route_is_in_the_matrix`.
"""

from __future__ import annotations

import io

import pytest

from app.cases.models import CaseState
from app.core.calendar import today
from tests.ui_helpers import sign_in

ANON = "anonymous"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# endpoint: (method, path(w), form data(w), [(actor, expected status), ...]); `w` is the world.
MATRIX = {
    # Ethics review: an applicant, another unit's applicant, the committee office, a member
    # before / after declaring, a recused member, the authority, another province.
    "ethics.applications": (
        "GET",
        lambda w: "/ethics/",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("eth_applicant", 200), ("js_supervisor", 200)],
    ),
    "ethics.application": (
        "GET",
        lambda w: f"/ethics/{w['eth'].application.reference}",
        None,
        [
            (ANON, "login"),
            ("eth_other_applicant", 404),
            ("js_supervisor", 404),
            ("sh_officer", 404),
            ("eth_applicant", 200),
            ("eth_office", 200),
            ("eth_member_before", 200),
            ("eth_member_after", 200),
            ("eth_recused", 200),
            ("sh_supervisor", 200),
        ],
    ),
    "ethics.download": (
        "GET",
        lambda w: (
            f"/ethics/{w['eth'].application.reference}/files/"
            f"{w['eth'].application.attachments[0].id}"
        ),
        None,
        [
            (ANON, "login"),
            ("eth_other_applicant", 404),
            ("js_supervisor", 404),
            ("eth_member_before", 403),
            ("eth_recused", 403),
            ("sh_supervisor", 403),
            ("eth_member_after", 200),
            ("eth_office", 200),
            ("eth_applicant", 200),
        ],
    ),
    "ethics.letter": (
        "GET",
        lambda w: f"/ethics/{w['eth'].application.reference}/letter",
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_supervisor", 403), ("eth_applicant", 404)],
    ),
    "ethics.new_application": (
        "POST",
        lambda w: "/ethics/new",
        lambda w: {"title": "新研究"},
        [(ANON, "login"), ("sh_officer", 403), ("eth_office", 403), ("eth_applicant", 302)],
    ),
    "ethics.edit": (
        "POST",
        lambda w: f"/ethics/{w['eth_draft'].reference}/edit",
        lambda w: {"title": "改名"},
        [
            (ANON, "login"),
            ("eth_other_applicant", 404),
            ("eth_office", 404),
            ("js_supervisor", 404),
            ("eth_applicant", 302),
        ],
    ),
    "ethics.attach": (
        "POST",
        lambda w: f"/ethics/{w['eth_draft'].reference}/attach",
        lambda w: {"item": "plan", "file": (io.BytesIO(PDF + b"%a"), "plan.pdf")},
        [(ANON, "login"), ("eth_other_applicant", 404), ("eth_applicant", 302)],
    ),
    "ethics.remove_file": (
        "POST",
        lambda w: (
            f"/ethics/{w['eth_draft'].reference}/files/{w['eth_draft'].attachments[0].id}/remove"
        ),
        None,
        [(ANON, "login"), ("eth_other_applicant", 404), ("eth_applicant", 302)],
    ),
    "ethics.submit": (
        "POST",
        lambda w: f"/ethics/{w['eth_draft'].reference}/submit",
        None,
        [(ANON, "login"), ("eth_other_applicant", 404), ("eth_applicant", 302)],
    ),
    "ethics.accept": (
        "POST",
        lambda w: f"/ethics/{w['eth_submitted'].reference}/accept",
        lambda w: {"procedure": "general"},
        [
            (ANON, "login"),
            ("eth_applicant", 403),
            ("sh_supervisor", 403),
            ("js_supervisor", 404),
            ("eth_office", 302),
        ],
    ),
    "ethics.return_": (
        "POST",
        lambda w: f"/ethics/{w['eth_submitted'].reference}/return",
        lambda w: {"missing": ["funding"]},
        [(ANON, "login"), ("eth_applicant", 403), ("eth_office", 302)],
    ),
    "ethics.declare": (
        "POST",
        lambda w: f"/ethics/{w['eth'].application.reference}/declare",
        lambda w: {"conflict": "no"},
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_applicant", 403),
            ("eth_member_after", 409),
            ("eth_member_before", 302),
        ],
    ),
    "ethics.review_step": (
        "POST",
        lambda w: f"/ethics/{w['eth'].application.reference}/review/propose",
        lambda w: {"decision": "approve"},
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_member_after", 403),
            ("eth_applicant", 403),
            ("eth_office", 302),
        ],
    ),
    "ethics.rereview_step": (
        "POST",
        lambda w: f"/ethics/{w['eth'].application.reference}/rereview/file",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_member_after", 403),
            ("eth_applicant", 409),
        ],
    ),
    "ethics.units": (
        "GET",
        lambda w: "/ethics/units",
        None,
        [(ANON, "login"), ("eth_office", 403), ("sh_supervisor", 403), ("sh_admin", 200)],
    ),
    "ethics.unit": (
        "GET",
        lambda w: f"/ethics/units/{w['eth'].unit_a.id}",
        None,
        [(ANON, "login"), ("js_admin", 404), ("eth_office", 403), ("sh_admin", 200)],
    ),
    "ethics.unit_step": (
        "POST",
        lambda w: f"/ethics/units/{w['eth'].unit_a.id}/entrust",
        lambda w: {"panel_id": "0"},
        [(ANON, "login"), ("js_admin", 404), ("eth_office", 403), ("sh_admin", 422)],
    ),
    "ethics.listed": (
        "GET",
        lambda w: "/ethics/list",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("eth_applicant", 200), ("sh_admin", 200)],
    ),
    "ethics.policy_page": (
        "GET",
        lambda w: "/ethics/policy",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("eth_office", 200), ("sh_admin", 200)],
    ),
    "ethics.verify": (
        "GET",
        lambda w: "/ethics/verify",
        None,
        [(ANON, 301), ("sh_officer", 301), ("eth_applicant", 301)],
    ),
    "ethics.overdue": (
        "GET",
        lambda w: "/ethics/overdue",
        None,
        [(ANON, "login"), ("eth_applicant", 403), ("sh_supervisor", 403), ("eth_office", 200)],
    ),
    "ethics.review_record": (
        "GET",
        lambda w: f"/ethics/{w['eth'].application.reference}/review-record",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_other_applicant", 404),
            ("eth_applicant", 403),
            ("eth_member_after", 403),
            ("eth_office", 200),
            ("sh_supervisor", 200),
        ],
    ),
    "ethics.review_record_pdf": (
        "GET",
        lambda w: (
            f"/ethics/{w['eth'].application.reference}/review-record/{w['eth_record'].id}.pdf"
        ),
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_applicant", 403),
            ("eth_office", 200),
            ("sh_supervisor", 200),
        ],
    ),
    # Collaborative review: the lead's office, a JS site's office, another province.
    "ethics.site_queue": (
        "GET",
        lambda w: "/ethics/sites",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("eth_site_office", 200), ("eth_office", 200)],
    ),
    "ethics.site": (
        "GET",
        lambda w: f"/ethics/sites/{w['eth_site'].id}",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_other_applicant", 404),
            ("eth_site_office", 200),
            ("eth_office", 200),
        ],
    ),
    "ethics.site_file": (
        # A lead's file on a site's node: a local site has none (it reads the application).
        "GET",
        lambda w: f"/ethics/sites/{w['eth_site'].id}/files/1",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_other_applicant", 404),
            ("eth_office", 403),
            ("eth_site_office", 403),
        ],
    ),
    "ethics.site_confirm": (
        "POST",
        lambda w: f"/ethics/sites/{w['eth_site'].id}/confirm",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_office", 403),
            ("eth_site_office", 422),
        ],
    ),
    "ethics.site_acknowledge": (
        "POST",
        lambda w: f"/ethics/sites/{w['eth_site'].id}/acknowledge",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_office", 403),
            ("eth_site_office", 422),
        ],
    ),
    "ethics.site_simplified": (
        # The site's office names members of its own committee; nobody else does.
        "POST",
        lambda w: f"/ethics/sites/{w['eth_site'].id}/simplified/name",
        lambda w: {"members": "0"},
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_member_after", 404),
            ("eth_office", 403),
            ("eth_site_office", 422),
        ],
    ),
    "ethics.lead_sites": (
        "GET",
        lambda w: f"/ethics/{w['eth_site'].application.reference}/sites",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_other_applicant", 404),
            ("eth_site_office", 403),
            ("eth_office", 200),
        ],
    ),
    "ethics.lead_sites_step": (
        "POST",
        lambda w: f"/ethics/{w['eth_site'].application.reference}/sites/local",
        lambda w: {"unit_id": "0"},
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("eth_site_office", 403),
            ("eth_office", 422),
        ],
    ),
    "ethics.lookup": (
        # Integrity officers and supervisors of any province; no unit account, no one else.
        "POST",
        lambda w: "/ethics/lookup",
        lambda w: {"number": "ETH-000001"},
        [
            (ANON, "login"),
            ("eth_office", 403),
            ("eth_applicant", 403),
            ("sh_auditor", 403),
            ("sh_committee", 403),
            ("sh_admin", 403),
            ("js_officer", 200),
            ("sh_supervisor", 200),
        ],
    ),
    "ethics.decisions_overdue": (
        "GET",
        lambda w: "/ethics/decisions-overdue",
        None,
        [
            (ANON, "login"),
            ("eth_applicant", 403),
            ("sh_officer", 403),
            ("eth_office", 200),
            ("sh_supervisor", 200),
            ("js_supervisor", 200),
        ],
    ),
    "auth.login": ("GET", lambda w: "/login", None, [(ANON, 200), ("sh_officer", 302)]),
    "auth.logout": ("POST", lambda w: "/logout", None, [(ANON, "login"), ("sh_officer", 302)]),
    "auth.set_language": (
        "POST",
        lambda w: "/language/en",
        None,
        [(ANON, 302), ("sh_officer", 302)],
    ),
    "auth.change_password": (
        "GET",
        lambda w: "/account/password",
        None,
        [(ANON, "login"), ("sh_officer", 200)],
    ),
    "auth.account": ("GET", lambda w: "/account", None, [(ANON, "login"), ("sh_auditor", 200)]),
    "auth.sessions": (
        "GET",
        lambda w: "/account/sessions",
        None,
        [(ANON, "login"), ("sh_committee", 200), ("js_sysadmin", 200)],
    ),
    "auth.end_one_session": (
        # Someone else's session does not exist for the visitor; the owner ends it.
        "POST",
        lambda w: f"/account/sessions/{w['officer_session'].id}/end",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_admin", 404),
            ("sh_sysadmin", 404),
            ("officer_session_live", 0),
            ("sh_officer", 302),
            ("officer_session_ended", 0),
        ],
    ),
    "auth.end_other_sessions": (
        "POST",
        lambda w: "/account/sessions/end-others",
        None,
        [(ANON, "login"), ("sh_auditor", 302)],
    ),
    "auth.token_create": (
        "POST",
        lambda w: "/account/tokens",
        lambda w: {"name": "sync", "days": 30},
        [(ANON, "login"), ("sh_committee", 200), ("sh_sysadmin", 200)],
    ),
    "auth.token_revoke": (
        # Only the owner; anyone else's token does not exist for them.
        "POST",
        lambda w: f"/account/tokens/{w['token'].id}/revoke",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_admin", 404),
            ("sh_sysadmin", 404),
            ("token_still_active", 0),
            ("sh_officer", 302),
        ],
    ),
    # Signed in, there is no second step pending: back to /login, which sends on to the dashboard.
    "auth.second_step_code": (
        "GET",
        lambda w: "/login/code",
        None,
        [(ANON, "login"), ("sh_officer", 302)],
    ),
    "auth.totp_setup": (
        "GET",
        lambda w: "/account/second-factor",
        None,
        [(ANON, "login"), ("sh_supervisor", 200)],
    ),
    "auth.totp_qr": (
        "GET",
        lambda w: w["enrolling"] and "/account/second-factor/qr.svg",
        None,
        [(ANON, 404), ("sh_auditor", 404), ("sh_officer", 200)],
    ),
    "auth.totp_recovery_codes": (
        "POST",
        lambda w: "/account/second-factor/recovery-codes",
        lambda w: {"codes-password": "x", "codes-code": "000000"},
        [(ANON, "login"), ("sh_officer", 422)],  # reached; the wrong code is refused
    ),
    "auth.totp_disable": (
        "POST",
        lambda w: "/account/second-factor/disable",
        lambda w: {"off-password": "x", "off-code": "000000"},
        [(ANON, "login"), ("sh_officer", 422)],  # reached; the wrong code is refused
    ),
    "cases.dashboard": ("GET", lambda w: "/", None, [(ANON, "login"), ("sh_officer", 200)]),
    "cases.case_list": (
        "GET",
        lambda w: "/cases",
        None,
        [(ANON, "login"), ("sh_committee", 403), ("js_sysadmin", 403), ("sh_auditor", 200)],
    ),
    "cases.new_case": (
        "GET",
        lambda w: "/cases/new",
        None,
        [(ANON, "login"), ("sh_auditor", 403), ("sh_committee", 403), ("sh_officer", 200)],
    ),
    "cases.detail": (
        "GET",
        lambda w: f"/cases/{w['received'].reference}",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_auditor", 200),
            ("sh_officer", 200),
        ],
    ),
    "cases.take_transition": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/transitions/start_preliminary_review",
        lambda w: {"version": w["received"].version},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "cases.preliminary_report": (
        "POST",
        lambda w: f"/cases/{w['preliminary'].reference}/preliminary-report",
        lambda w: {
            "facts_checked": "核对了论文原文。",
            "recommendation": "not_accept",
            "reasons": "线索不具体。",
        },
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("sh_auditor", 403),
            ("sh_committee", 404),
            ("sh_officer", 302),
        ],
    ),
    "cases.team": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/team",
        lambda w: (
            _declared(w, "received", "sh_officer")
            and {"user_id": w["sh_officer"].id, "team_role": "lead"}
        ),
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_admin", 404),
            ("sh_officer", 403),
            ("sh_supervisor", 302),
        ],
    ),
    "cases.extension": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/extension",
        lambda w: {"months": 3, "reason": "需境外取证"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "cases.defence": (
        "POST",
        lambda w: f"/cases/{w['notice'].reference}/defence",
        lambda w: {"received_on": w["notice"].notice_served_on.isoformat(), "statement": "放弃"},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_supervisor", 302)],
    ),
    "cases.transfers": (
        "GET",
        lambda w: "/transfers",
        None,
        [(ANON, "login"), ("sh_officer", 200), ("js_supervisor", 200)],
    ),
    "cases.transfer_detail": (
        "GET",
        lambda w: f"/transfers/{w['transfer'].id}",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_auditor", 404),
            ("sh_committee", 404),
            ("sh_sysadmin", 404),
            ("sh_officer", 200),
            ("js_supervisor", 200),
        ],
    ),
    "cases.transfer_accept": (
        "POST",
        lambda w: f"/transfers/{w['transfer'].id}/accept",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_sysadmin", 404),
            ("sh_supervisor", 403),
            ("transfer_still_pending", 0),
            ("js_supervisor", 302),
        ],
    ),
    "cases.transfer_refuse": (
        "POST",
        lambda w: f"/transfers/{w['transfer'].id}/refuse",
        lambda w: {"reason": "不属本省管辖"},
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_supervisor", 403),
            ("transfer_still_pending", 0),
            ("js_supervisor", 302),
        ],
    ),
    "cases.transfer_withdraw": (
        "POST",
        lambda w: f"/transfers/{w['transfer'].id}/withdraw",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_supervisor", 403),
            ("sh_officer", 403),
            ("transfer_still_pending", 0),
            ("sh_supervisor", 302),
        ],
    ),
    "cases.transfer_kept_identity": (
        "POST",
        lambda w: f"/transfers/{w['accepted_transfer'].id}/kept-identity",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_supervisor", 403),
            ("sh_officer", 403),
            ("sh_supervisor", 200),
        ],
    ),
    "admin.users": (
        "GET",
        lambda w: "/admin/users",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_supervisor", 403),
            ("sh_sysadmin", 403),
            ("sh_admin", 200),
        ],
    ),
    "admin.user_new": (
        "GET",
        lambda w: "/admin/users/new",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_sysadmin", 403), ("sh_admin", 200)],
    ),
    "admin.user_edit": (
        "GET",
        lambda w: f"/admin/users/{w['sh_officer'].id}",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_auditor", 403),
            ("sh_sysadmin", 403),
            ("sh_admin", 200),
        ],
    ),
    "admin.user_active": (
        "POST",
        lambda w: f"/admin/users/{w['sh_officer'].id}/active",
        lambda w: {"active": "0"},
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("sh_sysadmin", 403),
            ("sh_admin", 302),
        ],
    ),
    "admin.user_password": (
        "POST",
        lambda w: f"/admin/users/{w['sh_officer'].id}/password",
        lambda w: {"password": "a-new-password-2026"},
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_officer", 403),
            ("sh_sysadmin", 403),
            ("sh_admin", 302),
        ],
    ),
    "admin.user_second_factor_reset": (
        "POST",
        lambda w: f"/admin/users/{w['enrolled_member'].id}/second-factor/reset",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("sh_officer", 403),
            ("sh_admin", 302),
        ],
    ),
    "admin.user_sessions_end": (
        "POST",
        lambda w: f"/admin/users/{w['officer_session'].user_id}/sessions/end",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("sh_officer", 403),
            ("sh_sysadmin", 403),
            ("officer_session_live", 0),
            ("sh_admin", 302),
            ("officer_session_ended", 0),
        ],
    ),
    "admin.policy": (
        "GET",
        lambda w: "/admin/policy",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_sysadmin", 403), ("sh_admin", 200)],
    ),
    "admin.calendar": (
        "GET",
        lambda w: "/admin/calendar",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_sysadmin", 403), ("sh_admin", 200)],
    ),
    "admin.calendar_delete": (
        "POST",
        lambda w: "/admin/calendar/2099-01-01/delete",
        None,
        # reached; the date has no entry, so the calendar is shown again with why
        [(ANON, "login"), ("sh_officer", 403), ("sh_sysadmin", 403), ("sh_admin", 422)],
    ),
    "calendar_years.index": (
        "GET",
        lambda w: "/calendar/years",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("js_admin", 200), ("sh_sysadmin", 200)],
    ),
    "calendar_years.year": (
        "GET",
        lambda w: "/calendar/years/2099",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_admin", 200), ("sh_sysadmin", 200)],
    ),
    "calendar_years.edit": (
        # Only a system administrator enters a notice; agency administrators only look.
        "POST",
        lambda w: "/calendar/years/new",
        lambda w: {
            "year": "2099",
            "source": "国办发明电〔2098〕1号",
            "holidays": "元旦, 2099-01-01, 2099-01-03",
            "workdays": "",
        },
        [(ANON, "login"), ("sh_officer", 403), ("js_admin", 403), ("sh_sysadmin", 302)],
    ),
    "calendar_years.confirm": (
        # reached: 2099 has no notice entered, so the year's page says so
        "POST",
        lambda w: "/calendar/years/2099/confirm",
        None,
        [(ANON, "login"), ("sh_admin", 403), ("sh_supervisor", 403), ("sh_sysadmin", 422)],
    ),
    "auditing.audit_log": (
        "GET",
        lambda w: "/audit",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_admin", 403),
            ("sh_auditor", 200),
            ("sh_sysadmin", 200),
        ],
    ),
    "auditing.export_csv": (
        "GET",
        lambda w: "/audit/export.csv",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_auditor", 200), ("sh_sysadmin", 200)],
    ),
    "evidence.evidence_list": (
        "GET",
        lambda w: f"/cases/{w['investigating'].reference}/evidence",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 200)],
    ),
    "evidence.upload": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/evidence",
        lambda w: {"files": (io.BytesIO(PDF), "report.pdf")},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "evidence.add_physical": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/evidence/physical",
        lambda w: {"title": "原始实验记录本"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_auditor", 403), ("sh_supervisor", 302)],
    ),
    "evidence.item": (
        "GET",
        lambda w: f"/cases/{w['item'].case.reference}/evidence/{w['item'].id}",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 200)],
    ),
    "evidence.download": (
        "GET",
        lambda w: f"/cases/{w['item'].case.reference}/evidence/{w['item'].id}/download",
        None,
        [(ANON, "login"), ("js_auditor", 404), ("sh_committee", 404), ("sh_officer", 200)],
    ),
    "evidence.preview": (
        "GET",
        lambda w: f"/cases/{w['item'].case.reference}/evidence/{w['item'].id}/preview",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_admin", 404), ("sh_auditor", 200)],
    ),
    "evidence.withdraw": (
        "POST",
        lambda w: f"/cases/{w['item'].case.reference}/evidence/{w['item'].id}/withdraw",
        lambda w: {"reason": "误传"},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "panel_material.mark_evidence": (
        # The case team only: another agency does not see the case, an auditor may not mark.
        "POST",
        lambda w: f"/cases/{w['item'].case.reference}/evidence/{w['item'].id}/panel",
        lambda w: {"marked": "1"},
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_committee", 404),
            ("sh_auditor", 403),
            ("item_unmarked", 0),
            ("sh_officer", 302),
        ],
    ),
    "panel_material.mark_note": (
        "POST",
        lambda w: f"/cases/{w['note'].case.reference}/notes/{w['note'].id}/panel",
        lambda w: {"marked": "1"},
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("sh_committee", 404),
            ("sh_auditor", 403),
            ("note_unmarked", 0),
            ("sh_officer", 302),
        ],
    ),
    "protection.complainant": (
        "GET",
        lambda w: f"/cases/{w['investigating'].reference}/complainant",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_supervisor", 403),
            ("sh_officer", 403),
            ("granted_lead", 200),
        ],
    ),
    "protection.complainant_access": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/complainant-access",
        lambda w: {"member_id": w["investigating"].lead.id, "grant": "1"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "protection.declare": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/conflicts",
        lambda w: {"none": "1"},
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_officer", 302)],
    ),
    "dossiers.generate": (
        "POST",
        lambda w: f"/cases/{w['received'].reference}/dossiers",
        lambda w: {"level": "shared"},
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 302)],
    ),
    "dossiers.download": (
        "GET",
        lambda w: f"/dossiers/{w['dossier'].document_id}.pdf",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_supervisor", 404), ("sh_auditor", 200)],
    ),
    "dossiers.verify": (
        "GET",
        lambda w: "/dossiers/verify",
        None,
        [(ANON, "login"), ("js_committee", 200)],
    ),
    "documents.create": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/documents",
        lambda w: {"kind": "acceptance_notice", "party_id": ""},
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "documents.detail": (
        "GET",
        lambda w: f"/documents/{w['draft'].id}",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 200)],
    ),
    "documents.discard": (
        "POST",
        lambda w: f"/documents/{w['draft'].id}/discard",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "documents.issue": (
        "POST",
        lambda w: f"/documents/{w['draft'].id}/issue",
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "documents.prepare_pdf": (
        "POST",
        lambda w: f"/documents/{w['unrendered_document'].id}/prepare-pdf",
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "documents.preview": (
        "GET",
        lambda w: f"/documents/{w['draft'].id}/preview.pdf",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 200)],
    ),
    "documents.download": (
        "GET",
        lambda w: f"/documents/{w['issued_document'].id}/document.pdf",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 200)],
    ),
    "documents.service": (
        "POST",
        lambda w: f"/documents/{w['issued_document'].id}/service",
        lambda w: {
            "method": "in_person",
            "served_on": today().isoformat(),
            "proof": (io.BytesIO(PDF), "回执.pdf"),
        },
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 302)],
    ),
    "documents.proof": (
        "GET",
        lambda w: f"/documents/{w['served_document'].id}/proof",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 200)],
    ),
    "documents.templates": (
        "GET",
        lambda w: "/documents/templates",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("js_admin", 200)],
    ),
    "documents.template_edit": (
        "POST",
        lambda w: "/documents/templates/decision",
        lambda w: {"designation": "苏科诚", "title": "处理决定书", "body": "{{ decision }}"},
        [(ANON, "login"), ("js_supervisor", 403), ("js_admin", 302)],
    ),
    "jobs.status": (
        "GET",
        lambda w: f"/jobs/{w['job'].id}.json",
        None,
        [
            (ANON, "login"),
            ("js_auditor", 404),
            ("sh_officer", 404),
            ("sh_sysadmin", 404),
            ("js_sysadmin", 404),
            ("sh_auditor", 200),
        ],
    ),
    "notifications.index": (
        "GET",
        lambda w: "/notifications/",
        None,
        [(ANON, "login"), ("sh_committee", 200)],
    ),
    "notifications.read_one": (
        # Each notification is its recipient's: for anyone else it does not exist.
        "POST",
        lambda w: f"/notifications/{w['notification'].id}/read",
        None,
        [
            (ANON, "login"),
            ("js_supervisor", 404),
            ("sh_officer", 404),
            ("sh_admin", 404),
            ("sh_sysadmin", 404),
            ("notification_unread", 0),
            ("sh_supervisor", 302),
            ("notification_read", 0),
        ],
    ),
    "notifications.read_all": (
        # Everyone signed in reads their own; nobody else's is touched.
        "POST",
        lambda w: "/notifications/read",
        None,
        [
            (ANON, "login"),
            ("js_committee", 302),
            ("sh_officer", 302),
            ("sh_sysadmin", 302),
            ("notification_unread", 0),
            ("sh_supervisor", 302),
            ("notification_read", 0),
        ],
    ),
    "notifications.email_settings": (
        # Each user's own choice: everyone signed in has one, nobody sees another's.
        "POST",
        lambda w: "/notifications/email",
        lambda w: {"email_mode": "digest"},
        [(ANON, "login"), ("js_committee", 302), ("sh_sysadmin", 302)],
    ),
    "exchange_wellknown.describe_node": (
        # Public: a peer's administrator reads it before any account exists for them.
        "GET",
        lambda w: w["node"] and "/.well-known/yrd-node",
        None,
        [(ANON, 200), ("js_committee", 200)],
    ),
    "notes.note_list": (
        "GET",
        lambda w: f"/cases/{w['investigating'].reference}/notes",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("sh_committee", 404),
            ("sh_auditor", 200),
            ("sh_officer", 200),
        ],
    ),
    "screening.screening_list": (
        "GET",
        lambda w: "/screenings",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_admin", 403), ("sh_screener", 200)],
    ),
    "screening.new_screening": (
        "GET",
        lambda w: "/screenings/new",
        None,
        [(ANON, "login"), ("sh_auditor", 403), ("js_sysadmin", 403), ("sh_screener", 200)],
    ),
    "screening.screening_detail": (
        "GET",
        lambda w: f"/screenings/{w['screening'].id}",
        None,
        [(ANON, "login"), ("js_screener", 404), ("sh_officer", 404), ("sh_screener", 200)],
    ),
    "screening.screening_progress": (
        "GET",
        lambda w: f"/screenings/{w['screening'].id}/progress.json",
        None,
        [(ANON, "login"), ("js_screener", 404), ("sh_officer", 404), ("sh_screener", 200)],
    ),
    "screening.download_excel": (
        "GET",
        lambda w: f"/screenings/{w['screening'].id}.xlsx",
        None,
        [(ANON, "login"), ("js_screener", 404), ("sh_admin", 404), ("sh_screener", 200)],
    ),
    "screening.download_pdf": (
        "GET",
        lambda w: f"/screenings/{w['screening'].id}.pdf",
        None,
        [(ANON, "login"), ("js_screener", 404), ("sh_auditor", 404), ("sh_screener", 200)],
    ),
    "records.record_list": (
        "GET",
        lambda w: "/records",
        None,
        [(ANON, "login"), ("sh_committee", 403), ("js_sysadmin", 403), ("js_auditor", 200)],
    ),
    "records.record_detail": (
        "GET",
        lambda w: f"/records/{w['draft_record'].id}",
        None,
        [(ANON, "login"), ("js_admin", 404), ("sh_committee", 404), ("sh_auditor", 200)],
    ),
    "records.draft": (
        "GET",
        lambda w: f"/cases/{w['decided'].reference}/record",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 200)],
    ),
    "records.approve": (
        # A visible record refuses the wrong role on its page, with the API's status; it
        # stays a draft.
        "POST",
        lambda w: f"/records/{w['draft_record'].id}/approve",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_supervisor", 403),
            ("sh_auditor", 403),
            ("still_draft", 0),
            ("sh_admin", 302),
        ],
    ),
    "records.return_draft": (
        # Only the deciding agency's administrator returns a draft to its officer; another
        # agency does not see the draft.
        "POST",
        lambda w: f"/records/{w['draft_record'].id}/return",
        lambda w: {"reason": "行为描述与调查报告不一致"},
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_officer", 403),
            ("sh_supervisor", 403),
            ("draft_waiting", 0),
            ("sh_admin", 302),
            ("draft_returned", 0),
        ],
    ),
    "records.withdraw": (
        # The deciding agency's administrator or the officer who drafted it withdraws a
        # draft; another agency does not see the draft, other roles are refused.
        "POST",
        lambda w: f"/records/{w['draft_record'].id}/withdraw",
        lambda w: {"reason": "复查认定无违规，草稿不再发布"},
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_supervisor", 403),
            ("sh_auditor", 403),
            ("still_draft", 0),
            ("sh_officer", 302),
            ("draft_withdrawn", 0),
        ],
    ),
    "records.revise": (
        # A returned draft is corrected by the case's officers; the administrator who
        # returned it and the agency's auditor are refused, another agency sees nothing.
        "GET",
        lambda w: f"/records/{w['returned_record'].id}/revise",
        None,
        [
            (ANON, "login"),
            ("js_officer", 404),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_auditor", 403),
            ("sh_admin", 403),
            ("sh_officer", 200),
        ],
    ),
    "records.revoke": (
        # Refusals (wrong agency, wrong role; the right one until a review overturns the
        # decision) come back as a message on the record page, with the API's status.
        "POST",
        lambda w: f"/records/{w['published_record'].id}/revoke",
        lambda w: {"reason": "复核撤销"},
        [
            (ANON, "login"),
            ("js_committee", 404),
            ("js_admin", 403),
            ("sh_supervisor", 403),
            ("sh_admin", 409),
            ("still_active", 0),
        ],
    ),
    "records.amend": (
        # Only the deciding agency's administrator, and only after a review modified the
        # decision (the refusal before that is in tests/records/test_amend.py).
        "GET",
        lambda w: f"/records/{w['amendable_record'].id}/amend",
        None,
        [
            (ANON, "login"),
            ("js_committee", 404),
            ("js_admin", 403),
            ("sh_officer", 403),
            ("sh_sysadmin", 404),
            ("sh_admin", 200),
        ],
    ),
    "records.recognise": (
        # Every agency but the deciding one decides on a published record: SH's own
        # supervisor and administrator are refused, JS's supervisor decides.
        "POST",
        lambda w: f"/records/{w['published_record'].id}/recognition",
        lambda w: {"decision": "recognise"},
        [
            (ANON, "login"),
            ("js_committee", 404),
            ("js_officer", 403),
            ("js_auditor", 403),
            ("sh_supervisor", 403),
            ("sh_admin", 403),
            ("unrecognised", 0),
            ("js_supervisor", 302),
        ],
    ),
    "records.check": (
        "GET",
        lambda w: "/integrity-check",
        None,
        [(ANON, "login"), ("sh_auditor", 403), ("sh_admin", 403), ("js_officer", 200)],
    ),
    "records.objection_new": (
        "GET",
        lambda w: f"/records/{w['published_record'].id}/objections/new",
        None,
        [(ANON, "login"), ("js_committee", 404), ("sh_auditor", 403), ("js_officer", 200)],
    ),
    "records.objection_detail": (
        # The subject's contact stays with the agencies that registered or handle it.
        "GET",
        lambda w: f"/records/objections/{w['objection'].id}",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 404), ("sh_officer", 200)],
    ),
    "records.objection_forward": (
        # The deciding agency registered it: there is nobody to forward it to.
        "POST",
        lambda w: f"/records/objections/{w['objection'].id}/forward",
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 409)],
    ),
    "records.objection_decide": (
        "POST",
        lambda w: f"/records/objections/{w['objection'].id}/decide",
        lambda w: {"outcome": "dismissed", "reasons": "经核实无误"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "records.objection_file": (
        "GET",
        lambda w: (
            f"/records/objections/{w['portal_objection'].id}/files/"
            f"{w['portal_objection'].files[0].id}"
        ),
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_auditor", 404), ("sh_supervisor", 200)],
    ),
    "records.repair_new": (
        "GET",
        lambda w: f"/records/{w['published_record'].id}/repairs/new",
        None,
        [(ANON, "login"), ("js_committee", 404), ("sh_auditor", 403), ("js_officer", 200)],
    ),
    "records.repair_detail": (
        "GET",
        lambda w: f"/records/repairs/{w['repair'].id}",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 404), ("sh_officer", 200)],
    ),
    "records.repair_decide": (
        "POST",
        lambda w: f"/records/repairs/{w['repair'].id}/decide",
        lambda w: {"decision": "refuse", "reasons": "承诺书未签字"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 302)],
    ),
    "records.repair_file": (
        "GET",
        lambda w: f"/records/repairs/{w['repair'].id}/proof",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_officer", 200)],
    ),
    "reports.report_list": (
        "GET",
        lambda w: "/integrity-reports",
        None,
        [(ANON, "login"), ("sh_auditor", 403), ("sh_admin", 403), ("js_officer", 200)],
    ),
    "reports.request_report": (
        "POST",
        lambda w: "/integrity-reports",
        lambda w: {"name": "王芳", "id_type": "resident_id", "id_number": "31010119900101999X"},
        [(ANON, "login"), ("sh_auditor", 403), ("sh_committee", 403), ("js_supervisor", 302)],
    ),
    "reports.download": (
        "GET",
        lambda w: f"/integrity-reports/{w['integrity_report'].code}.pdf",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 404), ("sh_supervisor", 200)],
    ),
    "reports.verify": (
        "GET",
        lambda w: "/verify",
        None,
        [(ANON, "login"), ("js_committee", 200)],
    ),
    "exchange.peers": (
        "GET",
        lambda w: "/exchange/peers",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_admin", 200)],
    ),
    "exchange.peer_active": (
        "POST",
        lambda w: f"/exchange/peers/{w['peer'].id}/active",
        lambda w: {"active": "0"},
        [
            (ANON, "login"),
            ("sh_supervisor", 403),
            ("js_officer", 403),
            ("peer_still_active", 0),
            ("sh_admin", 302),
        ],
    ),
    "statistics.agency": (
        "GET",
        lambda w: "/statistics?year=2026",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_committee", 403),
            ("sh_sysadmin", 403),
            ("sh_auditor", 200),
            ("sh_supervisor", 200),
            ("js_admin", 200),
        ],
    ),
    "statistics.region": (
        "GET",
        lambda w: "/statistics/region?year=2026",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_auditor", 403),
            ("sh_committee", 403),
            ("sh_sysadmin", 403),
            ("js_supervisor", 200),
            ("sh_admin", 200),
        ],
    ),
    "statistics.institution": (
        "GET",
        lambda w: f"/statistics/institution?name={w['received'].respondents[0].institution}",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_committee", 403),
            ("js_supervisor", 404),
            ("sh_auditor", 200),
        ],
    ),
    "statistics.table_csv_export": (
        "GET",
        lambda w: "/statistics/region/source.csv?year=2026",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_auditor", 403), ("js_supervisor", 200)],
    ),
    "statistics.workbook_export": (
        "GET",
        lambda w: "/statistics/agency.xlsx?year=2026",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_committee", 403), ("sh_auditor", 200)],
    ),
    "statistics.reports": (
        "GET",
        lambda w: "/statistics/reports",
        None,
        [(ANON, "login"), ("sh_officer", 403), ("sh_sysadmin", 403), ("sh_auditor", 200)],
    ),
    "statistics.request_annual_report": (
        "POST",
        lambda w: "/statistics/reports",
        lambda w: {"year": "2026", "scope": "region", "locale": "zh"},
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_auditor", 403),  # refused: an auditor reads the agency's figures only
            ("sh_supervisor", 302),
        ],
    ),
    "statistics.download_report": (
        "GET",
        lambda w: f"/statistics/reports/{w['annual_report'].document_id}.pdf",
        None,
        [(ANON, "login"), ("js_supervisor", 404), ("sh_admin", 404), ("sh_supervisor", 200)],
    ),
    "committees.pool": (
        "GET",
        lambda w: "/committees/experts",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 403),
            ("sh_committee", 403),
            ("sh_sysadmin", 403),
            ("js_supervisor", 200),
            ("sh_admin", 200),
        ],
    ),
    "committees.expert_new": (
        "GET",
        lambda w: "/committees/experts/new",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_sysadmin", 403), ("sh_admin", 200)],
    ),
    "committees.expert_edit": (
        "GET",
        lambda w: f"/committees/experts/{w['sh_expert'].id}",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_supervisor", 403),
            ("sh_admin", 200),
        ],
    ),
    "committees.expert_account": (
        "POST",
        lambda w: f"/committees/experts/{w['sh_expert'].id}/account",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("expert_without_account", 0),
            ("sh_admin", 200),
        ],
    ),
    "committees.seat_form": (
        "GET",
        lambda w: f"/committees/experts/{w['js_expert'].id}/seat",
        None,
        [
            (ANON, "login"),
            ("sh_committee", 404),
            ("sh_supervisor", 403),
            ("js_admin", 200),
            ("sh_admin", 200),
        ],
    ),
    "committees.panels": (
        "GET",
        lambda w: "/committees/panels",
        None,
        [(ANON, "login"), ("sh_committee", 403), ("sh_sysadmin", 403), ("sh_auditor", 200)],
    ),
    "committees.panel_new": (
        "GET",
        lambda w: "/committees/panels/new",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("sh_sysadmin", 403), ("sh_admin", 200)],
    ),
    "committees.panel_detail": (
        "GET",
        lambda w: f"/committees/panels/{w['sh_panel'].id}",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_committee", 404),
            ("sh_sysadmin", 404),
            ("sh_officer", 200),
            ("sh_admin", 200),
        ],
    ),
    "committees.panel_rules": (
        "POST",
        lambda w: f"/committees/panels/{w['sh_panel'].id}/rules",
        lambda w: {
            "min_members": 7,
            "quorum": 6,
            "threshold_num": 2,
            "threshold_den": 3,
            "inclusive": "y",
            "max_term_years": 5,
        },
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("quorum_unchanged", 0),
            ("sh_admin", 302),
        ],
    ),
    "committees.seat_end": (
        "POST",
        lambda w: f"/committees/seats/{w['sh_seat'].id}/end",
        None,
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("sh_supervisor", 403),
            ("seat_still_active", 0),
            ("sh_admin", 302),
        ],
    ),
    "committees.invitations": (
        "GET",
        lambda w: "/committees/invitations",
        None,
        [(ANON, "login"), ("sh_committee", 200), ("js_officer", 200)],
    ),
    "committees.answer": (
        # Only the invited expert; for anyone else the invitation does not exist.
        "POST",
        lambda w: f"/committees/invitations/{w['invitation'].id}",
        lambda w: {"answer": "accept"},
        [
            (ANON, "login"),
            ("sh_admin", 404),
            ("js_admin", 404),
            ("js_committee", 404),
            ("invitation_open", 0),
            ("invited_expert", 302),
        ],
    ),
    "committees.review_inbox": (
        "GET",
        lambda w: "/committees/reviews",
        None,
        [(ANON, "login"), ("sh_officer", 200), ("review_member", 200)],
    ),
    "committees.review_detail": (
        # A review exists only for its members: not for the case's own agency, another
        # panel's member, another agency's member, or a recused member.
        "GET",
        lambda w: f"/committees/reviews/{w['review'].id}",
        None,
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("sh_committee", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("review_member", 200),
        ],
    ),
    "committees.review_evidence_download": (
        # A file of the package, for a member who reads the package: not for the case's own
        # agency, another panel's or agency's member, a recused or undeclared member.
        "GET",
        lambda w: f"/committees/reviews/{w['review'].id}/evidence/{w['review_item'].id}/download",
        None,
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("sh_committee", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("review_member", 403),
            ("declared_member", 200),
        ],
    ),
    "committees.review_evidence_preview": (
        "GET",
        lambda w: f"/committees/reviews/{w['review'].id}/evidence/{w['review_item'].id}/preview",
        None,
        [
            (ANON, "login"),
            ("sh_officer", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("review_member", 403),
            ("declared_member", 200),
        ],
    ),
    "committees.review_declare": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/declaration",
        lambda w: {"conflict": "none"},
        [
            (ANON, "login"),
            ("sh_officer", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("member_undeclared", 0),
            ("review_member", 302),
        ],
    ),
    "committees.review_vote": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/vote",
        lambda w: {"choice": "endorse", "opinion": "同意"},
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("sh_committee", 404),
            ("recused_member", 403),
            ("review_member", 409),  # not declared yet: refused by the procedure
            ("no_vote_yet", 0),
            ("declared_member", 302),
        ],
    ),
    "committees.review_correct": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/declaration/correction",
        lambda w: {"conflict": "coauthor", "note": "合著"},
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("review_member", 409),  # never declared: nothing to correct
            ("nobody_corrected", 0),
            ("declared_member", 302),
        ],
    ),
    "committees.review_advise": (
        # Consultants only; a voting member is refused by the procedure.
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/advice",
        lambda w: {"opinion": "咨询意见"},
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("declared_member", 409),
            ("no_advice", 0),
        ],
    ),
    "committees.review_lift": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/members/{w['review'].members[2].id}/lift",
        lambda w: {"reason": "经核实不影响公正审议"},
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("js_committee", 404),
            ("recused_member", 403),
            ("review_member", 403),
            ("still_recused", 0),
            ("review_chair", 302),
        ],
    ),
    "committees.review_recuse": (
        "POST",
        lambda w: (
            f"/committees/reviews/{w['review'].id}/members/{w['review'].members[1].id}/recuse"
        ),
        lambda w: {"reason": "近亲属"},
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("js_committee", 404),
            ("review_member", 403),
            ("nobody_recused", 0),
            ("review_chair", 302),
        ],
    ),
    "committees.review_dismiss": (
        "POST",
        lambda w: (
            f"/committees/reviews/{w['review'].id}/members/{w['review'].members[1].id}/dismiss"
        ),
        None,
        [
            (ANON, "login"),
            ("sh_admin", 404),
            ("review_member", 403),
            ("review_chair", 409),  # the screen proposed nothing for this member
        ],
    ),
    "committees.review_confirm_screen": (
        "POST",
        lambda w: (
            f"/committees/reviews/{w['review'].id}/members/{w['review'].members[1].id}/confirm"
        ),
        lambda w: {"reason": "同一单位"},
        [
            (ANON, "login"),
            ("sh_admin", 404),
            ("review_member", 403),
            ("review_chair", 409),  # the screen flagged nothing for this member
        ],
    ),
    "committees.review_meeting": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/meeting",
        lambda w: {f"attendance-{m.id}": "present" for m in w["review"].members},
        [
            (ANON, "login"),
            ("js_admin", 404),
            ("review_member", 403),
            ("no_attendance", 0),
            ("review_chair", 302),
        ],
    ),
    "committees.review_close": (
        "POST",
        lambda w: f"/committees/reviews/{w['review'].id}/close",
        None,
        [
            (ANON, "login"),
            ("sh_supervisor", 404),
            ("review_member", 403),
            ("review_chair", 409),  # no attendance recorded: refused, the review stays open
            ("review_open", 0),
        ],
    ),
    "joint.index": (
        "GET",
        lambda w: "/joint",
        None,
        [(ANON, "login"), ("sh_committee", 403), ("sh_auditor", 403), ("sh_officer", 200)],
    ),
    "joint.invite": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/joint/invite",
        lambda w: {"agencies": "JS", "message": ""},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 422)],
    ),
    "joint.end": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/joint/end",
        lambda w: {"reason": "x"},
        [(ANON, "login"), ("js_supervisor", 404), ("sh_officer", 403), ("sh_supervisor", 409)],
    ),
    "joint.answer": (
        "POST",
        lambda w: f"/joint/invitations/{w['joint_invitation'].id}/answer",
        None,
        [(ANON, "login"), ("sh_supervisor", 403), ("js_officer", 403), ("js_supervisor", 422)],
    ),
    "joint.remove": (
        "POST",
        lambda w: f"/joint/participations/{w['joint_invitation'].id}/remove",
        None,
        [(ANON, "login"), ("js_supervisor", 403), ("sh_officer", 403), ("sh_supervisor", 422)],
    ),
    "joint.withdraw": (
        "POST",
        lambda w: f"/joint/participations/{w['joint_invitation'].id}/withdraw",
        lambda w: {"reason": "x"},
        [(ANON, "login"), ("sh_supervisor", 403), ("js_officer", 403), ("js_supervisor", 409)],
    ),
    "joint.new_task": (
        "POST",
        lambda w: f"/cases/{w['investigating'].reference}/tasks",
        None,
        [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 403), ("sh_officer", 422)],
    ),
    "joint.task": (
        "GET",
        lambda w: f"/joint/tasks/{w['joint_task'].id}",
        None,
        [(ANON, "login"), ("sh_committee", 404), ("js_auditor", 404), ("js_officer", 200)],
    ),
    "joint.task_step": (
        "POST",
        lambda w: f"/joint/tasks/{w['joint_task'].id}/accept",
        None,
        [(ANON, "login"), ("sh_committee", 404), ("sh_officer", 403), ("js_officer", 302)],
    ),
}


# The public reporting portal and the agencies' intake (app/reporting).
REPORT_ACT = [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 403)]
MATRIX.update(
    {
        "reporting.portal_home": ("GET", lambda w: "/report", None, [(ANON, 200)]),
        "reporting.report_form": ("GET", lambda w: "/report/new", None, [(ANON, 200)]),
        "reporting.follow_up_login": ("GET", lambda w: "/report/follow-up", None, [(ANON, 200)]),
        # A wrong code is refused whoever posts it; the code is the only credential.
        "reporting.receipt": (
            "POST",
            lambda w: "/report/receipt",
            lambda w: {"code": "0" * 16},
            [("sh_officer", 422), (ANON, 422)],
        ),
        "reporting.confirm": (
            "POST",
            lambda w: "/report/confirm",
            lambda w: {"code": "0" * 16, "written": "yes"},
            [(ANON, 422)],
        ),
        # Without a follow-up opened by a code: back to the code's page.
        "reporting.follow_up": ("GET", lambda w: "/report/follow-up/report", None, [(ANON, 302)]),
        "reporting.follow_up_message": (
            "POST",
            lambda w: "/report/follow-up/message",
            lambda w: {"body": "x"},
            [(ANON, 302), ("sh_officer", 302)],
        ),
        "reporting.follow_up_evidence": (
            "POST",
            lambda w: "/report/follow-up/evidence",
            None,
            [(ANON, 302)],
        ),
        "reporting.follow_up_end": ("POST", lambda w: "/report/follow-up/end", None, [(ANON, 302)]),
        # Another feature's filing on the portal (a subject's objection, app.records.portal):
        # its form for anyone; an empty post is refused whoever sends it; its follow-up only
        # after its code was entered.
        "reporting.filing_form": (
            "POST",
            lambda w: "/report/file/objection",
            lambda w: {"reference": ""},
            [("sh_officer", 422), (ANON, 422)],
        ),
        "reporting.filing_follow_up": (
            "GET",
            lambda w: "/report/file/objection/follow-up",
            None,
            [(ANON, 302), ("sh_supervisor", 302)],
        ),
        "reporting.intake": (
            "GET",
            lambda w: "/intake",
            None,
            [(ANON, "login"), ("sh_committee", 403), ("sh_auditor", 200), ("js_officer", 200)],
        ),
        "reporting.intake_detail": (
            "GET",
            lambda w: f"/intake/{w['report'].id}",
            None,
            [(ANON, "login"), ("js_officer", 404), ("sh_committee", 404), ("sh_auditor", 200)],
        ),
        "reporting.file": (
            "GET",
            lambda w: f"/intake/{w['report'].id}/files/{w['report'].files[0].id}",
            None,
            [(ANON, "login"), ("js_officer", 404), ("sh_auditor", 200), ("sh_officer", 200)],
        ),
        "reporting.register": (
            "POST",
            lambda w: f"/intake/{w['report'].id}/register",
            None,
            [*REPORT_ACT, ("sh_officer", 302)],
        ),
        "reporting.attach": (
            "POST",
            lambda w: f"/intake/{w['report'].id}/attach",
            lambda w: {"reference": w["received"].reference},
            [*REPORT_ACT, ("sh_officer", 302)],
        ),
        "reporting.not_accept": (
            "POST",
            lambda w: f"/intake/{w['report'].id}/not-accept",
            lambda w: {"reason": "不属于本机关管辖"},
            [*REPORT_ACT, ("sh_officer", 302)],
        ),
        "reporting.message": (
            "POST",
            lambda w: f"/intake/{w['report'].id}/message",
            lambda w: {"body": "请补充材料"},
            [*REPORT_ACT, ("sh_officer", 302)],
        ),
    }
)


# The ethics committee registry and annual reports (app/ethics/registry_views.py): the
# unit's office, its province's authority, another province (the summary only).
MATRIX.update(
    {
        "ethics.registry": (
            "GET",
            lambda w: "/ethics/registry",
            None,
            [
                (ANON, "login"),
                ("sh_officer", 403),
                ("eth_applicant", 403),
                ("eth_office", 302),
                ("js_supervisor", 200),
                ("sh_supervisor", 200),
            ],
        ),
        "ethics.registry_region": (
            "GET",
            lambda w: "/ethics/registry/region",
            None,
            [(ANON, "login"), ("eth_applicant", 403), ("sh_officer", 200), ("js_supervisor", 200)],
        ),
        "ethics.registry_committee": (
            "GET",
            lambda w: f"/ethics/registry/committees/{w['eth'].panel.id}",
            None,
            [
                (ANON, "login"),
                ("js_supervisor", 404),
                ("eth_applicant", 404),
                ("sh_officer", 404),
                ("eth_office", 200),
                ("sh_supervisor", 200),
            ],
        ),
        "ethics.registry_file": (
            "POST",
            lambda w: f"/ethics/registry/committees/{w['eth'].panel.id}/register",
            lambda w: {"charter": ""},
            [(ANON, "login"), ("js_supervisor", 404), ("sh_supervisor", 403), ("eth_office", 422)],
        ),
        "ethics.registry_answer": (
            "POST",
            lambda w: f"/ethics/registry/registrations/{w['eth_registration'].id}/answer",
            lambda w: {"decision": "return", "reason": ""},
            [
                (ANON, "login"),
                ("js_supervisor", 404),
                ("eth_office", 403),
                ("sh_supervisor", 422),
                ("registration_waiting", True),
            ],
        ),
        "ethics.annual_form": (
            "GET",
            lambda w: (
                f"/ethics/registry/committees/{w['eth'].panel.id}/reports/{today().year - 1}/work"
            ),
            None,
            # The office: a year before the committee was set up.
            [(ANON, "login"), ("js_supervisor", 404), ("sh_supervisor", 403), ("eth_office", 422)],
        ),
        "ethics.annual_report": (
            "GET",
            lambda w: f"/ethics/registry/reports/{w['eth_report'].id}",
            None,
            [
                (ANON, "login"),
                ("js_supervisor", 404),
                ("eth_applicant", 404),
                ("eth_office", 200),
                ("sh_supervisor", 200),
            ],
        ),
        "ethics.registry_listed": (
            "POST",
            lambda w: f"/ethics/registry/listed/{w['eth'].application.reference}",
            None,
            [(ANON, "login"), ("js_supervisor", 404), ("sh_supervisor", 403), ("eth_office", 409)],
        ),
    }
)


def _record_status(world, key: str):
    from app.extensions import db

    record = world[key]
    db.session.refresh(record)
    return record.status.value


def _draft_stage(world, key: str):
    from app.extensions import db

    record = world[key]
    db.session.refresh(record)
    return record.draft_stage.value if record.draft_stage else None


def _peer_active(world) -> bool:
    from app.extensions import db

    db.session.refresh(world["peer"])
    return world["peer"].active


def _session_ended(world) -> bool:
    from app.extensions import db

    db.session.refresh(world["officer_session"])
    return world["officer_session"].ended_at is not None


def _recognitions(world) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.records.models import Recognition

    return db.session.scalar(select(func.count()).select_from(Recognition))


def _token_active(world) -> bool:
    from app.extensions import db

    db.session.refresh(world["token"])
    return world["token"].status() == "active"


def _transfer_pending(world) -> bool:
    from app.extensions import db

    db.session.refresh(world["transfer"])
    return world["transfer"].state.value == "pending"


# Pseudo-visitors that check a refused request changed nothing.
CHECKS = {
    "officer_session_live": lambda w: not _session_ended(w),
    "officer_session_ended": _session_ended,
    "transfer_still_pending": _transfer_pending,
    "notification_unread": lambda w: _refreshed(w, "notification").read_at is None,
    "notification_read": lambda w: _refreshed(w, "notification").read_at is not None,
    "token_still_active": _token_active,
    "still_draft": lambda w: _record_status(w, "draft_record") == "draft",
    "draft_waiting": lambda w: _draft_stage(w, "draft_record") == "submitted",
    "draft_returned": lambda w: _draft_stage(w, "draft_record") == "returned",
    "still_active": lambda w: _record_status(w, "published_record") == "active",
    "draft_withdrawn": lambda w: _record_status(w, "draft_record") == "withdrawn",
    "peer_still_active": _peer_active,
    "unrecognised": lambda w: _recognitions(w) == 0,
    "expert_without_account": lambda w: _refreshed(w, "sh_expert").user_id is None,
    "quorum_unchanged": lambda w: _refreshed(w, "sh_panel").quorum == 5,
    "seat_still_active": lambda w: _refreshed(w, "sh_seat").status.value == "active",
    "invitation_open": lambda w: _refreshed(w, "invitation").status.value == "invited",
    "member_undeclared": lambda w: _refreshed(w, "review").members[1].declared_at is None,
    "no_vote_yet": lambda w: all(m.choice is None for m in _refreshed(w, "review").members),
    "nobody_recused": lambda w: not any(m.recused for m in _refreshed(w, "review").members),
    "no_attendance": lambda w: all(m.attendance is None for m in _refreshed(w, "review").members),
    "review_open": lambda w: _refreshed(w, "review").status.value == "open",
    "nobody_corrected": lambda w: (
        not any(m.conflict for m in _refreshed(w, "review").members if not m.recused)
    ),
    "no_advice": lambda w: all(m.opinion is None for m in _refreshed(w, "review").members),
    "still_recused": lambda w: _refreshed(w, "review").members[2].recused,
    "item_unmarked": lambda w: _refreshed(w, "item").panel_marked_at is None,
    "note_unmarked": lambda w: _refreshed(w, "note").panel_marked_at is None,
    "registration_waiting": lambda w: _refreshed(w, "eth_registration").state.value == "submitted",
}


def _refreshed(world, key: str):
    from app.extensions import db

    db.session.refresh(world[key])
    return world[key]


def _declared(world, case_key: str, person: str) -> bool:
    """The colleague has declared no conflict, as they must before joining a team."""
    from app.protection.conflicts import declare_conflicts, latest_declaration

    case, user = world[case_key], world[person]
    if latest_declaration(case, user) is None:
        declare_conflicts(case, user, [])
    return True


def html_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not rule.endpoint.startswith("api.")
        and not rule.rule.startswith("/api/")
    }


def test_every_html_route_is_in_the_matrix(app):
    missing = html_endpoints(app) - set(MATRIX)
    assert not missing, f"add these routes to the access matrix: {sorted(missing)}"
    assert not set(MATRIX) - html_endpoints(app), "the matrix names routes that do not exist"


@pytest.fixture
def world(make_user, make_case):
    # System administrators live in the platform pseudo-agency; the "sh_"/"js_" prefix of
    # theirs only names two different ones.
    people = {
        f"{code.lower()}_{key}": make_user("PLATFORM" if key == "sysadmin" else code, roles=roles)
        for code in ("SH", "JS")
        for key, roles in (
            ("officer", ("officer",)),
            ("supervisor", ("supervisor",)),
            ("admin", ("agency_admin",)),
            ("auditor", ("auditor",)),
            ("committee", ("committee_member",)),
            ("sysadmin", ("sysadmin",)),
            ("screener", ("screener",)),
        )
    }
    built = World(people, make_case)
    built.make_user = make_user
    return built


class World(dict):
    """People up front; cases and other objects only when a route needs one (walking a case
    costs time), each built through the real services."""

    STATES = {
        "received": CaseState.received,
        "preliminary": CaseState.preliminary_review,
        "investigating": CaseState.investigating,
        "notice": CaseState.pre_decision_notice,
        "decided": CaseState.decided,
    }

    def __init__(self, people, make_case):
        super().__init__(people)
        self.make_case = make_case

    def __missing__(self, key):
        if key in self.STATES:
            value = self.make_case(state=self.STATES[key], by=self["sh_officer"])
        else:
            value = getattr(self, f"_build_{key}")()
        self[key] = value
        return value

    def _build_report(self):
        from app.evidence.services import Upload
        from app.reporting.services import ReportInput, submit_report

        data = ReportInput(
            agency="SH",
            respondents=[{"name": "王强", "institution": "同济大学"}],
            misconduct_types=["plagiarism"],
            description="论文抄袭",
            anonymous=True,
            files=[Upload(io.BytesIO(PDF), "证据.pdf")],
        )
        return submit_report(data, None)[0]

    def _build_joint_invitation(self):
        from app.joint.services import invite_agencies

        (invitation,) = invite_agencies(
            self["investigating"],
            [self["js_officer"].agency],
            "请协助",
            self["sh_supervisor"],
            None,
        )
        return invitation

    def _build_joint_task(self):
        from app.joint.services import accept_invitation, create_task, invite_agencies

        case = self.make_case(state=CaseState.investigating, by=self["sh_officer"])
        (p,) = invite_agencies(
            case, [self["js_officer"].agency], "请协助", self["sh_supervisor"], None
        )
        accept_invitation(p, [self["js_officer"]], self["js_supervisor"])
        return create_task(
            case,
            self["sh_officer"],
            agency=p.agency,
            kind="interview",
            title="询问",
            description="",
            due_in_days=5,
            assignee=self["js_officer"],
        )

    def _build_notification(self):
        """sh_supervisor's: a case registered in their agency waits for a team."""
        from sqlalchemy import select

        from app.extensions import db
        from app.notifications.models import Notification

        case = self["received"]
        return db.session.scalar(
            select(Notification).where(
                Notification.case_id == case.id,
                Notification.user_id == self["sh_supervisor"].id,
            )
        )

    def _build_item(self):
        from app.evidence.services import Upload, add_file_evidence

        return add_file_evidence(
            self["investigating"], Upload(io.BytesIO(PDF), "report.pdf"), self["sh_officer"]
        )

    def _build_note(self):
        import datetime as dt

        from app.notes.services import NoteInput, add_note

        return add_note(
            self["investigating"],
            self["sh_officer"],
            NoteInput(kind="note", title="内部笔记", happened_on=dt.date(2026, 1, 5), body="正文"),
        )

    def _build_transfer(self):
        from app.cases.transfers import transfer_case

        case = self.make_case(state=CaseState.preliminary_review, by=self["sh_officer"])
        return transfer_case(
            case,
            self["sh_supervisor"],
            target_agency="JS",
            reason="属地管辖",
            identity_travels=False,
            expected_version=None,
        )

    def _build_accepted_transfer(self):
        from app.cases.transfers import accept_transfer

        transfer = self["transfer"]
        accept_transfer(transfer, self["js_supervisor"])
        return transfer

    def _build_granted_lead(self):
        from app.protection.identity import grant_complainant_access

        case = self["investigating"]
        grant_complainant_access(case, case.lead.id, self["sh_supervisor"])
        return case.lead.user

    def _build_enrolling(self):
        """sh_officer has started setting up a second factor: its QR code exists."""
        from app.auth.totp import start_enrolment

        return start_enrolment(self["sh_officer"])

    def _build_enrolled_member(self):
        import pyotp

        from app.auth.totp import confirm_enrolment, start_enrolment

        user = self["sh_committee"]
        from tests.conftest import TEST_PASSWORD

        secret = start_enrolment(user).secret
        confirm_enrolment(user, pyotp.TOTP(secret).now(), TEST_PASSWORD)
        return user

    def _build_job(self):
        return self._dossier_job()

    def _build_dossier(self):
        from sqlalchemy import select

        from app.dossiers.models import Dossier
        from app.extensions import db

        job = self["job"]
        return db.session.scalar(select(Dossier).where(Dossier.case_id == job.case_id))

    def _dossier_job(self):
        from app.dossiers.models import DossierLevel
        from app.dossiers.services import request_dossier

        return request_dossier(self["received"], self["sh_auditor"], DossierLevel.shared)

    def _build_draft_record(self):
        from app.records.services import draft_record, suggested_draft

        case = self["decided"]
        return draft_record(case, self["sh_officer"], suggested_draft(case, case.respondents[0]))

    def _build_returned_record(self):
        from app.records.services import return_record

        record = self["draft_record"]
        return_record(record, self["sh_admin"], "请核对处理依据")
        return record

    def _build_published_record(self):
        from app.records.services import approve_record

        record = self["draft_record"]
        approve_record(record, self["sh_admin"])
        return record

    def _build_objection(self):
        from app.records.remedies import register_objection

        objection, _publication = register_objection(
            self["published_record"], self["sh_officer"], "非本人", "邮寄"
        )
        return objection

    def _build_portal_objection(self):
        import io

        from app.evidence.services import Upload
        from app.records.portal import PortalObjection, file_portal_objection

        record = self["published_record"]
        data = PortalObjection(
            reference=record.record_uid,
            name=record.subject_name,
            id_number="31010119800101123X",
            grounds="并非本人",
            files=[Upload(io.BytesIO(PDF), "说明.pdf")],
        )
        return file_portal_objection(data, "f" * 64)[0]

    def _build_repair(self):
        from app.core.calendar import as_of, today
        from app.records.remedies import RepairFile, repair_from, request_repair

        record = self["published_record"]
        with as_of(max(today(), repair_from(record))):
            return request_repair(
                record,
                self["sh_officer"],
                "已整改",
                RepairFile(io.BytesIO(PDF), "proof.pdf"),
                RepairFile(io.BytesIO(PDF + b"%c\n"), "commitment.pdf"),
            )

    def _build_amendable_record(self):
        from tests.records.test_amend import published_after_modified_review

        case = self.make_case(state=CaseState.decided, by=self["sh_officer"])
        return published_after_modified_review(case, self["sh_admin"])

    def _build_integrity_report(self):
        from app.reports.services import ReportRequest, issue_report

        request = ReportRequest("王芳", "resident_id", "31010119900101999X")
        return issue_report(self["sh_officer"], request)

    def _build_annual_report(self):
        from app.extensions import db
        from app.statistics.models import AnnualReport
        from app.statistics.reports import request_report

        request_report(self["sh_supervisor"], "agency", 2026, "zh")
        return db.session.query(AnnualReport).one()

    def _build_token(self):
        from app.auth.models import ApiToken
        from app.auth.services import create_token, tokens_of

        create_token(self["sh_officer"], "matrix")
        token = tokens_of(self["sh_officer"])[0]
        assert isinstance(token, ApiToken)
        return token

    def _build_officer_session(self):
        from app.auth.models import UserSession
        from app.auth.sessions import start_session
        from app.extensions import db

        start_session(self["sh_officer"], "203.0.113.7", "Mozilla/5.0 (X11; Linux) Firefox/128.0")
        return db.session.scalars(
            db.select(UserSession).order_by(UserSession.id.desc()).limit(1)
        ).one()

    def _build_node(self):
        from app.core.node import init_node

        return init_node()[0]

    def _expert(self, code: str, name: str):
        from app.committees.services import ExpertInput, register_expert

        return register_expert(
            self[f"{code}_admin"],
            ExpertInput(name=name, institution="大学", gender="female", categories=["peer"]),
        )

    def _build_sh_expert(self):
        return self._expert("sh", "上海专家")

    def _build_js_expert(self):
        return self._expert("js", "江苏专家")

    def _build_sh_panel(self):
        from app.committees.services import create_panel

        return create_panel(self["sh_admin"], "academic", "学术委员会")

    def _build_sh_seat(self):
        import datetime as dt

        from app.committees.services import seat_expert

        seat, _password = seat_expert(
            self["sh_admin"],
            self["sh_panel"],
            self._expert("sh", "上海委员"),
            "member",
            "peer",
            dt.date(2026, 1, 1),
            dt.date(2028, 1, 1),
        )
        return seat

    def _build_invitation(self):
        import datetime as dt

        from app.committees.services import link_expert_account, seat_expert

        expert = self["js_expert"]
        link_expert_account(self["js_admin"], expert, self["js_officer"])
        seat, _password = seat_expert(
            self["sh_admin"],
            self["sh_panel"],
            expert,
            "member",
            "peer",
            dt.date(2026, 1, 1),
            dt.date(2028, 1, 1),
        )
        return seat

    def _build_invited_expert(self):
        return self["invitation"].expert.user

    def _build_draft(self):
        from app.documents.services import create_draft

        return create_draft(self["investigating"], self["sh_officer"], "acceptance_notice")

    def _build_unrendered_document(self):
        """Issued, its PDF job never queued: the page offers to prepare it again."""
        from app.documents.services import create_draft, issue_document

        draft = create_draft(self["investigating"], self["sh_officer"], "acceptance_notice")
        return issue_document(draft, self["sh_supervisor"])

    def _build_issued_document(self):
        from app.documents.services import issue_document, request_pdf

        document = issue_document(self["draft"], self["sh_supervisor"])
        request_pdf(document, self["sh_supervisor"])
        return document

    def _build_served_document(self):
        from app.documents.services import record_service

        document = self["issued_document"]
        proof = type("Proof", (), {"stream": io.BytesIO(PDF), "filename": "回执.pdf"})()
        record_service(
            document, self["sh_officer"], method="in_person", served_on=today(), proof=proof
        )
        return document

    def _build_review(self):
        from sqlalchemy import select

        from app.committees.models import Review
        from app.extensions import db

        case = self.make_case(state=CaseState.committee_review, by=self["sh_officer"])
        return db.session.scalar(select(Review).where(Review.case_id == case.id))

    def _build_review_item(self):
        from app.evidence.services import Upload, add_file_evidence

        review = self["review"]
        return add_file_evidence(
            review.case,
            Upload(io.BytesIO(PDF + b"% package"), "package.pdf"),
            self["sh_officer"],
            title="审议材料",
            visibility="shared",
        )

    def _member_user(self, index: int):
        from tests.conftest import password_hash

        user = self["review"].members[index].seat.expert.user
        user.password_hash = password_hash()
        return user

    def _build_review_chair(self):
        return self._member_user(0)

    def _build_review_member(self):
        return self._member_user(1)

    def _build_recused_member(self):
        from app.committees.reviews import declare

        user = self._member_user(2)
        declare(user, self["review"], "relative")
        return user

    def _build_declared_member(self):
        from app.committees.reviews import declare

        user = self._member_user(3)
        declare(user, self["review"], "none")
        return user

    def _build_screening(self):
        from app.screening.reading import ListRow
        from app.screening.services import start_screening, submit_screening

        rows = [ListRow(2, "王芳", "", "11010119900307123" + "3", "浙江大学")]
        screener = self["sh_screener"]
        screening = submit_screening(screener, "2026年度项目申报", lambda: rows)
        return start_screening(screening, screener)

    def _build_eth(self):
        """The ethics world (tests/ethics/conftest.py) with this matrix's people; an
        application accepted for a meeting, one member declared, one recused."""
        from app.ethics import reviewing
        from tests.ethics.conftest import accepted, build_world

        w = build_world(
            self.make_user,
            admin=self["sh_admin"],
            supervisor=self["sh_supervisor"],
            other_province=self["js_supervisor"],
            js_admin=self["js_admin"],
        )
        w.application = accepted(w)
        reviewing.declare(w.members[1], w.application, False)
        reviewing.declare(w.members[2], w.application, True, "合作者")
        return w

    def _build_eth_record(self):
        from app.ethics.review_record import request_record

        return request_record(self["eth"].office, self["eth"].application)

    def _build_eth_applicant(self):
        return self["eth"].applicant

    def _build_eth_other_applicant(self):
        return self["eth"].other_applicant

    def _build_eth_office(self):
        return self["eth"].office

    def _build_eth_member_before(self):
        return self["eth"].members[3]

    def _build_eth_member_after(self):
        return self["eth"].members[1]

    def _build_eth_recused(self):
        return self["eth"].members[2]

    def _build_eth_submitted(self):
        from app.ethics import services
        from tests.ethics.conftest import filled

        application = filled(self["eth"])
        services.submit_application(self["eth"].applicant, application)
        return application

    def _build_eth_draft(self):
        from tests.ethics.conftest import filled

        return filled(self["eth"])

    def _build_eth_registration(self):
        from app.ethics import registry
        from tests.ethics.test_registry import DATA

        return registry.file_registration(self["eth"].office, self["eth"].unit_a, DATA)

    def _build_eth_report(self):
        import datetime as dt

        from app.core.calendar import as_of
        from app.ethics import annual
        from tests.ethics.test_annual import registered

        w, year = self["eth"], today().year
        registered(w)
        with as_of(dt.date(year + 1, 1, 15)):
            return annual.file_report(w.office, w.unit_a, year, "work", {}, {}, "年度总结")

    def _build_eth_site(self):
        """A multi-site activity of the ethics world, decided, with a JS unit's committee
        as its site (tests/ethics/site_world.py)."""
        from app.ethics import sites
        from tests.ethics.site_world import approve, make_multi_site

        w = self["eth"]
        application = make_multi_site(w)
        site = sites.add_local_site(w.office, application, self["eth_js"].unit.id)
        approve(w, application)
        return site

    def _build_eth_js(self):
        from tests.ethics.site_world import js_site_unit

        return js_site_unit(self.make_user, admin=self["js_admin"])

    def _build_eth_site_office(self):
        assert self["eth_site"] is not None  # the site exists before its office signs in
        return self["eth_js"].office

    def _build_peer(self):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from app.core.node import public_key_text
        from app.exchange.services import add_peer

        key = public_key_text(Ed25519PrivateKey.generate().public_key())
        return add_peer("node-matrix", "https://peer.example.test", key, self["sh_admin"])


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_kind_of_visitor(endpoint, app, client, world):
    method, path, data, expectations = MATRIX[endpoint]
    for actor, expected in expectations:
        if actor in CHECKS:
            assert CHECKS[actor](world), f"{endpoint}: {actor}"
            continue
        client.post("/logout")
        if actor != ANON:
            sign_in(client, world[actor])
        body = data(world) if data else None
        response = client.open(path(world), method=method, data=body)
        response.close()  # a streamed body ends its request context before the next request
        where = f"{method} {path(world)} as {actor}"
        if expected == "login":
            assert response.status_code == 302, where
            assert "/login" in response.headers["Location"], where
        else:
            assert response.status_code == expected, f"{where}: {response.status_code}"
