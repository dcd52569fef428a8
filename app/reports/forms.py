"""Forms: requesting a report (the integrity check's fields) and verifying a document."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.records.forms import IntegrityCheckForm


class ReportForm(IntegrityCheckForm):
    pass


class VerifyForm(FlaskForm):
    file = FileField(_l("Signed PDF"))
    code = StringField(_l("Verification code"), validators=[Optional(), Length(max=64)])
