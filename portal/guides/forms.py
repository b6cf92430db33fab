"""Forms of the guides pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class MarkReadForm(FlaskForm):
    """A one-button form to mark or unmark a guide as read (CSRF-protected)."""

    read = HiddenField(default="1")
