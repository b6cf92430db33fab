"""Readiness rules (pure): measured figures plus the profiles in content/setup/readiness.toml -> verdicts.

Knows figures and profiles, not how the figures were measured. Each check passes, is borderline
(passes by less than the file's margin), fails, or was not measured; a profile's verdict is its
worst measured check. Also grades bufferbloat (DSLReports' scale) and use-case quality in the style
of Cloudflare's AIM, all from tables in the same file.
"""

import math
import operator
import tomllib
from bisect import bisect_right
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "content" / "setup" / "readiness.toml"


@dataclass(frozen=True)
class FigureSpec:
    """How to show one figure, and the largest value a real measurement could have."""

    label: str
    unit: str
    most: float
    better: str   # "higher" or "lower"


# Limits are far beyond any home connection (100 Gbit/s, a minute of latency): larger is a mistake.
FIGURE_SPECS = {
    "download_mbps": FigureSpec("Download", "Mbps", 100_000, "higher"),
    "upload_mbps": FigureSpec("Upload", "Mbps", 100_000, "higher"),
    "ping_ms": FigureSpec("Latency (idle)", "ms", 60_000, "lower"),
    "jitter_ms": FigureSpec("Jitter", "ms", 60_000, "lower"),
    "loaded_latency_ms": FigureSpec("Latency under load", "ms", 60_000, "lower"),
    "loss_pct": FigureSpec("Packet loss", "%", 100, "lower"),
}
DERIVED_FIGURES = ("added_latency_ms",)  # computed by Figures, usable by the quality tables

STATUS_RANK = {"pass": 0, "borderline": 1, "fail": 2}
VERDICT_TEXT = {"pass": "Ready", "borderline": "Borderline: it works, with little to spare",
                "fail": "Not ready", "unmeasured": "Not measured"}
# A "min" limit is met at or above it; a "max" limit only below it ("round trip < 100 ms").
MEETS = {"min": operator.ge, "max": operator.lt}
COMFORT_FACTOR = {"min": lambda margin: 1 + margin, "max": lambda margin: 1 - margin}
REQUIREMENT_WORDS = {"min": "at least", "max": "under"}


class FigureError(ValueError):
    """A figure that cannot be judged: `field` names it, the message says why and what is allowed."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


class RulesError(ValueError):
    """The readiness file is missing or malformed; the message names the file and the place."""


class UnknownProfile(LookupError):
    """A profile id that the rules do not define; the message lists the valid ones."""


def checked_figure(name: str, value, *, optional: bool = False) -> float | None:
    """`value` as a float within the figure's sane range; FigureError naming `name` otherwise."""
    spec = FIGURE_SPECS[name]
    if value is None:
        if optional:
            return None
        raise FigureError(name, "is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FigureError(name, f"must be a number of {spec.unit}, not {type(value).__name__}")
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise FigureError(name, "must be a finite number")
    if number < 0:
        raise FigureError(name, "cannot be negative")
    if number > spec.most:
        raise FigureError(name, f"{number:g} {spec.unit} is beyond any real connection "
                                f"(at most {spec.most:g} {spec.unit})")
    return number


@dataclass(frozen=True)
class Figures:
    """One measurement: speeds in Mbps, times in ms; None means "not measured"."""

    download_mbps: float
    upload_mbps: float
    ping_ms: float
    jitter_ms: float
    loaded_latency_ms: float | None
    loss_pct: float | None = None

    def __post_init__(self):
        for spec in fields(self):
            optional = spec.name in ("loaded_latency_ms", "loss_pct")
            object.__setattr__(self, spec.name, checked_figure(spec.name, getattr(self, spec.name),
                                                               optional=optional))

    @classmethod
    def from_mapping(cls, data) -> "Figures":
        """Figures from a JSON-like mapping; FigureError names the first missing or bad field."""
        required = [spec.name for spec in fields(cls) if spec.name != "loss_pct"]
        for name in required:
            if name not in data:
                raise FigureError(name, "is missing")
        return cls(**{spec.name: data.get(spec.name) for spec in fields(cls)})

    @property
    def added_latency_ms(self) -> float | None:
        """How much latency rose under load (never below zero: noise can make it dip)."""
        if self.loaded_latency_ms is None:
            return None
        return max(0.0, self.loaded_latency_ms - self.ping_ms)

    def as_dict(self) -> dict:
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}


@dataclass(frozen=True)
class Source:
    """A public page a threshold comes from."""

    title: str
    url: str

    def as_dict(self) -> dict:
        return {"title": self.title, "url": self.url}


@dataclass(frozen=True)
class Check:
    """One figure against one limit, with its source, what the source says, and the remedy."""

    figure: str
    kind: str               # "min" or "max"
    limit: float
    margin: float
    source: Source
    says: str
    advice: str
    also: tuple = ()

    @property
    def comfortable_at(self) -> float:
        """Beyond this value (in the good direction) a figure passes with room to spare."""
        return self.limit * COMFORT_FACTOR[self.kind](self.margin)

    def status(self, value: float | None) -> str:
        if value is None:
            return "unmeasured"
        if not MEETS[self.kind](value, self.limit):
            return "fail"
        return "pass" if MEETS[self.kind](value, self.comfortable_at) else "borderline"


@dataclass(frozen=True)
class Profile:
    """A kind of work and the checks a connection must pass for it."""

    id: str
    name: str
    summary: str
    margin: float
    checks: tuple = field(default_factory=tuple)


@dataclass(frozen=True)
class Scale:
    """A points table in AIM's style: below bounds[0] earns points[0], at or above bounds[i] points[i+1]."""

    figure: str
    bounds: tuple
    points: tuple
    unmeasured_points: float | None = None

    def points_for(self, value: float | None) -> float | None:
        if value is None:
            return self.unmeasured_points
        return self.points[bisect_right(self.bounds, value)]


@dataclass(frozen=True)
class UseCase:
    id: str
    name: str
    metrics: tuple
    thresholds: tuple
    ours: bool = False


@dataclass(frozen=True)
class Rules:
    """Everything in the readiness file, checked."""

    path: Path
    profiles: tuple
    bufferbloat: dict
    quality_source: Source
    classes: tuple
    scales: dict
    use_cases: tuple
    questions: tuple


class _Reader:
    """Reads one TOML table with errors that name the file and the place."""

    def __init__(self, path: Path, where: str, table):
        self.path, self.where, self.table = path, where, table
        if not isinstance(table, dict):
            self.fail("must be a table")

    def fail(self, message: str):
        raise RulesError(f"{self.path}: {self.where}: {message}")

    def get(self, key: str, kind, default=None, required=True):
        if key not in self.table:
            if required:
                self.fail(f"has no '{key}'")
            return default
        value = self.table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(f"'{key}' must be {getattr(kind, '__name__', kind)}")
        return value

    def numbers(self, key: str, length: int | None = None, ascending: bool = True) -> tuple:
        values = self.get(key, list)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            self.fail(f"'{key}' must be a list of numbers")
        if length is not None and len(values) != length:
            self.fail(f"'{key}' must have {length} numbers, not {len(values)}")
        if ascending and any(b <= a for a, b in zip(values, values[1:])):
            self.fail(f"'{key}' must be in ascending order")
        return tuple(float(v) for v in values)

    def child(self, where: str, table) -> "_Reader":
        return _Reader(self.path, f"{self.where} > {where}" if self.where else where, table)


def _read_check(reader: _Reader, sources: dict, advice: dict, margin: float) -> Check:
    name = reader.get("figure", str)
    if name not in FIGURE_SPECS:
        reader.fail(f"figure '{name}' is not one of {', '.join(FIGURE_SPECS)}")
    kinds = [kind for kind in MEETS if kind in reader.table]
    if len(kinds) != 1:
        reader.fail("needs exactly one of 'min' (at least) or 'max' (under)")
    limit = reader.get(kinds[0], float)
    if not 0 < limit <= FIGURE_SPECS[name].most:
        reader.fail(f"'{kinds[0]}' must be above 0 and at most {FIGURE_SPECS[name].most:g}")
    source_keys = [reader.get("source", str), *reader.get("also", list, [], required=False)]
    for key in source_keys:
        if key not in sources:
            reader.fail(f"source '{key}' is not defined under [sources]")
    says = reader.get("says", str).strip()
    if not says:
        reader.fail("'says' must state what the source says")
    if name not in advice:
        reader.fail(f"[advice] has no remedy for '{name}'")
    return Check(figure=name, kind=kinds[0], limit=limit, margin=margin, source=sources[source_keys[0]],
                 says=" ".join(says.split()), advice=advice[name],
                 also=tuple(sources[key] for key in source_keys[1:]))


def _read_profiles(root: _Reader, sources: dict) -> tuple:
    margin = root.get("borderline_margin", float)
    if not 0 <= margin < 1:
        root.fail("'borderline_margin' must be at least 0 and below 1")
    advice_reader = root.child("[advice]", root.get("advice", dict))
    advice = {name: " ".join(advice_reader.get(name, str).split())
              for name in advice_reader.table}
    profiles, seen = [], set()
    for index, table in enumerate(root.get("profiles", list), start=1):
        reader = root.child(f"profile {index}", table)
        profile_id = reader.get("id", str)
        if profile_id in seen:
            reader.fail(f"id '{profile_id}' is used twice")
        seen.add(profile_id)
        checks = tuple(_read_check(reader.child(f"check {n}", check), sources, advice, margin)
                       for n, check in enumerate(reader.get("checks", list), start=1))
        if not checks:
            reader.fail("has no checks")
        profiles.append(Profile(profile_id, reader.get("name", str), reader.get("summary", str), margin, checks))
    if not profiles:
        root.fail("defines no [[profiles]]")
    return tuple(profiles)


def _read_bufferbloat(root: _Reader) -> dict:
    reader = root.child("[bufferbloat]", root.get("bufferbloat", dict))
    grades = [reader.child(f"grade {n}", entry) for n, entry in enumerate(reader.get("grades", list), 1)]
    belows = [grade.get("below", float) for grade in grades]
    if not belows or any(b <= a for a, b in zip(belows, belows[1:])):
        reader.fail("'grades' must be a non-empty list with 'below' in ascending order")
    return {"grades": tuple((below, grade.get("grade", str)) for below, grade in zip(belows, grades)),
            "worst": reader.get("worst", str), "source": reader.get("source", str),
            "explanation": " ".join(reader.get("explanation", str).split())}


def _read_quality(root: _Reader, sources: dict):
    reader = root.child("[quality]", root.get("quality", dict))
    classes = tuple(reader.get("classes", list))
    if len(classes) < 2:
        reader.fail("'classes' must name at least two classes")
    scales = {}
    for name, table in reader.get("metrics", dict).items():
        metric = reader.child(f"metric {name}", table)
        figure = metric.get("figure", str)
        if figure not in FIGURE_SPECS and figure not in DERIVED_FIGURES:
            metric.fail(f"figure '{figure}' is not one of {', '.join([*FIGURE_SPECS, *DERIVED_FIGURES])}")
        bounds = metric.numbers("bounds")
        points = metric.numbers("points", length=len(bounds) + 1, ascending=False)
        scales[name] = Scale(figure, bounds, points, metric.get("unmeasured_points", float, required=False))
    use_cases = []
    for index, table in enumerate(reader.get("use_cases", list), start=1):
        case = reader.child(f"use case {index}", table)
        metrics = tuple(case.get("metrics", list))
        unknown = [name for name in metrics if name not in scales]
        if unknown or not metrics:
            case.fail(f"metrics must be some of {', '.join(scales)}")
        use_cases.append(UseCase(case.get("id", str), case.get("name", str), metrics,
                                 case.numbers("thresholds", length=len(classes) - 1),
                                 case.get("ours", bool, False, required=False)))
    source = reader.get("source", str)
    if source not in sources:
        reader.fail(f"source '{source}' is not defined under [sources]")
    return sources[source], classes, scales, tuple(use_cases)


def _read_questions(root: _Reader) -> tuple:
    questions = []
    for index, table in enumerate(root.get("workspace_questions", list), start=1):
        reader = root.child(f"workspace question {index}", table)
        questions.append(Question(reader.get("id", str), " ".join(reader.get("text", str).split()),
                                  " ".join(reader.get("advice", str).split())))
    return tuple(questions)


def read_rules(path: Path) -> Rules:
    """Parse and check a readiness file; RulesError names the file and what is wrong."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise RulesError(f"{path}: readiness rules file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{path}: not valid TOML ({error})") from None
    root = _Reader(path, "", data)
    sources = {}
    for key, table in root.get("sources", dict).items():
        reader = root.child(f"[sources.{key}]", table)
        sources[key] = Source(reader.get("title", str), reader.get("url", str))
    bufferbloat = _read_bufferbloat(root)
    if bufferbloat["source"] not in sources:
        root.fail(f"[bufferbloat] source '{bufferbloat['source']}' is not defined under [sources]")
    quality_source, classes, scales, use_cases = _read_quality(root, sources)
    return Rules(path=path, profiles=_read_profiles(root, sources),
                 bufferbloat={**bufferbloat, "source": sources[bufferbloat["source"]]},
                 quality_source=quality_source, classes=classes, scales=scales, use_cases=use_cases,
                 questions=_read_questions(root))


@lru_cache(maxsize=8)
def _cached_rules(path: Path) -> Rules:
    return read_rules(path)


def load_rules(path: Path | str | None = None) -> Rules:
    """The rules in `path` (default content/setup/readiness.toml), read once per process."""
    return _cached_rules(Path(path) if path else DEFAULT_RULES_PATH)


def load_profiles(path: Path | str | None = None) -> list[Profile]:
    """The profiles defined in `path` (default content/setup/readiness.toml)."""
    return list(load_rules(path).profiles)


def requirement_text(check: Check) -> str:
    """"at least 25 Mbps" or "under 100 ms"."""
    return f"{REQUIREMENT_WORDS[check.kind]} {check.limit:g} {FIGURE_SPECS[check.figure].unit}"


def check_report(check: Check, figures: Figures) -> dict:
    value = getattr(figures, check.figure)
    status = check.status(value)
    spec = FIGURE_SPECS[check.figure]
    return {
        "figure": check.figure, "label": spec.label, "unit": spec.unit, "value": value,
        "kind": check.kind, "limit": check.limit, "comfortable_at": round(check.comfortable_at, 6),
        "requirement": requirement_text(check), "status": status,
        "source": {**check.source.as_dict(), "says": check.says},
        "also": [source.as_dict() for source in check.also],
        "advice": check.advice if status in ("fail", "borderline") else None,
    }


def profile_report(profile: Profile, figures: Figures) -> dict:
    """One profile's checks, its verdict (the worst measured check) and the advice for its shortfalls."""
    checks = [check_report(check, figures) for check in profile.checks]
    measured = [check["status"] for check in checks if check["status"] in STATUS_RANK]
    verdict = max(measured, key=STATUS_RANK.__getitem__) if measured else "unmeasured"
    advice, seen = [], set()
    for check in sorted(checks, key=lambda c: -STATUS_RANK.get(c["status"], -1)):
        if check["advice"] and check["figure"] not in seen:
            seen.add(check["figure"])
            advice.append({"figure": check["figure"], "label": check["label"], "status": check["status"],
                           "text": check["advice"]})
    return {"id": profile.id, "name": profile.name, "summary": profile.summary,
            "borderline_margin": profile.margin, "verdict": verdict,
            "verdict_text": VERDICT_TEXT[verdict], "checks": checks, "advice": advice,
            "unmeasured": [check["label"] for check in checks if check["status"] == "unmeasured"]}


def bufferbloat_grade(added_latency_ms: float | None, rules: Rules | None = None) -> str | None:
    """The letter grade for a rise in latency under load, or None when it was not measured."""
    if added_latency_ms is None:
        return None
    scale = (rules or load_rules()).bufferbloat
    for below, grade in scale["grades"]:
        if added_latency_ms < below:
            return grade
    return scale["worst"]


def bufferbloat_report(figures: Figures, rules: Rules) -> dict:
    added = figures.added_latency_ms
    return {"added_latency_ms": None if added is None else round(added, 2),
            "grade": bufferbloat_grade(added, rules), "explanation": rules.bufferbloat["explanation"],
            "source": rules.bufferbloat["source"].as_dict()}


def use_case_report(case: UseCase, figures: Figures, rules: Rules) -> dict:
    """AIM-style: points per metric summed (never below 0) and mapped to a class; None if a metric is missing."""
    points = {}
    for name in case.metrics:
        scale = rules.scales[name]
        points[name] = scale.points_for(getattr(figures, scale.figure))
    missing = [name for name, value in points.items() if value is None]
    report = {"id": case.id, "name": case.name, "ours": case.ours, "metric_points": points,
              "missing": missing, "points": None, "grade": None, "grade_index": None}
    if not missing:
        total = max(0.0, sum(points.values()))
        index = bisect_right(case.thresholds, total)
        report.update(points=total, grade=rules.classes[index], grade_index=index)
    return report


def quality_report(figures: Figures, rules: Rules) -> dict:
    return {"classes": list(rules.classes), "source": rules.quality_source.as_dict(),
            "use_cases": [use_case_report(case, figures, rules) for case in rules.use_cases]}


def select_profiles(profiles, profile: str | None) -> list:
    if profile is None:
        return list(profiles)
    for candidate in profiles:
        if candidate.id == profile:
            return [candidate]
    valid = ", ".join(candidate.id for candidate in profiles)
    raise UnknownProfile(f"unknown profile '{profile}': choose one of {valid}")


def readiness_report(figures: Figures, profiles: list[Profile] | None = None,
                     profile: str | None = None) -> dict:
    """The JSON-able report: the figures, each profile's verdict and advice, bufferbloat and AIM-style grades.

    `profiles` defaults to those in content/setup/readiness.toml; `profile` limits the report to
    one of them (UnknownProfile names the valid ones).
    """
    rules = load_rules()
    chosen = select_profiles(rules.profiles if profiles is None else profiles, profile)
    return {
        "figures": figures.as_dict(),
        "profiles": [profile_report(item, figures) for item in chosen],
        "bufferbloat": bufferbloat_report(figures, rules),
        "quality": quality_report(figures, rules),
    }


def compare_figures(before: dict, after: dict) -> list[dict]:
    """Figure by figure, how a later run differs from an earlier one, and whether that is better."""
    rows = []
    for name, spec in FIGURE_SPECS.items():
        old, new = before.get(name), after.get(name)
        change = None if old is None or new is None else new - old
        improved = None if not change else (change > 0) == (spec.better == "higher")
        rows.append({"figure": name, "label": spec.label, "unit": spec.unit, "before": old, "after": new,
                     "change": change, "improved": improved})
    return rows


@dataclass(frozen=True)
class Question:
    """One workspace question, and what to do when the answer is no."""

    id: str
    text: str
    advice: str


DETECTED_LIMITS = {  # what a browser can report, and the range a real device falls in
    "cpu_cores": (int, 1, 4096), "device_memory_gb": (float, 0.125, 4096),
    "screen_width": (int, 1, 100_000), "screen_height": (int, 1, 100_000), "pixel_ratio": (float, 0.1, 16),
    "extended_display": (bool, None, None), "microphones": (int, 0, 256), "speakers": (int, 0, 256),
}
ANSWERS = ("yes", "no")


def clean_detected(raw) -> dict:
    """Only the known facts, each of the right type and in range; FigureError names the first bad one."""
    if not isinstance(raw, dict):
        raise FigureError("detected", "must be an object of detected facts")
    cleaned = {}
    for key, value in raw.items():
        if key not in DETECTED_LIMITS:
            raise FigureError(key, f"is not a detected fact we keep ({', '.join(DETECTED_LIMITS)})")
        if value is None:
            continue
        kind, low, high = DETECTED_LIMITS[key]
        if kind is bool:
            if not isinstance(value, bool):
                raise FigureError(key, "must be true or false")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or (
                kind is int and float(value) != int(value)) or not math.isfinite(value) or not low <= value <= high:
            raise FigureError(key, f"must be a {'whole ' if kind is int else ''}number from {low:g} to {high:g}")
        cleaned[key] = kind(value)
    return cleaned


def load_questions(path: Path | str | None = None) -> list[Question]:
    """The workspace questionnaire from the readiness file."""
    return list(load_rules(path).questions)


def workspace_report(detected: dict, answers: dict, questions: list[Question] | None = None) -> dict:
    """Detected facts and answers side by side, never mixed, with advice for each "no"."""
    questions = load_questions() if questions is None else questions
    rows = [{"id": q.id, "text": q.text, "answer": answers.get(q.id),
             "advice": q.advice if answers.get(q.id) == "no" else None} for q in questions]
    return {"detected": detected, "answers": rows,
            "answered": sum(1 for row in rows if row["answer"] in ANSWERS)}
