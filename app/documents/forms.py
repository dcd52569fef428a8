"""The documents' forms. They carry the fields; the services judge them (every problem at
once, shown under its field by app.core.pages)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from app.core.calendar import today
from app.core.labels import choices, label, options
from app.documents.models import DocumentKind, ServiceMethod


class NewDraftForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[])
    party_id = SelectField(
        _l("Party"),
        choices=[],
        description=_l("The respondent the document is addressed to, if any."),
    )


def new_draft_form(kinds: list[DocumentKind], respondents) -> NewDraftForm:
    form = NewDraftForm()
    form.kind.choices = options((k.value, label(k)) for k in kinds)
    form.party_id.choices = options(
        [("", _l("(not addressed to a respondent)"))] + [(str(p.id), p.name) for p in respondents]
    )
    return form


class DraftForm(FlaskForm):
    title = StringField(_l("Title"))
    recipient = StringField(_l("Recipient"))
    body = TextAreaField(
        _l("Text"), description=_l("One paragraph a line. Shown as typed, never as markup.")
    )
    version = HiddenField()


class ServiceForm(FlaskForm):
    method = SelectField(_l("Method"), choices=[])
    served_on = StringField(
        _l("Date of service"), default=lambda: today().isoformat(), description="YYYY-MM-DD"
    )
    tracking_number = StringField(
        _l("Tracking number"), description=_l("Required for service by post.")
    )
    consent = StringField(
        _l("Written consent"),
        description=_l("Required for electronic service: where the party's consent is kept."),
    )
    proof = FileField(
        _l("Proof"),
        description=_l("The signed receipt, postal record or screenshot: PDF, JPEG or PNG."),
    )


class TemplateForm(FlaskForm):
    designation = StringField(
        _l("Designation (机关代字)"),
        description=_l("Document numbers read: designation〔year〕number号."),
    )
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Text"))
    version = HiddenField()


def service_form() -> ServiceForm:
    form = ServiceForm()
    form.method.choices = choices(ServiceMethod)
    return form
