from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.core.calendar import today
from app.core.labels import options

VISIBILITY_CHOICES = {
    "internal": _l("Internal"),
    "shared": _l("Shared with joint investigation"),
}


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
        _l("Visibility"), choices=options(VISIBILITY_CHOICES.items()), default="internal"
    )


def note_form(offered) -> NoteForm:
    """The note form offering only the visibilities this user may give (a participating
    agency: shared only); a post of another value fails as not a valid choice."""
    form = NoteForm()
    values = [v.value for v in offered]
    form.visibility.choices = options((v, VISIBILITY_CHOICES[v]) for v in values)
    if form.visibility.data not in values and not form.is_submitted():
        form.visibility.data = values[0]
    return form
