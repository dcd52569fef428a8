"""Display names of the documents feature's closed sets, timeline steps and audited
actions, added to core's label table from the feature's `init_app`."""

from flask_babel import lazy_gettext as _l

from app.core.labels import register_labels
from app.core.pdfsign import register_document_kind
from app.documents.models import SIGNED_KIND, DocumentState, ServiceMethod
from app.documents.models import DocumentKind as K


def register() -> None:
    register_document_kind(SIGNED_KIND, _l("Official document"))
    register_labels(
        values=[
            (K.acceptance_notice, _l("Notice of acceptance (受理通知书)")),
            (K.non_acceptance_notice, _l("Notice of non-acceptance (不予受理告知书)")),
            (K.investigation_notice, _l("Notice of investigation (立案调查通知书)")),
            (K.pre_decision_notice, _l("Notice before a decision (告知书)")),
            (K.decision, _l("Decision (处理决定书)")),
            (K.review_decision, _l("Review decision (复查决定书)")),
            (DocumentState.draft, _l("Draft")),
            (DocumentState.issued, _l("Issued")),
            (ServiceMethod.in_person, _l("In person")),
            (ServiceMethod.post, _l("By post")),
            (ServiceMethod.electronic, _l("Electronically, with written consent")),
        ],
        actions={
            "document_issued": _l("Document issued"),
            "document_served": _l("Document served"),
        },
        audit={
            "document.template_saved": _l("Document template saved"),
            "document.drafted": _l("Document drafted"),
            "document.draft_saved": _l("Document draft saved"),
            "document.draft_discarded": _l("Document draft discarded"),
            "document.issued": _l("Document issued"),
            "document.pdf_stored": _l("Issued document's PDF stored"),
            "document.pdf_prepare_again": _l("Issued document's PDF prepared again"),
            "document.downloaded": _l("Document downloaded"),
            "document.served": _l("Document served"),
        },
        objects={
            "OfficialDocument": _l("Official document"),
            "DocumentTemplate": _l("Document template"),
        },
    )
