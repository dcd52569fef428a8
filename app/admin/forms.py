from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.services import POLICY_RANGES
from app.auth.models import Role
from app.auth.permissions import AGENCY_ROLES
from app.core.labels import label, options

ADMIN_ROLES = [r for r in Role if r in AGENCY_ROLES]


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return options((r.value, label(r)) for r in ADMIN_ROLES)


class UserEditForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    roles = RolesField(_l("Roles"), choices=role_choices, validate_choice=True)


class UserCreateForm(UserEditForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=200)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


def _policy_field(name: str, text):
    low, high = POLICY_RANGES[name]
    return IntegerField(
        text,
        validators=[
            InputRequired(message=_l("Enter a whole number.")),
            NumberRange(min=low, max=high, message=_l("Enter a number from %(min)s to %(max)s.")),
        ],
        description=_l("%(min)s to %(max)s", min=low, max=high),
    )


class PolicyForm(FlaskForm):
    preliminary_review_days = _policy_field(
        "preliminary_review_days", _l("Preliminary review (working days)")
    )
    investigation_months = _policy_field("investigation_months", _l("Investigation (months)"))
    extension_max_months = _policy_field("extension_max_months", _l("Longest extension (months)"))
    defence_days = _policy_field("defence_days", _l("Defence window (working days)"))
    review_request_days = _policy_field(
        "review_request_days", _l("Review request window (working days)")
    )
    review_decision_days = _policy_field(
        "review_decision_days", _l("Review decision (working days)")
    )
    due_soon_days = _policy_field("due_soon_days", _l("“Due soon” warning (working days)"))
    token_max_days = _policy_field("token_max_days", _l("Longest API token lifetime (days)"))
    totp_required = BooleanField(
        _l("Supervisors and administrators sign in with a second factor"),
        description=_l(
            "A code from an authenticator app after the password. Those who have not set it up"
            " are asked to at their next sign-in."
        ),
    )
    joint_response_days = _policy_field(
        "joint_response_days", _l("Answer to a joint-investigation invitation (working days)")
    )
    review_days = _policy_field("review_days", _l("Committee review (days)"))


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"),
        choices=options(
            [("holiday", _l("Public holiday")), ("workday", _l("Make-up working day"))]
        ),
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
