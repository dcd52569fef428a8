from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.core import limits


class RegisterForm(FlaskForm):
    title = StringField(
        _l("Case title"),
        validators=[Optional(), Length(max=limits.TITLE)],
        description=_l("Left empty: the respondents' names and the report's number."),
    )


class AttachForm(FlaskForm):
    reference = StringField(_l("Case reference"), validators=[Length(max=24)])


class NotAcceptForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the reporter reads it)"), validators=[Length(max=limits.REASON)]
    )
    internal_note = TextAreaField(
        _l("Internal note (never shown to the reporter)"),
        validators=[Optional(), Length(max=limits.REASON)],
    )


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message to the reporter"), validators=[Length(max=limits.REASON)])
