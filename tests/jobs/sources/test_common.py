"""The shared adapter helpers: odd dates, employment types, pay periods, countries, JSON loading."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from portal.jobs.posting import EMPLOYMENT_TYPES, PAY_PERIODS, FeedFormatError, Pay
from portal.jobs.sources import common
from tests.jobs.sources.helpers import source_for


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-03", datetime(2026, 11, 3, tzinfo=UTC)),
    ("2026-11-03T09:15:00Z", datetime(2026, 11, 3, 9, 15, tzinfo=UTC)),
    ("2026-11-03T09:15:00.532+00:00", datetime(2026, 11, 3, 9, 15, 0, 532000, tzinfo=UTC)),
    ("2026-11-03T04:15:00-05:00", datetime(2026, 11, 3, 9, 15, tzinfo=UTC)),
    ("2026-11-03T09:15:00", datetime(2026, 11, 3, 9, 15, tzinfo=UTC)),  # naive: taken as UTC
    ("2026-11-03 09:15:00 UTC", datetime(2026, 11, 3, 9, 15, tzinfo=UTC)),  # Recruitee
    ("Tue, 03 Nov 2026 10:00:00 GMT", datetime(2026, 11, 3, 10, tzinfo=UTC)),  # RFC 822
    ("Tue, 03 Nov 2026 11:00:00 +0100", datetime(2026, 11, 3, 10, tzinfo=UTC)),
    ("Tue, 03 Nov 2026 10:00:00 -0000", datetime(2026, 11, 3, 10, tzinfo=UTC)),
    (1793700000000, datetime(2026, 11, 3, 10, 0, tzinfo=UTC)),  # Lever epoch milliseconds
    (1793700000, datetime(2026, 11, 3, 10, 0, tzinfo=UTC)),  # epoch seconds
    ("1793700000000", datetime(2026, 11, 3, 10, 0, tzinfo=UTC)),
    (1793700000.5, datetime(2026, 11, 3, 10, 0, 0, 500000, tzinfo=UTC)),
    (datetime(2026, 11, 3, 9, 20), datetime(2026, 11, 3, 9, 20, tzinfo=UTC)),
])
def test_parse_datetime_reads_every_format_into_aware_utc(raw, expected):
    parsed = common.parse_datetime(raw)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_parse_datetime_converts_other_zones_to_utc():
    plus_nine = datetime(2026, 11, 3, 18, 0, tzinfo=timezone(timedelta(hours=9)))
    assert common.parse_datetime(plus_nine).tzinfo == UTC
    assert common.parse_datetime(plus_nine).hour == 9


@pytest.mark.parametrize("raw", [
    None, "", "   ", "not a date", "20/10/2026", "2026-13-45", True, 0, -1, float("nan"), float("inf"),
    "9999-12-31T23:59:59Z", 10 ** 30, {"date": "2026-11-03"}, ["2026-11-03"],
])
def test_parse_datetime_returns_none_for_unreadable_or_placeholder_values(raw):
    assert common.parse_datetime(raw) is None


def test_read_date_keeps_the_unreadable_value_instead_of_losing_it():
    extra = {}
    assert common.read_date("20/10/2026", "published_on", extra) is None
    assert extra == {"unparsed_dates": {"published_on": "20/10/2026"}}


def test_read_date_says_nothing_about_absent_values():
    extra = {}
    assert common.read_date(None, "published_on", extra) is None
    assert common.read_date("", "published_on", extra) is None
    assert extra == {}


@pytest.mark.parametrize("raw, expected", [
    ("FullTime", "full-time"), ("FULL_TIME", "full-time"), ("Full-time", "full-time"),
    ("Full Time", "full-time"),
    ("fulltime_permanent", "full-time"), ("Full-time (Remote)", "full-time"), ("PartTime", "part-time"),
    ("part_time", "part-time"), ("parttime_fixed_term", "part-time"), ("Contract", "contract"),
    ("CONTRACTOR", "contract"), ("Freelance / Contract", "freelance"), ("freelance", "freelance"),
    ("Intern", "internship"), ("INTERN", "internship"), ("internship", "internship"),
    ("Temporary", "temporary"), ("TEMPORARY", "temporary"),
])
def test_employment_type_from_maps_every_vendor_spelling(raw, expected):
    assert common.employment_type_from(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "Other", "OTHER", "VOLUNTEER", 42, ["FULL_TIME"]])
def test_employment_type_from_returns_none_when_nothing_known_is_said(raw):
    assert common.employment_type_from(raw) is None


def test_employment_types_from_keeps_order_and_drops_repeats_and_unknowns():
    found = common.employment_types_from(["CONTRACTOR", "PART_TIME", "OTHER", "CONTRACTOR"])
    assert found == ["contract", "part-time"]
    assert common.employment_types_from("FULL_TIME") == ["full-time"]


def test_every_spelling_maps_into_the_posting_vocabulary():
    assert set(common.EMPLOYMENT_TYPE_SPELLINGS.values()) <= set(EMPLOYMENT_TYPES)
    assert set(common.PAY_PERIOD_SPELLINGS.values()) <= set(PAY_PERIODS)


@pytest.mark.parametrize("raw, expected", [
    ("per-hour-wage", "hour"), ("per-year-salary", "year"), ("per-month-salary", "month"), ("1 HOUR", "hour"),
    ("1 YEAR", "year"), ("HOUR", "hour"), ("WEEK", "week"), ("DAY", "day"), ("monthly", "month"),
    ("annual", "year"), ("2 WEEK", None), ("one-time", None), ("", None), (None, None),
])
def test_pay_period_from(raw, expected):
    assert common.pay_period_from(raw) == expected


def test_structured_pay_builds_a_structured_range():
    assert common.structured_pay(14, "16.5", "eur", "per-hour-wage") == Pay(
        min=14.0, max=16.5, currency="EUR", period="hour", source="structured")


def test_structured_pay_swaps_a_reversed_range():
    pay = common.structured_pay(190000, 150000, "USD", "1 YEAR")
    assert (pay.min, pay.max) == (150000.0, 190000.0)


@pytest.mark.parametrize("minimum, maximum, currency, period", [
    (None, None, "USD", "1 YEAR"),  # no amounts
    (10, 20, "USD", "one-time"),  # unknown period
    ("ten", "twenty", "USD", "1 HOUR"),  # not numbers
    (-5, -1, "USD", "1 HOUR"),  # negative
    (0, 0, "USD", "1 HOUR"),  # zero means unset
    (True, False, "USD", "1 HOUR"),  # booleans are not amounts
])
def test_structured_pay_returns_none_for_unusable_figures(minimum, maximum, currency, period):
    assert common.structured_pay(minimum, maximum, currency, period) is None


def test_structured_pay_drops_a_currency_that_is_not_a_code():
    assert common.structured_pay(10, 20, "US Dollars", "HOUR").currency is None


@pytest.mark.parametrize("raw, expected", [
    ("US", "US"), ("de", "DE"), ("UK", "GB"), ("United States", "US"), ("USA", "US"), ("Germany", "DE"),
    ("the netherlands", "NL"), ("Atlantis", None), ("", None), (None, None), ("U.S. and Canada", None),
])
def test_country_code(raw, expected):
    assert common.country_code(raw) == expected


def test_add_country_keeps_codes_once_and_sets_unknown_names_aside():
    countries, extra = [], {}
    for value in ("US", "United States", "Atlantis", "Atlantis"):
        common.add_country(value, countries, extra)
    assert countries == ["US"]
    assert extra == {"country_names": ["Atlantis"]}


@pytest.mark.parametrize("title, url, reason", [
    ("Annotator", "https://x.example/1", None),
    ("", "https://x.example/1", "no title"),
    ("Annotator", "", "no URL"),
    ("Annotator", "javascript:alert(1)", "URL is not http(s): 'javascript:alert(1)'"),
    ("Annotator", "mailto:jobs@example.org", "URL is not http(s): 'mailto:jobs@example.org'"),
])
def test_missing_required(title, url, reason):
    assert common.missing_required(title, url) == reason


def test_company_for_prefers_the_payload_then_the_config_then_the_name():
    assert common.company_for("Acme", source_for("lever", company="Configured")) == "Acme"
    assert common.company_for("", source_for("lever", company="Configured")) == "Configured"
    assert common.company_for(None, source_for("lever")) == "test-lever"


def test_load_json_reads_json_with_a_byte_order_mark():
    assert common.load_json(b'\xef\xbb\xbf{"jobs": []}', source_for("greenhouse")) == {"jobs": []}


@pytest.mark.parametrize("body, message", [
    (b"", "the body is empty"),
    (b"<!DOCTYPE html><html><body>Rate limited</body></html>", "expected JSON but the body is HTML or XML"),
    (b'{"jobs": [', "malformed JSON at line 1 column 11"),
    (b"\xff\xfe garbage", "not UTF-8"),
    (b"[" * 50000 + b"]" * 50000, "nested too deeply"),
])
def test_load_json_refuses_what_is_not_json_naming_the_source(body, message):
    with pytest.raises(FeedFormatError) as error:
        common.load_json(body, source_for("greenhouse", name="gh-acme"))
    assert message in str(error.value)
    assert "source 'gh-acme' (greenhouse" in str(error.value)


def test_require_list_under_quotes_the_vendor_error():
    with pytest.raises(FeedFormatError, match="the server said: Job board not found"):
        common.require_list_under({"status": 404, "error": "Job board not found"}, "jobs",
                                  source_for("greenhouse"))


def test_require_vendor_fields_accepts_an_empty_list_and_any_matching_entry():
    common.require_vendor_fields([], frozenset({"shortcode"}), "Workable", source_for("workable"))
    common.require_vendor_fields([{"title": "x"}, {"shortcode": "A1"}], frozenset({"shortcode"}), "Workable",
                                 source_for("workable"))


def test_require_vendor_fields_refuses_another_vendors_entries():
    with pytest.raises(FeedFormatError, match="another vendor's format"):
        common.require_vendor_fields([{"title": "x", "url": "https://x"}], frozenset({"shortcode"}),
                                     "Workable",
                                     source_for("workable"))


def test_join_location_skips_blanks_and_repeats():
    assert common.join_location("Berlin", "", "Berlin", None, "Germany") == "Berlin, Germany"
