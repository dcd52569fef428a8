"""Forms for records, recognition and integrity checks."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.cases.models import Severity
from app.core.identifiers import IdNumberOf, IdType
from app.core.labels import choices, options
from app.core.limits import REASON


class RecordTermsForm(FlaskForm):
    conduct = TextAreaField(_l("Conduct"), validators=[DataRequired(), Length(max=5000)])
    outcome = TextAreaField(_l("Outcome"), validators=[DataRequired(), Length(max=5000)])
    legal_basis = StringField(_l("Legal basis"), validators=[DataRequired(), Length(max=500)])
    effective_date = DateField(_l("Effective date"), validators=[DataRequired()])
    term_end = DateField(_l("Sanction term ends"), validators=[Optional()])
    lifetime = BooleanField(_l("Lifetime"))
    severity = SelectField(_l("Severity"), choices=lambda: choices(Severity))


class RecordDraftForm(RecordTermsForm):
    party_id = SelectField(_l("Responsible party"), coerce=int)


class AmendForm(RecordTermsForm):
    reason = TextAreaField(
        _l("What the review modified"), validators=[DataRequired(), Length(max=5000)]
    )


class ReviseForm(RecordTermsForm):
    """A returned draft, corrected by its officer and submitted again."""


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the draft goes back to the officer"),
        validators=[DataRequired(), Length(max=REASON)],
    )


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the draft is withdrawn"), validators=[DataRequired(), Length(max=REASON)]
    )


class PublishNowForm(FlaskForm):
    """Approving while the review window is open: the reason is required (by the service,
    so a missing one is refused with the record's page) only to publish at once."""

    reason = TextAreaField(_l("Why it may not wait"), validators=[Length(max=REASON)])


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=5000)])


class RecognitionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=options(
            [
                ("recognise", _l("Recognise")),
                ("recognise_modified", _l("Recognise with modification")),
                ("decline", _l("Decline")),
            ]
        ),
    )
    modified_terms = TextAreaField(_l("Modified terms"), validators=[Length(max=5000)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=5000)])


class IntegrityCheckForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    id_type = SelectField(_l("ID type"), choices=lambda: choices(IdType), default="resident_id")
    id_number = StringField(
        _l("ID number"), validators=[DataRequired(), Length(max=64), IdNumberOf("id_type")]
    )


class ObjectionForm(FlaskForm):
    grounds = TextAreaField(
        _l("Grounds of the objection"), validators=[DataRequired(), Length(max=REASON)]
    )
    subject_contact = StringField(
        _l("How the subject is told"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Postal address or e-mail for the outcome; never published."),
    )


class ForwardForm(FlaskForm):
    """Forwarding takes no input: the form carries the CSRF token."""


class ObjectionDecisionForm(FlaskForm):
    outcome = SelectField(
        _l("Decision"),
        choices=options([("dismissed", _l("Dismissed")), ("upheld", _l("Upheld"))]),
    )
    resolution = SelectField(
        _l("Upheld: the record is"),
        choices=options([("corrected", _l("Corrected")), ("revoked", _l("Revoked"))]),
        validate_choice=False,  # read only when upheld; the service says what is missing
    )
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=REASON)])
    conduct = TextAreaField(_l("Conduct"), validators=[Length(max=5000)])
    record_outcome = TextAreaField(_l("Outcome"), validators=[Length(max=5000)])
    term_end = DateField(_l("Sanction term ends"), validators=[Optional()])
    lifetime = BooleanField(_l("Lifetime"))


class RepairForm(FlaskForm):
    statement = TextAreaField(
        _l("How the conduct was remedied"), validators=[DataRequired(), Length(max=REASON)]
    )
    proof = FileField(_l("Proof of remedy"))
    commitment = FileField(_l("Signed commitment (信用承诺)"))


class RepairDecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=options([("approve", _l("Approve repair")), ("refuse", _l("Refuse"))]),
    )
    reasons = TextAreaField(_l("Reasons"), validators=[DataRequired(), Length(max=REASON)])
