"""Readiness rules: every threshold in the TOML from both sides, the grade boundaries, bad figures, bad files."""

import json
import math
import tomllib
from dataclasses import replace

import pytest

from portal.setup.readiness import (
    DEFAULT_RULES_PATH, FIGURE_SPECS, FigureError, Figures, RulesError, Scale, UnknownProfile, bufferbloat_grade,
    load_profiles, load_rules, read_rules, readiness_report, use_case_report,
)

RAW = tomllib.loads(DEFAULT_RULES_PATH.read_text())
MARGIN = RAW["borderline_margin"]
# Comfortably good on every figure, so one changed figure decides a profile alone.
GOOD = {"download_mbps": 900.0, "upload_mbps": 900.0, "ping_ms": 5.0, "jitter_ms": 1.0,
        "loaded_latency_ms": 7.0, "loss_pct": 0.0}
STEP = 0.001  # "just above / just below" a limit


def every_check():
    """(profile id, figure, kind, limit) for every threshold in the TOML, read without the loader."""
    for profile in RAW["profiles"]:
        for check in profile["checks"]:
            kind = "min" if "min" in check else "max"
            yield pytest.param(profile["id"], check["figure"], kind, float(check[kind]),
                               id=f"{profile['id']}-{check['figure']}")


def figures_with(**changes) -> Figures:
    return Figures(**{**GOOD, **changes})


def check_status(profile_id, figure, value):
    report = readiness_report(figures_with(**{figure: value}), profile=profile_id)
    (profile,) = report["profiles"]
    statuses = [check["status"] for check in profile["checks"] if check["figure"] == figure]
    return statuses[0], profile


@pytest.mark.parametrize("profile_id, figure, kind, limit", list(every_check()))
def test_every_threshold_from_both_sides(profile_id, figure, kind, limit):
    comfortable = limit * (1 + MARGIN) if kind == "min" else limit * (1 - MARGIN)
    if kind == "min":
        cases = [(limit - STEP, "fail"), (limit, "borderline"), (comfortable - STEP, "borderline"),
                 (comfortable, "pass")]
    else:
        cases = [(limit + STEP, "fail"), (limit, "fail"), (limit - STEP, "borderline"),
                 (comfortable, "borderline"), (comfortable - STEP, "pass")]
    for value, expected in cases:
        status, profile = check_status(profile_id, figure, value)
        assert status == expected, f"{figure}={value}: {status}, expected {expected}"
        assert profile["verdict"] == expected  # every other figure is comfortable
        if expected == "pass":
            assert profile["advice"] == []
        else:
            assert [advice["figure"] for advice in profile["advice"]] == [figure]
            assert advice_words(profile["advice"][0]["text"])


def advice_words(text: str) -> bool:
    return len(text.split()) > 8


def test_profiles_cover_the_kinds_of_work_in_the_guide():
    ids = [profile.id for profile in load_profiles()]
    assert ids == ["image_annotation", "video_annotation", "audio_transcription", "large_uploads", "team_calls"]


def test_team_call_targets_are_microsofts():
    (calls,) = [profile for profile in load_profiles() if profile.id == "team_calls"]
    limits = {check.figure: (check.kind, check.limit, check.source.url) for check in calls.checks}
    teams = "https://learn.microsoft.com/en-us/microsoftteams/prepare-network"
    assert limits["ping_ms"] == ("max", 100, teams)
    assert limits["jitter_ms"] == ("max", 30, teams)
    assert limits["loss_pct"] == ("max", 1, teams)
    assert limits["upload_mbps"][:2] == ("min", 3.2)
    assert "support.google.com" in limits["upload_mbps"][2]


def test_loaded_file_is_sane():
    rules = load_rules()
    for profile in rules.profiles:
        assert profile.name and profile.summary
        for check in profile.checks:
            assert check.source.url.startswith("https://"), check
            assert len(check.says.split()) >= 6, check
            assert 0 < check.limit < FIGURE_SPECS[check.figure].most
            assert advice_words(check.advice)
    # AIM's own tables, transcribed from cloudflare/speedtest internalConfig.ts
    assert rules.scales["latency"].bounds == (10, 20, 50, 100, 500)
    assert rules.scales["latency"].points == (20, 10, 5, 0, -10, -20)
    assert rules.scales["packet_loss"].bounds == (1, 5, 25, 50)  # AIM's 0.01.. ratios as percentages
    assert rules.scales["download"].points == (0, 5, 10, 20, 30)
    thresholds = {case.id: case.thresholds for case in rules.use_cases}
    assert thresholds == {"streaming": (15, 20, 40, 60), "gaming": (5, 15, 25, 30),
                          "video_chatting": (5, 15, 25, 40), "uploading": (5, 15, 25, 40)}
    assert [case.id for case in rules.use_cases if case.ours] == ["uploading"]


def test_report_is_json_and_covers_every_profile():
    report = readiness_report(figures_with())
    assert json.loads(json.dumps(report)) == report
    assert [p["verdict"] for p in report["profiles"]] == ["pass"] * len(RAW["profiles"])
    assert report["bufferbloat"]["grade"] == "A+"
    assert {case["grade"] for case in report["quality"]["use_cases"]} == {"great"}


def test_unknown_profile_names_the_valid_ones():
    with pytest.raises(UnknownProfile) as raised:
        readiness_report(figures_with(), profile="podcasting")
    assert "podcasting" in str(raised.value) and "team_calls" in str(raised.value)


def test_unmeasured_figures_are_reported_not_judged():
    report = readiness_report(figures_with(loaded_latency_ms=None, loss_pct=None), profile="team_calls")
    (calls,) = report["profiles"]
    assert calls["verdict"] == "pass"
    assert sorted(calls["unmeasured"]) == ["Latency under load", "Packet loss"]
    assert report["bufferbloat"]["grade"] is None
    cases = {case["id"]: case for case in report["quality"]["use_cases"]}
    assert cases["gaming"]["grade"] is None and cases["gaming"]["missing"] == ["loaded_latency_increase"]


def test_one_failure_makes_a_profile_fail_even_with_borderline_figures():
    report = readiness_report(figures_with(jitter_ms=25, upload_mbps=1), profile="team_calls")
    (calls,) = report["profiles"]
    assert calls["verdict"] == "fail" and calls["verdict_text"] == "Not ready"
    assert [advice["figure"] for advice in calls["advice"]] == ["upload_mbps", "jitter_ms"]


@pytest.mark.parametrize("added, grade", [
    (0, "A+"), (4.99, "A+"), (5, "A"), (29.99, "A"), (30, "B"), (59.99, "B"), (60, "C"),
    (199.99, "C"), (200, "D"), (399.99, "D"), (400, "F"), (5000, "F"), (None, None)])
def test_bufferbloat_grade_boundaries(added, grade):
    assert bufferbloat_grade(added) == grade


def test_bufferbloat_uses_the_rise_over_idle_latency_and_never_goes_negative():
    assert Figures(10, 10, 40, 1, 75).added_latency_ms == 35
    assert Figures(10, 10, 40, 1, 35).added_latency_ms == 0
    report = readiness_report(Figures(10, 10, 40, 1, 75))
    assert report["bufferbloat"] == {**report["bufferbloat"], "added_latency_ms": 35.0, "grade": "B"}


def use_case(figures: Figures, case_id: str) -> dict:
    return next(c for c in readiness_report(figures)["quality"]["use_cases"] if c["id"] == case_id)


@pytest.mark.parametrize("metric, figure, bound_index, point_index", [
    ("latency", "ping_ms", 0, 1), ("latency", "ping_ms", 3, 4), ("jitter", "jitter_ms", 1, 2),
    ("download", "download_mbps", 2, 3), ("packet_loss", "loss_pct", 0, 1)])
def test_aim_points_change_at_each_bound_like_d3_scale_threshold(metric, figure, bound_index, point_index):
    """At a bound the next band applies (AIM's scaleThreshold: value >= bound moves up)."""
    scale = load_rules().scales[metric]
    bound = scale.bounds[bound_index]
    assert scale.points_for(bound - STEP) == scale.points[point_index - 1]
    assert scale.points_for(bound) == scale.points[point_index]


# An identity points table: an integer idle latency of n ms is worth exactly n points.
IDENTITY = Scale("ping_ms", tuple(float(n) for n in range(-50, 101)), tuple(float(n) for n in range(-51, 101)))


@pytest.mark.parametrize("case_id, threshold_index", [(c, i) for c in ("streaming", "gaming", "video_chatting")
                                                      for i in range(4)])
def test_use_case_class_boundaries(case_id, threshold_index):
    rules = load_rules()
    rules = replace(rules, scales={**rules.scales, "fixed": IDENTITY})
    case = replace(next(c for c in rules.use_cases if c.id == case_id), metrics=("fixed",))
    threshold = case.thresholds[threshold_index]
    below = use_case_report(case, Figures(1, 1, threshold - 1, 0, None), rules)
    at = use_case_report(case, Figures(1, 1, threshold, 0, None), rules)
    assert below["points"] == threshold - 1
    assert below["grade"] == rules.classes[threshold_index]
    assert at["grade"] == rules.classes[threshold_index + 1]


def test_realistic_connections_get_sensible_aim_grades():
    fibre = Figures(download_mbps=500, upload_mbps=100, ping_ms=8, jitter_ms=2, loaded_latency_ms=12)
    assert use_case(fibre, "streaming")["grade"] == "great"   # 20 + 0 + 30 + 20 = 70
    bloated_dsl = Figures(download_mbps=12, upload_mbps=1, ping_ms=35, jitter_ms=15, loaded_latency_ms=400)
    assert use_case(bloated_dsl, "gaming")["points"] == 0      # 5 + 0 - 10, floored at 0
    assert use_case(bloated_dsl, "gaming")["grade"] == "bad"
    assert use_case(bloated_dsl, "uploading")["grade"] == "bad"


@pytest.mark.parametrize("field, value, words", [
    ("download_mbps", -1, "negative"), ("upload_mbps", math.nan, "finite"), ("ping_ms", math.inf, "finite"),
    ("download_mbps", 1e12, "beyond any real connection"), ("jitter_ms", "12", "must be a number"),
    ("ping_ms", True, "must be a number"), ("loss_pct", 101, "at most 100"), ("ping_ms", None, "required")])
def test_bad_figures_are_refused_with_the_field_named(field, value, words):
    with pytest.raises(FigureError) as raised:
        Figures(**{**GOOD, field: value})
    assert raised.value.field == field
    assert words in raised.value.message


def test_from_mapping_names_a_missing_field_and_accepts_integers():
    with pytest.raises(FigureError) as raised:
        Figures.from_mapping({k: v for k, v in GOOD.items() if k != "jitter_ms"})
    assert raised.value.field == "jitter_ms"
    figures = Figures.from_mapping({**GOOD, "download_mbps": 50, "loss_pct": None})
    assert figures.download_mbps == 50.0 and isinstance(figures.download_mbps, float)
    assert figures.loss_pct is None


def write_rules(tmp_path, text):
    path = tmp_path / "readiness.toml"
    path.write_text(text)
    return path


def test_missing_file_error_names_the_file(tmp_path):
    with pytest.raises(RulesError, match="nowhere.toml: readiness rules file not found"):
        read_rules(tmp_path / "nowhere.toml")


def test_broken_toml_error_names_the_file(tmp_path):
    path = write_rules(tmp_path, "borderline_margin = [")
    with pytest.raises(RulesError, match="readiness.toml: not valid TOML"):
        load_profiles(path)


@pytest.mark.parametrize("old, new, message", [
    ('figure = "jitter_ms"\nmax = 30', 'figure = "wobble"\nmax = 30', "figure 'wobble' is not one of"),
    ('min = 3.2\nsource = "meet"', 'min = 3.2\nmax = 9\nsource = "meet"', "exactly one of 'min'"),
    ('source = "dslreports"\nsays', 'source = "nobody"\nsays', "source 'nobody' is not defined"),
    ("borderline_margin = 0.2", "borderline_margin = 1.5", "'borderline_margin' must be"),
    ("thresholds = [5, 15, 25, 30]", "thresholds = [5, 15, 25]", "'thresholds' must have 4 numbers"),
    ("bounds = [10, 20, 100, 500]", "bounds = [10, 200, 100, 500]", "'bounds' must be in ascending order"),
])
def test_malformed_rules_are_refused_with_file_and_place(tmp_path, old, new, message):
    text = DEFAULT_RULES_PATH.read_text()
    assert old in text
    path = write_rules(tmp_path, text.replace(old, new, 1))
    with pytest.raises(RulesError) as raised:
        read_rules(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_a_new_threshold_in_a_file_is_judged(tmp_path):
    text = DEFAULT_RULES_PATH.read_text() + '''
[[profiles]]
id = "live_labelling"
name = "Live labelling"
summary = "A made-up profile to show that rules come from the file."

[[profiles.checks]]
figure = "ping_ms"
max = 20
source = "aim_table"
says = "AIM gives the most latency points below 10 ms and fewer from 20 ms upwards."
'''
    profiles = load_profiles(write_rules(tmp_path, text))
    report = readiness_report(figures_with(ping_ms=25), profiles=profiles, profile="live_labelling")
    assert report["profiles"][0]["verdict"] == "fail"
