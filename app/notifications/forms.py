from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from app.core.labels import options
from app.notifications.models import EmailMode

EMAIL_MODE_LABELS = {
    EmailMode.immediate: _l("By mail at once"),
    EmailMode.digest: _l("One mail a day at 08:30 (daily summary)"),
    EmailMode.off: _l("No mail, only here"),
}


class EmailModeForm(FlaskForm):
    email_mode = SelectField(
        _l("Notifications by mail"),
        choices=options((mode.value, label) for mode, label in EMAIL_MODE_LABELS.items()),
        validate_choice=False,  # the service refuses an unknown choice with its message
    )
