from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.calendar_years.services import FIRST_YEAR, LAST_YEAR, REASON_MAX, SOURCE_MAX


class YearForm(FlaskForm):
    year = IntegerField(
        _l("Year"), validators=[InputRequired(), NumberRange(min=FIRST_YEAR, max=LAST_YEAR)]
    )
    source = StringField(
        _l("Notice (number and title)"),
        validators=[InputRequired(), Length(max=SOURCE_MAX)],
        description=_l("As published, e.g. 国办发明电〔2026〕号 and its title."),
    )
    holidays = TextAreaField(
        _l("Public holidays"),
        validators=[InputRequired(), Length(max=5000)],
        description=_l("One a line: name, first day, last day (YYYY-MM-DD)."),
        render_kw={"rows": 8},
    )
    workdays = TextAreaField(
        _l("Make-up working days (调休上班)"),
        validators=[Optional(), Length(max=3000)],
        description=_l("One a line: day (a Saturday or Sunday), name."),
        render_kw={"rows": 5},
    )
    reason = StringField(
        _l("Reason for the change"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Needed to change a confirmed year or one the bundled data covers."),
    )


class ConfirmForm(FlaskForm):
    pass
