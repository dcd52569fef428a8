import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.cases.models import CaseSource, MisconductType, PartyType
from app.cases.policy import EARLIEST_DATE
from app.core import limits
from app.core.calendar import today
from app.core.forms import SubForm
from app.core.identifiers import IdNumberOf, IdType
from app.core.labels import choices, options


class RespondentForm(SubForm):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=limits.SHORT)])
    party_type = SelectField(_l("Type"), choices=lambda: choices(PartyType), default="person")
    id_type = SelectField(
        _l("ID type"), choices=lambda: options([("", "—")]) + choices(IdType), default=""
    )
    id_number = StringField(
        _l("ID number"), validators=[Optional(), Length(max=64), IdNumberOf("id_type")]
    )
    institution = StringField(_l("Institution"), validators=[Optional(), Length(max=limits.SHORT)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=limits.SHORT)])


class AllegationForm(SubForm):
    misconduct_type = SelectField(_l("Misconduct type"), choices=lambda: choices(MisconductType))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=limits.TEXT)])
    work_reference = StringField(
        _l("Work concerned (DOI, grant number, …)"),
        validators=[Optional(), Length(max=limits.TITLE)],
    )


def one_time_token() -> str:
    return secrets.token_urlsafe(24)


class NewCaseForm(FlaskForm):
    # Sent back with the form: the same token twice (a double click, a resent form) finds
    # the case the first submit registered.
    once = HiddenField(default=one_time_token, validators=[Optional(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=limits.TITLE)])
    source = SelectField(_l("Source"), choices=lambda: choices(CaseSource))
    received_date = DateField(_l("Received on"), validators=[InputRequired()], default=today)
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=limits.TEXT)])
    complainant_anonymous = BooleanField(_l("Anonymous complaint"), default=True)
    complainant_name = StringField(
        _l("Complainant name"), validators=[Optional(), Length(max=limits.SHORT)]
    )
    complainant_contact = StringField(
        _l("Complainant contact"), validators=[Optional(), Length(max=limits.TITLE)]
    )
    respondents = FieldList(FormField(RespondentForm), min_entries=1, max_entries=20)
    allegations = FieldList(FormField(AllegationForm), min_entries=1, max_entries=20)

    def validate_received_date(self, field):
        if field.data and field.data > today():
            raise ValidationError(_l("The received date cannot be in the future."))
        if field.data and field.data < EARLIEST_DATE.earliest:
            raise ValidationError(
                _l("The date cannot be before %(date)s.", date=EARLIEST_DATE.earliest.isoformat())
            )

    def validate_complainant_name(self, field):
        if not self.complainant_anonymous.data and not (field.data or "").strip():
            raise ValidationError(
                _l("Give the complainant's name, or mark the complaint anonymous.")
            )

    def validate_respondents(self, field):
        if not any((entry.form.name.data or "").strip() for entry in field.entries):
            raise ValidationError(_l("Name at least one respondent."))

    def validate_allegations(self, field):
        if not any((entry.form.description.data or "").strip() for entry in field.entries):
            raise ValidationError(_l("Describe at least one allegation."))
