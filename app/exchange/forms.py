"""The form to register an exchange peer."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class PeerForm(FlaskForm):
    node_id = StringField(_l("Node id"), validators=[DataRequired(), Length(max=64)])
    url = StringField(_l("Base URL"), validators=[DataRequired(), Length(max=300)])
    public_key = StringField(_l("Public key"), validators=[DataRequired(), Length(max=64)])
