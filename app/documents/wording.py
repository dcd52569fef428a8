"""The built-in wording of each kind of document and the placeholders a template may use.

Templates are plain text with `{{ name }}` placeholders from a fixed list, not Jinja: an
agency administrator writes letters, not programs, and a fixed list can be checked when
the template is saved (an unknown name is refused there, not discovered at issue), while
even a sandboxed Jinja template could loop, branch and read attributes of whatever it was
given. The values are filled in as text; the PDF escapes them like everything else."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.documents.models import DocumentKind as K

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

PLACEHOLDERS = {
    "agency": _l("The agency's name"),
    "case_reference": _l("The case's reference number"),
    "case_title": _l("The case's title"),
    "received_date": _l("The date the case was received"),
    "recipient": _l("The recipient"),
    "respondent": _l("The respondent's name"),
    "respondent_identity": _l("The respondent's identity: name, identity document, unit"),
    "allegations": _l("The allegations, one per line"),
    "facts": _l("The facts found (the investigation report)"),
    "decision": _l("The decision's text"),
    "sanctions": _l("The sanctions, one per line"),
    "reason": _l("The reason recorded with the case's current state"),
    "defence_days": _l("Working days for a defence statement, counted from service"),
    "review_days": _l("Working days for a review request, counted from service"),
    "review_outcome": _l("The outcome of the review"),
    "basis": _l("The rules the decision rests on"),
}

BASIS = "《科研失信行为调查处理规则》（国科发监〔2022〕221号）"

DEFAULTS: dict[K, tuple[str, str]] = {
    K.acceptance_notice: (
        "受理通知书",
        "{{ recipient }}：\n"
        "你（单位）反映的“{{ case_title }}”一事，本机关已于{{ received_date }}收到，"
        "经初步核查，决定予以受理（案件编号：{{ case_reference }}）。\n"
        "特此通知。\n{{ agency }}",
    ),
    K.non_acceptance_notice: (
        "不予受理告知书",
        "{{ recipient }}：\n"
        "你（单位）反映的“{{ case_title }}”一事（案件编号：{{ case_reference }}），"
        "经初步核查，决定不予受理。理由如下：\n{{ reason }}\n"
        "特此告知。\n{{ agency }}",
    ),
    K.investigation_notice: (
        "立案调查通知书",
        "{{ recipient }}：\n"
        "根据{{ basis }}，本机关决定对“{{ case_title }}”（案件编号：{{ case_reference }}）"
        "立案调查。涉及的问题：\n{{ allegations }}\n"
        "请予以配合，如实提供有关材料。\n{{ agency }}",
    ),
    K.pre_decision_notice: (
        "处理决定告知书",
        "{{ respondent_identity }}：\n"
        "经调查，本机关认定如下事实：\n{{ facts }}\n"
        "本机关拟作出如下处理：\n{{ decision }}\n{{ sanctions }}\n"
        "依据{{ basis }}，你享有陈述和申辩的权利。请自收到本告知书之日起"
        "{{ defence_days }}个工作日内提出书面陈述、申辩意见；逾期未提出的，视为放弃。\n"
        "{{ agency }}",
    ),
    K.decision: (
        "处理决定书",
        "被处理人：{{ respondent_identity }}\n"
        "经查明：\n{{ facts }}\n"
        "以上事实有调查材料为证。依据{{ basis }}，本机关决定：\n{{ decision }}\n"
        "{{ sanctions }}\n"
        "如对本决定不服，可自收到本决定书之日起{{ review_days }}个工作日内，"
        "向本机关书面提出复查申请。\n{{ agency }}",
    ),
    K.review_decision: (
        "复查决定书",
        "复查申请人：{{ respondent_identity }}\n"
        "申请人不服本机关就“{{ case_title }}”（案件编号：{{ case_reference }}）作出的处理决定，"
        "提出复查申请。经复查，结论为：{{ review_outcome }}。\n{{ reason }}\n"
        "现行处理：\n{{ decision }}\n{{ sanctions }}\n{{ agency }}",
    ),
}


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in PLACEHOLDER.findall(text or "") if m not in PLACEHOLDERS})


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text or "")
