"""The contract every task type implements, and the value types it exchanges (pure)."""

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

DIFFICULTIES = ("easy", "medium", "hard")
MAX_SEED = 2**31 - 1
MAX_COORDINATE = 10_000_000  # far beyond any real image; keeps areas finite in float arithmetic


class AnswerError(ValueError):
    """An answer or gold that cannot be scored; `field` points at the offending part."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Item:
    """One generated exercise: what the annotator sees (`public`) and the exact `gold`."""

    task_type: str
    seed: int
    difficulty: str
    public: dict
    gold: dict

    @property
    def item_id(self) -> str:
        return make_item_id(self.task_type, self.difficulty, self.seed)


@dataclass(frozen=True)
class ScoreResult:
    """A graded answer: the item score in [0, 1], pass/fail, metrics, matches and advice."""

    score: float
    passed: bool
    metrics: dict
    matches: list = field(default_factory=list)
    feedback: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"score": self.score, "passed": self.passed, "metrics": self.metrics,
                "matches": self.matches, "feedback": self.feedback}


class TaskType(ABC):
    """One annotation task type. Subclasses set the class attributes and the four methods."""

    slug: str
    title: str
    modality: str
    guide_slug: str
    labels: tuple[str, ...]
    pass_mark: float
    instructions: str

    @property
    def widget(self) -> str:
        """The browser widget module: static/js/practice/widgets/<slug>.js."""
        return f"js/practice/widgets/{self.slug}.js"

    @property
    def template(self) -> str:
        """The template that lays out the widget's page."""
        return f"practice/widgets/{self.slug}.html"

    @abstractmethod
    def generate(self, seed: int, difficulty: str) -> Item:
        """The item for (seed, difficulty): always the same for the same inputs."""

    @abstractmethod
    def validate_answer(self, raw: Any, item: Item | None = None, field_name: str = "answer") -> dict:
        """Check and normalise an answer (or gold), raising AnswerError with the field at fault."""

    @abstractmethod
    def score(self, gold: dict, answer: dict, params: dict | None = None) -> ScoreResult:
        """Grade a validated answer against validated gold."""

    def validate_params(self, raw: Any) -> dict:
        """Scoring parameters accepted by the stateless scoring API (none by default)."""
        if raw in (None, {}):
            return {}
        raise AnswerError("this task type takes no scoring parameters", "params")

    def render_asset(self, item: Item) -> tuple[bytes, str] | None:
        """The item's media (e.g. a PNG) and its MIME type, or None when it has none."""
        return None


def make_item_id(task_type: str, difficulty: str, seed: int) -> str:
    """A practice item's id names everything needed to regenerate it."""
    return f"{task_type}.{difficulty}.{seed}"


def parse_item_id(item_id: Any) -> tuple[str, str, int]:
    """Split an item id back into (task_type, difficulty, seed), or raise AnswerError."""
    if not isinstance(item_id, str) or item_id.count(".") != 2:
        raise AnswerError("item_id must look like 'bbox.medium.1234'", "item_id")
    task_type, difficulty, seed_text = item_id.split(".")
    if difficulty not in DIFFICULTIES:
        raise AnswerError(f"item_id has an unknown difficulty '{difficulty}'", "item_id")
    seed = parse_seed(seed_text, "item_id")
    return task_type, difficulty, seed


def parse_seed(value: Any, field_name: str = "seed") -> int:
    """A seed is a whole number from 0 to 2^31 - 1."""
    if isinstance(value, bool):
        raise AnswerError("seed must be a whole number", field_name)
    if isinstance(value, str):
        if not value.isdigit() or len(value) > 10:
            raise AnswerError(f"{field_name} must be a whole number from 0 to {MAX_SEED}", field_name)
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise AnswerError(f"{field_name} must be a whole number from 0 to {MAX_SEED}", field_name)
    return value


def finite_number(value: Any, field_name: str) -> float:
    """A real, finite, plausibly sized number (JSON booleans, NaN, infinities and giants are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError("must be a number", field_name)
    if isinstance(value, float) and not math.isfinite(value):
        raise AnswerError("must be a finite number (not NaN or infinity)", field_name)
    if abs(value) > MAX_COORDINATE:
        raise AnswerError(f"must be between -{MAX_COORDINATE:,} and {MAX_COORDINATE:,}", field_name)
    return float(value)
