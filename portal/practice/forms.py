"""Forms of the practice pages."""

from flask_wtf import FlaskForm


class StartAssessmentForm(FlaskForm):
    """Starting a timed test is a POST with a CSRF token: it consumes an attempt."""
