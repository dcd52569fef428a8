from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.calendar import today
from app.core.labels import options


class NoteForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=options([("interview", _l("Interview")), ("note", _l("Note"))]),
        default="interview",
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    happened_on = DateField(_l("Date"), validators=[InputRequired()], default=today)
    interviewee = StringField(
        _l("Interviewee"),
        validators=[Optional(), Length(max=200)],
        description=_l("Required for an interview."),
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Record"), validators=[DataRequired(), Length(max=20000)])
    visibility = SelectField(
        _l("Visibility"),
        choices=options(
            [
                ("internal", _l("Internal")),
                ("shared", _l("Shared with joint investigation")),
            ]
        ),
        default="internal",
    )
