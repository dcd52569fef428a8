"""Form pieces every feature shares."""

from flask_wtf import FlaskForm
from wtforms import Form


class SubForm(Form):
    """A form nested in another (`FormField`, a `FieldList` of them): it is not posted on its
    own (no CSRF token of its own), and its messages ("Field cannot be longer than …") are in
    the user's language like those of the form around it, which a plain WTForms form's are
    not."""

    class Meta:
        def get_translations(self, form):
            return FlaskForm.Meta().get_translations(form)
