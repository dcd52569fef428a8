"""Forms of the pool and panel pages; the services decide what is refused."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.committees.models import PanelKind
from app.committees.rules import Category, Gender, SeatRole
from app.core.labels import choices


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExpertForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    institution = StringField(_l("Institution"), validators=[DataRequired(), Length(max=200)])
    fields = StringField(_l("Fields"), validators=[Optional(), Length(max=300)])
    categories = CheckboxesField(_l("Categories"), choices=lambda: choices(Category))
    gender = SelectField(_l("Gender"), choices=lambda: choices(Gender))
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("In the pool (uncheck to retire the expert)"), default=True)


class AccountForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[Optional(), Length(max=64)],
        description=_l("Leave empty for a new account with a suggested name."),
    )
    link = BooleanField(_l("Link the existing account of this username instead"))


class PanelForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: choices(PanelKind))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


def _whole(text, description=None):
    return IntegerField(
        text,
        validators=[InputRequired(message=_l("Enter a whole number."))],
        description=description,
    )


class RulesForm(FlaskForm):
    min_members = _whole(_l("Minimum voting members"))
    quorum = _whole(_l("Quorum (members present to decide)"))
    threshold_num = _whole(_l("Majority: numerator"), _l("e.g. 2 for two-thirds"))
    threshold_den = _whole(_l("Majority: denominator"), _l("e.g. 3 for two-thirds"))
    inclusive = BooleanField(_l("Inclusive: “two-thirds or more” (以上) rather than “more than”"))
    abstentions_count_as_present = BooleanField(_l("Abstentions count as present"))
    quorum_covers_categories = BooleanField(_l("Those present must cover every category"))
    both_genders = BooleanField(_l("Both genders represented"))
    max_term_years = _whole(_l("Longest term (years)"))


class SeatForm(FlaskForm):
    panel_id = SelectField(_l("Panel"), coerce=int, validate_choice=False)
    role = SelectField(_l("Role"), choices=lambda: choices(SeatRole))
    category = SelectField(_l("Category"), choices=lambda: choices(Category))
    term_start = DateField(_l("Term starts"), validators=[InputRequired()])
    term_end = DateField(_l("Term ends"), validators=[InputRequired()])
