"""Forms of the setup pages: the workspace questionnaire, with the browser's detected facts alongside."""

import json

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.setup.readiness import FigureError, clean_detected, load_questions

ANSWER_CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No"), SelectChoice("", "Prefer not to say")]
DETECTED_MAX_CHARS = 2000


class WorkspaceFormBase(FlaskForm):
    """What the browser detected travels as JSON in a hidden field, checked like any other input."""

    detected = HiddenField(default="{}")

    def validate_detected(self, field):
        if len(field.data or "") > DETECTED_MAX_CHARS:
            raise ValidationError("The detected facts are too long.")
        try:
            field.parsed = clean_detected(json.loads(field.data or "{}"))
        except (ValueError, TypeError) as error:
            reason = str(error) if isinstance(error, FigureError) else "not valid JSON"
            raise ValidationError(f"The detected facts could not be read: {reason}.") from None

    def answers(self) -> dict:
        """The questionnaire's answers, question id -> "yes" | "no" (skipped questions left out)."""
        return {q.id: self[q.id].data for q in load_questions() if self[q.id].data in ("yes", "no")}


def workspace_form(**kwargs) -> WorkspaceFormBase:
    """A form with one question per entry in content/setup/readiness.toml."""
    fields = {q.id: RadioField(q.text, choices=ANSWER_CHOICES, default="") for q in load_questions()}
    return type("WorkspaceForm", (WorkspaceFormBase,), fields)(**kwargs)
