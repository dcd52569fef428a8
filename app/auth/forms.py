from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from app.core.labels import options


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=options([("zh", "简体中文"), ("en", "English")]))


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    days = IntegerField(
        _l("Valid for (days)"),
        validators=[InputRequired(message=_l("Enter a whole number."))],
    )


class CodeForm(FlaskForm):
    """The second step of signing in: a code from the authenticator, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"},
    )
    remember = BooleanField(_l("Remember this device"))


class EnrolForm(FlaskForm):
    """The password is asked when enrolling from a running session (see confirm_enrolment)."""

    password = PasswordField(_l("Current password"), validators=[Length(max=200)])
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class SecondFactorChangeForm(FlaskForm):
    """Regenerating recovery codes and switching the second factor off ask for both factors."""

    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Code from the app or a recovery code"),
        validators=[DataRequired(message=_l("Enter the code.")), Length(max=40)],
        render_kw={"autocomplete": "one-time-code"},
    )
