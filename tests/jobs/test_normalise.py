"""The normaliser: safe HTML, plain text, pay from text, workplace, countries, languages, task types."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.jobs.normalise import (
    MAX_DESCRIPTION_INPUT_CHARS, countries_from, employment_type_from, hourly_equivalent_usd, html_to_text,
    languages_from, normalise, parse_pay_text, remote_from, sanitize_description, task_types_from,
)
from portal.jobs.posting import Pay, Posting
from portal.practice.catalog import TASK_TYPES


def make_posting(**fields) -> Posting:
    """A raw posting as an adapter would produce it; keyword arguments override any field."""
    values = {"source_name": "greenhouse-acme", "external_id": "1", "title": "Data Annotator",
              "company": "Acme AI", "url": "https://boards.greenhouse.io/acme/jobs/1"}
    values.update(fields)
    return Posting(**values)


# --- Pay ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("$15-$25/hr", (15, 25, "USD", "hour")),
    ("$15 - $25 per hour", (15, 25, "USD", "hour")),
    ("up to $40/hour", (None, 40, "USD", "hour")),
    ("USD 20/hour", (20, 20, "USD", "hour")),
    ("£12.50 per hour", (12.5, 12.5, "GBP", "hour")),
    ("EUR 30k-40k", (30000, 40000, "EUR", "year")),
    ("€30,000–€40,000 a year", (30000, 40000, "EUR", "year")),
    ("$60,000 - $80,000 annually", (60000, 80000, "USD", "year")),
    ("₹500/day", (500, 500, "INR", "day")),
    ("$1,200 per month", (1200, 1200, "USD", "month")),
    ("20 USD/h", (20, 20, "USD", "hour")),
    ("CA$25/hr", (25, 25, "CAD", "hour")),
    ("CAD $25 per hour", (25, 25, "CAD", "hour")),
    ("AU$30 an hour", (30, 30, "AUD", "hour")),
    ("$30-40k", (30000, 40000, "USD", "year")),
    ("Rs.500 per day", (500, 500, "INR", "day")),
    ("from $20/hr", (20, None, "USD", "hour")),
    ("$20+/hour", (20, None, "USD", "hour")),
    ("between $15 and $25 per hour", (15, 25, "USD", "hour")),
    ("Starting at US$18.50 per hour", (18.5, None, "USD", "hour")),
    ("Salary: $60,000 - $80,000", (60000, 80000, "USD", "year")),
    ("Annual salary: €40.000", (40000, 40000, "EUR", "year")),
    ("Hourly rate: $20", (20, 20, "USD", "hour")),
    ("$50,000 pa", (50000, 50000, "USD", "year")),
    ("12,50 € pro Stunde", (12.5, 12.5, "EUR", "hour")),
    ("Pay: 15-25 per hour", (15, 25, None, "hour")),
    ("We raised $50M in 2024. Pay: $20-$30/hour", (20, 30, "USD", "hour")),
])
def test_parse_pay_text_reads_common_spellings(text, expected):
    pay = parse_pay_text(text)
    assert pay is not None
    assert (pay.min, pay.max, pay.currency, pay.period) == expected
    assert pay.source == "text"


@pytest.mark.parametrize("text", [
    "Competitive pay", "2026", "Complete 500 tasks", "401(k) matching", "Call +1 (555) 123-4567",
    "$500 sign-on bonus", "$0.10 per task", "Try 20 minutes a day", "Work 20-40 hours per week",
    "24/7 support", "Founded in 2016, 1,500 employees", "$2,500 a quarter? no: $2,500", "", "   ",
])
def test_parse_pay_text_ignores_numbers_that_are_not_pay(text):
    assert parse_pay_text(text) is None


def test_parse_pay_text_prefers_a_stated_period_over_a_bare_amount():
    text = "Our fund of $250,000 supports research. Contributors earn $22 per hour."
    pay = parse_pay_text(text)
    assert (pay.min, pay.period) == (22, "hour")


def test_parse_pay_text_reads_pay_deep_in_a_long_description():
    filler = "We founded the company in 2016 and have 12 offices in 30 countries. " * 60
    pay = parse_pay_text(filler + "Pay: $18-$24 per hour.")
    assert (pay.min, pay.max, pay.period) == (18, 24, "hour")


@pytest.mark.parametrize(("pay", "expected"), [
    (Pay(20, 30, "USD", "hour", "text"), 20.0),
    (Pay(None, 40, "USD", "hour", "text"), 40.0),
    (Pay(41600, None, "USD", "year", "structured"), 20.0),
    (Pay(160, None, "USD", "day", "text"), 20.0),
    (Pay(800, None, "USD", "week", "text"), 20.0),
    (Pay(10, None, "GBP", "hour", "text"), 13.5),
])
def test_hourly_equivalent_usd_converts_period_and_currency(pay, expected):
    assert hourly_equivalent_usd(pay) == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize("pay", [
    Pay(20, 30, "XYZ", "hour", "text"), Pay(20, 30, None, "hour", "text"), Pay(None, None, "USD", "hour", "text"),
    Pay(20, 30, "USD", "fortnight", "text"), Pay(float("nan"), None, "USD", "hour", "text"), None,
])
def test_hourly_equivalent_usd_is_none_when_it_cannot_tell(pay):
    assert hourly_equivalent_usd(pay) is None


# --- HTML -----------------------------------------------------------------------------------------

def test_sanitize_drops_scripts_handlers_and_unsafe_links():
    html = ('<p onclick="steal()">Hello <script>alert(1)</script><style>p{color:red}</style>'
            '<a href="javascript:alert(1)">bad</a> <a href="https://acme.example/jobs">good</a>'
            '<img src=x onerror=alert(1)><iframe src="https://evil.example">frame text</iframe></p>')
    clean = sanitize_description(html)
    for unsafe in ("script", "alert", "onclick", "onerror", "javascript:", "<style", "color:red", "<img",
                   "iframe", "frame text"):
        assert unsafe not in clean
    assert '<a href="https://acme.example/jobs" rel="nofollow noopener noreferrer">good</a>' in clean


def test_sanitize_keeps_formatting_and_mailto_but_not_relative_links():
    clean = sanitize_description('<h2>Role</h2><ul><li><strong>Label</strong> images</li></ul>'
                                 '<a href="mailto:jobs@acme.example">mail</a><a href="/internal">rel</a>')
    assert "<h2>Role</h2>" in clean and "<li><strong>Label</strong> images</li>" in clean
    assert 'href="mailto:jobs@acme.example"' in clean
    assert "/internal" not in clean


def test_sanitize_caps_hostile_input():
    clean = sanitize_description("<p>" + "<b>x</b>" * 100_000 + "</p>")
    assert len(clean) <= MAX_DESCRIPTION_INPUT_CHARS * 2


def test_sanitize_turns_plain_text_into_paragraphs():
    assert sanitize_description("First line\nsecond line\n\nNext & last") == \
        "<p>First line<br>second line</p><p>Next &amp; last</p>"


def test_html_to_text_puts_blocks_on_lines_and_decodes_entities():
    text = html_to_text("<h2>About</h2><p>Fish &amp; chips&nbsp;daily</p><ul><li>one</li><li>two</li></ul>"
                        "<p>5 &lt; 6</p><script>hidden()</script>")
    assert text == "About\n\nFish & chips daily\n\none\ntwo\n\n5 < 6"


# --- Workplace, countries, employment type, languages, task types ---------------------------------

@pytest.mark.parametrize(("location", "title", "text", "expected"), [
    ("Remote", "", "", "remote"),
    ("Anywhere", "", "", "remote"),
    ("Work from home", "", "", "remote"),
    ("London (Hybrid)", "", "", "hybrid"),
    ("Berlin, on-site", "", "", "on-site"),
    ("", "AI Tutor - Remote", "", "remote"),
    ("Austin, TX", "", "This is a fully remote position.", "remote"),
    ("Austin, TX", "", "This role is not remote; you will work in our lab.", "on-site"),
    ("Austin, TX", "", "We offer a hybrid schedule.", "hybrid"),
    ("", "Remote Sensing Analyst", "", "unknown"),
    ("Austin, TX", "", "Our remote-first culture values writing.", "unknown"),
])
def test_remote_from_wording(location, title, text, expected):
    assert remote_from(location, title, text) == expected


@pytest.mark.parametrize(("location", "expected"), [
    ("Remote - US", ["US"]),
    ("Remote (USA)", ["US"]),
    ("London, UK; Berlin, Deutschland", ["GB", "DE"]),
    ("Manchester, England", ["GB"]),
    ("United States or Canada", ["US", "CA"]),
    ("Albuquerque, New Mexico", ["US"]),
    ("Remote, Latin America", []),
    ("São Paulo, Brasil", ["BR"]),
    ("Work with us from anywhere", []),
])
def test_countries_from_location_text(location, expected):
    assert countries_from(location) == expected


@pytest.mark.parametrize(("title", "text", "expected"), [
    ("AI Tutor (Contract)", "", "contract"),
    ("Part-Time Transcriber", "", "part-time"),
    ("Data Labeling Intern", "", "internship"),
    ("Annotator", "This is a part-time role.", "part-time"),
    ("Annotator", "You will join as an independent contractor.", "contract"),
    ("Annotator", "Employment type: Full-time", "full-time"),
    ("Annotator", "Experience with contract law is a plus.", None),
    ("Internet Assessor", "", None),
])
def test_employment_type_from_title_and_firm_phrases(title, text, expected):
    assert employment_type_from(title, text) == expected


def test_languages_from_required_phrasing():
    text = ("You are fluent in Spanish and English. A native German speaker is preferred. "
            "Bilingual English/French applicants welcome. Japanese (native). Proficient in Python.")
    assert languages_from("AI Data Trainer - Spanish (Contract)", text) == [
        "Spanish", "English", "German", "French", "Japanese"]


def test_languages_from_ignores_languages_named_without_a_requirement():
    assert languages_from("Data Annotator", "Our French office opened in 2020. We polish our tools.") == []


def test_task_types_from_keywords_in_catalog_order():
    text = ("Draw bounding boxes and polygons, semantic segmentation masks, pose estimation keypoints, "
            "sentiment labels, named entity recognition, text classification, audio transcription, "
            "sound event tagging and video object tracking.")
    assert task_types_from("", text) == list(TASK_TYPES)


@pytest.mark.parametrize("text", [
    "Polygonal mesh engineer for our 3D engine.",
    "Key points of the role: accuracy and speed.",
    "Customer segmentation for the marketing team.",
    "Our entity is registered in Delaware.",
    "A landmark case in contract law.",
])
def test_task_types_from_avoids_look_alike_words(text):
    assert task_types_from("", text) == []


# --- The whole stage -------------------------------------------------------------------------------

def test_normalise_fills_derived_fields():
    raw = make_posting(
        title="  AI Data Trainer -\n Spanish   (Contract) ",
        company=" Acme\tAI  ",
        location="Remote, USA",
        description_html="<p>Label images with bounding boxes.</p><p>Fluent in Spanish.</p>"
                         "<p>Pay: $18-$24 per hour.</p><script>x()</script>",
    )
    posting = normalise(raw)
    assert posting.title == "AI Data Trainer - Spanish (Contract)"
    assert posting.company == "Acme AI"
    assert "<script" not in posting.description_html
    assert posting.description_text == "Label images with bounding boxes.\n\nFluent in Spanish.\n\nPay: $18-$24 per hour."
    assert posting.pay == Pay(18, 24, "USD", "hour", "text")
    assert (posting.remote, posting.countries, posting.employment_type) == ("remote", ["US"], "contract")
    assert (posting.languages, posting.task_types) == (["Spanish"], ["bbox"])
    assert raw.description_html.endswith("<script>x()</script>")  # the input is left as it was


def test_normalise_keeps_what_the_source_stated():
    structured = Pay(30, 40, "USD", "hour", "structured")
    posting = normalise(make_posting(pay=structured, pay_text="$5/hr", remote="on-site", countries=["DE"],
                                     employment_type="full-time", location="Remote, USA"))
    assert posting.pay == structured
    assert (posting.remote, posting.countries, posting.employment_type) == ("on-site", ["DE"], "full-time")


def test_normalise_reads_pay_text_before_title_and_description():
    posting = normalise(make_posting(pay_text="€20 per hour", title="Annotator ($15/hr)",
                                     description_html="<p>$10 per hour</p>"))
    assert (posting.pay.min, posting.pay.currency) == (20, "EUR")


def test_normalise_caps_field_lengths():
    posting = normalise(make_posting(title="T" * 1000, company="C" * 1000, location="L" * 1000))
    assert (len(posting.title), len(posting.company), len(posting.location)) == (300, 200, 300)


def test_normalise_uses_country_names_the_adapter_set_aside():
    posting = normalise(make_posting(location="", extra={"country_names": ["Deutschland"]}))
    assert posting.countries == ["DE"]


def test_normalise_survives_fields_of_the_wrong_type():
    raw = make_posting(title=None, company=42, location=["x"], description_html=None, pay_text=7,
                       countries=None, languages="Spanish", task_types=None, flags=None, extra=None,
                       employment_type="weekly", pay="lots")
    posting = normalise(raw)
    assert (posting.title, posting.company, posting.description_html, posting.pay) == ("", "", "", None)
    assert posting.employment_type is None


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=200), html=st.text(max_size=2000), pay_text=st.text(max_size=100),
       location=st.text(max_size=100))
def test_normalise_never_raises(title, html, pay_text, location):
    posting = normalise(make_posting(title=title, description_html=html, pay_text=pay_text, location=location))
    assert posting.remote in ("remote", "hybrid", "on-site", "unknown")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="$€£₹0123456789.,-–k /perhouryaUSDEAR+()", max_size=60))
def test_parse_pay_text_never_raises_on_number_soup(text):
    pay = parse_pay_text(text)
    assert pay is None or (pay.min is None or pay.min > 0) and pay.period in ("hour", "day", "week", "month", "year")
