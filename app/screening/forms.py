from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField


class ScreeningForm(FlaskForm):
    """Required-ness is the service's to say, with every problem at once."""

    purpose = StringField(
        _l("Purpose"),
        description=_l("The call, award or title the applicants are screened for."),
        render_kw={"maxlength": 300},
    )
    file = FileField(
        _l("Applicant list"),
        description=_l(
            "Excel (.xlsx) or CSV, at most 50,000 rows; the first row names the columns: "
            "姓名 (name), 证件类型 (ID type), 证件号码 (ID number), 单位 (institution)."
        ),
    )
