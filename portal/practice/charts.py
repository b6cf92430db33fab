"""Small server-rendered SVG charts (pure): a picture of a score trend beats a list of numbers."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrendChart:
    """Coordinates for a score-over-attempts line chart drawn by a template."""

    width: int
    height: int
    points: str            # SVG polyline points
    dots: list             # [(x, y, score)] for markers and their titles
    pass_y: float          # y of the pass-mark line


def trend_chart(scores: list[float], pass_mark: float, width: int = 320, height: int = 120,
                padding: int = 12) -> TrendChart | None:
    """Scores in [0, 1], oldest first; None when there is nothing to draw."""
    if not scores:
        return None
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    step = inner_w / max(1, len(scores) - 1)
    dots = []
    for index, score in enumerate(scores):
        x = padding + (index * step if len(scores) > 1 else inner_w / 2)
        y = padding + (1 - max(0.0, min(1.0, score))) * inner_h
        dots.append((round(x, 1), round(y, 1), score))
    points = " ".join(f"{x},{y}" for x, y, _ in dots)
    return TrendChart(width, height, points, dots, round(padding + (1 - pass_mark) * inner_h, 1))
