"""Job-board forms: the GET filter form (no CSRF: it changes nothing) and the small POST forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.jobs.posting import EMPLOYMENT_TYPES
from portal.jobs.search import MAX_QUERY_LENGTH, POSTED_WITHIN_CHOICES
from portal.practice.catalog import TASK_TYPES


def choices(*pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class BoardFilterForm(FlaskForm):
    """The board's search and filters, read from the query string so every result page is a bookmark."""

    class Meta:
        csrf = False

    q = StringField("Search jobs", validators=[Length(max=MAX_QUERY_LENGTH)],
                    render_kw={"type": "search", "maxlength": MAX_QUERY_LENGTH,
                               "placeholder": "e.g. Spanish transcription, \"bounding boxes\" -lidar"})
    remote = SelectField("Where", choices=choices(("", "Anywhere"), ("remote", "Remote"), ("hybrid", "Hybrid"),
                                                  ("on-site", "On-site")))
    country = StringField("Country code", validators=[Length(max=2)],
                          render_kw={"maxlength": 2, "placeholder": "US", "autocomplete": "off",
                                     "pattern": "[A-Za-z]{2}", "size": 3})
    task_type = SelectField("Task type", choices=choices(("", "Any task"), *((slug, info.title) for slug, info in TASK_TYPES.items())))
    employment_type = SelectField("Employment", choices=choices(("", "Any"), *((kind, kind.capitalize()) for kind in EMPLOYMENT_TYPES)))
    min_hourly = DecimalField("Minimum pay (USD / hour)", places=None,
                              render_kw={"inputmode": "decimal", "min": 0, "max": 1000, "step": "any", "type": "number"})
    posted_within_days = SelectField("Posted", choices=choices(("", "Any time"), *(
        (str(days), "Today" if days == 1 else f"Last {days} days") for days in POSTED_WITHIN_CHOICES)))
    hide_flagged = BooleanField("Hide postings with scam warnings")
    sort = SelectField("Sort by", choices=choices(("", "Best match, or newest"), ("newest", "Newest"),
                                                  ("relevance", "Best match"), ("pay", "Highest pay")))


class SaveJobForm(FlaskForm):
    """Save or unsave one posting (the action is in the URL; the form carries the CSRF token)."""

    next = HiddenField()


class SaveSearchForm(FlaskForm):
    """Name the board's current filters to keep them, with a feed."""

    name = StringField("Name this search", validators=[DataRequired(), Length(max=80)],
                       render_kw={"maxlength": 80, "placeholder": "e.g. Remote Spanish transcription"})
    params = HiddenField()
    submit = SubmitField("Save this search")


class DeleteForm(FlaskForm):
    """A CSRF-protected delete button."""
