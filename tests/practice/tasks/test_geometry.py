"""Box IoU against pycocotools, one-to-one matching against exhaustive search, and F1 edge cases."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as coco_mask
from scipy.optimize import linear_sum_assignment

from portal.practice.tasks.geometry import f1_score, iou_matrix, match_one_to_one

# database=None: a failure prints its reproduction instead of leaving a .hypothesis/ folder behind.
PROPERTY = settings(max_examples=300, deadline=None, database=None)


def coco_iou(gold, answer) -> np.ndarray:
    """pycocotools' IoU (iscrowd=0) laid out like `iou_matrix`: rows gold, columns answer."""
    gold = np.asarray(gold, dtype=np.float64).reshape(-1, 4)
    answer = np.asarray(answer, dtype=np.float64).reshape(-1, 4)
    return np.asarray(coco_mask.iou(answer, gold, [0] * len(gold))).T


# A pair whose true IoU equals the threshold can compute a rounding error below it ([0, 0, 3.2, 1]
# against [0, 0, 3.2, 2] gives 0.49999999999999994): such a pair reaches the threshold.
ROUNDING_SLACK = 1e-9


def reaches(value: float, threshold: float) -> bool:
    """IoU >= threshold, allowing for floating-point rounding."""
    return value >= threshold - ROUNDING_SLACK


def brute_force_matching(iou: np.ndarray, threshold: float) -> tuple[int, float]:
    """The best (pair count, total IoU) over every one-to-one assignment, by exhaustive search.

    Independent of the code under test: it tries each answer (or none) for each gold in turn and
    ranks complete assignments by count first, then total IoU, as METRICS.md defines.
    """
    n_gold, n_answer = iou.shape
    best = (0, 0.0)

    def extend(gold: int, used: frozenset, count: int, total: float) -> None:
        nonlocal best
        if gold == n_gold:
            if count > best[0] or (count == best[0] and total > best[1]):
                best = (count, total)
            return
        extend(gold + 1, used, count, total)
        for answer in range(n_answer):
            if answer not in used and reaches(iou[gold, answer], threshold):
                extend(gold + 1, used | {answer}, count + 1, total + float(iou[gold, answer]))

    extend(0, frozenset(), 0, 0.0)
    return best


def assert_valid_matching(matches, iou: np.ndarray, threshold: float) -> None:
    """Each gold and each answer used at most once, every pair at or above the threshold."""
    golds = [g for g, _, _ in matches]
    answers = [a for _, a, _ in matches]
    assert len(set(golds)) == len(golds), f"a gold box matched twice: {matches}"
    assert len(set(answers)) == len(answers), f"an answer box matched twice: {matches}"
    for g, a, value in matches:
        assert isinstance(g, int) and isinstance(a, int) and isinstance(value, float)
        assert value == iou[g, a]
        assert reaches(value, threshold)


# --- IoU -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("gold, answer, expected", [
    ([0, 0, 10, 10], [5, 5, 10, 10], 25 / 175),          # corner overlap
    ([0, 0, 10, 10], [5, 0, 10, 10], 50 / 150),          # half overlap
    ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),               # identical
    ([0, 0, 10, 10], [2, 2, 5, 5], 25 / 100),            # nested inside
    ([2, 2, 5, 5], [0, 0, 10, 10], 25 / 100),            # nested around
    ([0, 0, 10, 10], [10, 0, 10, 10], 0.0),              # touching along an edge
    ([0, 0, 10, 10], [10, 10, 5, 5], 0.0),               # touching at a corner
    ([0, 0, 10, 10], [50, 50, 10, 10], 0.0),             # disjoint
    ([0, 0, 1, 1], [0, 0, 2, 2], 1 / 4),                 # no "+1" pixel convention (that gives 4/9)
    ([0.5, 0.5, 2, 2], [1.5, 0.5, 2, 2], 2 / 6),         # fractional pixels
    ([0, 0, 20, 2], [5, -5, 2, 20], 4 / (40 + 40 - 4)),  # a cross
])
def test_iou_hand_worked(gold, answer, expected):
    assert iou_matrix([gold], [answer])[0, 0] == pytest.approx(expected, rel=1e-12)


def test_iou_matrix_is_gold_by_answer():
    gold = [[0, 0, 10, 10], [100, 100, 10, 10], [0, 0, 20, 20]]
    answer = [[0, 0, 10, 10], [105, 100, 10, 10]]
    expected = np.array([[1.0, 0.0],
                         [0.0, 50 / 150],
                         [100 / 400, 0.0]])
    result = iou_matrix(gold, answer)
    assert result.shape == (3, 2)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("n_gold, n_answer", [(0, 0), (0, 3), (2, 0)])
def test_iou_matrix_with_an_empty_side(n_gold, n_answer):
    result = iou_matrix(np.ones((n_gold, 4)), np.ones((n_answer, 4)))
    assert result.shape == (n_gold, n_answer)


@st.composite
def grid_box(draw, low=0, high=12):
    return [draw(st.integers(low, high)), draw(st.integers(low, high)),
            draw(st.integers(1, 12)), draw(st.integers(1, 12))]


@st.composite
def related_box(draw, gold):
    """A box placed against `gold` the way annotators' boxes relate to objects."""
    x, y, w, h = gold
    kind = draw(st.sampled_from(["identical", "inside", "around", "edge", "corner", "disjoint", "shifted",
                                 "fresh"]))
    if kind == "identical":
        return list(gold)
    if kind == "inside" and w > 2 and h > 2:
        return [x + 1, y + 1, w - 2, h - 2]
    if kind == "around":
        return [x, y, w + draw(st.integers(1, 5)), h + draw(st.integers(1, 5))]
    if kind == "edge":
        return [x + w, y, draw(st.integers(1, 12)), h]
    if kind == "corner":
        return [x + w, y + h, draw(st.integers(1, 12)), draw(st.integers(1, 12))]
    if kind == "disjoint":
        return [x + w + draw(st.integers(1, 30)), y, w, h]
    if kind == "shifted":
        return [x + draw(st.integers(-3, 3)), y + draw(st.integers(-3, 3)), w, h]
    return draw(grid_box())


@st.composite
def box_pairs(draw):
    """Gold and answer boxes on an integer grid, scaled from tiny to huge and moved far out."""
    gold = draw(st.lists(grid_box(), min_size=1, max_size=6))
    answer = [draw(related_box(draw(st.sampled_from(gold)))) for _ in range(draw(st.integers(1, 6)))]
    scale = draw(st.sampled_from([1e-6, 1e-3, 0.37, 1.0, 3.3, 1e4, 1e9, 1e12]))
    offset = draw(st.sampled_from([0.0, 0.5, 1e3, 1e7]))

    def place(boxes):
        boxes = np.array(boxes, dtype=np.float64) * scale
        boxes[:, :2] += offset
        return boxes
    return place(gold), place(answer)


@PROPERTY
@given(box_pairs())
def test_iou_agrees_with_pycocotools_on_related_boxes(pair):
    gold, answer = pair
    result = iou_matrix(gold, answer)
    assert result.shape == (len(gold), len(answer))
    np.testing.assert_allclose(result, coco_iou(gold, answer), rtol=1e-12, atol=1e-15)


coordinate = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
extent = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
float_box = st.tuples(coordinate, coordinate, extent, extent)


@PROPERTY
@given(st.lists(float_box, min_size=1, max_size=5), st.lists(float_box, min_size=1, max_size=5))
def test_iou_agrees_with_pycocotools_on_arbitrary_floats(gold, answer):
    result = iou_matrix(gold, answer)
    np.testing.assert_allclose(result, coco_iou(gold, answer), rtol=1e-12, atol=1e-15)
    # (x + w) - x is not always w in floating point: identical boxes can land a rounding error
    # above 1, at most about eps * x / w (here 2.2e-16 * 1e6 / 1e-3), as in pycocotools.
    assert ((result >= 0) & (result <= 1 + 1e-6)).all()


@PROPERTY
@given(float_box, float_box)
def test_iou_is_symmetric(a, b):
    assert iou_matrix([a], [b])[0, 0] == pytest.approx(iou_matrix([b], [a])[0, 0], rel=1e-12, abs=1e-15)


# --- matching ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)])
def test_matching_an_empty_side_gives_no_pairs(shape):
    assert match_one_to_one(np.zeros(shape), 0.5) == []


def test_matching_needs_the_threshold_and_includes_it():
    iou = np.array([[0.5, 0.49], [0.2, 0.0]])
    assert match_one_to_one(iou, 0.5) == [(0, 0, 0.5)]
    assert match_one_to_one(iou, 0.51) == []


def test_a_pair_exactly_at_the_threshold_survives_rounding():
    iou = iou_matrix([[0, 0, 3.2, 1]], [[0, 0, 3.2, 2]])  # exactly 1/2, computed a hair below
    assert iou[0, 0] == pytest.approx(0.5, abs=1e-12)
    assert [(g, a) for g, a, _ in match_one_to_one(iou, 0.5)] == [(0, 0)]
    assert match_one_to_one(np.array([[0.4999]]), 0.5) == []


def test_matching_prefers_total_iou_over_greedy_choice():
    # Greedy takes 0.9 first and is left with 0.5 (total 1.4); the best assignment totals 1.6.
    iou = np.array([[0.9, 0.8],
                    [0.8, 0.5]])
    assert sorted(match_one_to_one(iou, 0.5)) == [(0, 1, 0.8), (1, 0, 0.8)]


def test_matching_counts_pairs_before_total_iou():
    # Two snug pairs (0.95 + 0.95 = 1.9) block three looser ones (3 x 0.55 = 1.65): the reference
    # wants the three pairs, because each is a correct detection at IoU >= 0.5.
    iou = np.array([[0.55, 0.95, 0.00],
                    [0.00, 0.55, 0.95],
                    [0.00, 0.00, 0.55]])
    # The case discriminates: maximising total IoU alone picks the two snug pairs.
    rows, cols = linear_sum_assignment(np.where(iou >= 0.5, iou, 0.0), maximize=True)
    total_only = [(r, c) for r, c in zip(rows, cols) if iou[r, c] >= 0.5]
    assert len(total_only) == 2
    assert sorted(match_one_to_one(iou, 0.5)) == [(0, 0, 0.55), (1, 1, 0.55), (2, 2, 0.55)]


iou_value = st.one_of(st.sampled_from([0.0, 0.1, 0.3, 0.5, 0.55, 0.6, 0.75, 0.8, 0.9, 1.0]),
                      st.floats(min_value=0, max_value=1))


@st.composite
def iou_matrices(draw):
    n_gold, n_answer = draw(st.integers(0, 5)), draw(st.integers(0, 5))
    rows = [[draw(iou_value) for _ in range(n_answer)] for _ in range(n_gold)]
    return np.array(rows, dtype=np.float64).reshape(n_gold, n_answer)


threshold_value = st.one_of(st.sampled_from([0.3, 0.5, 0.75]), st.floats(min_value=0.01, max_value=1.0))


@PROPERTY
@given(iou_matrices(), threshold_value)
def test_matching_agrees_with_brute_force(iou, threshold):
    matches = match_one_to_one(iou, threshold)
    assert_valid_matching(matches, iou, threshold)
    best_count, best_total = brute_force_matching(iou, threshold)
    assert len(matches) == best_count
    assert sum(value for _, _, value in matches) == pytest.approx(best_total, abs=1e-9)


@PROPERTY
@given(st.lists(grid_box(0, 20), max_size=5), st.lists(grid_box(0, 20), max_size=5), threshold_value)
def test_matching_agrees_with_brute_force_on_real_boxes(gold, answer, threshold):
    iou = coco_iou(gold, answer) if gold and answer else np.zeros((len(gold), len(answer)))
    matches = match_one_to_one(iou_matrix(gold, answer), threshold)
    assert_valid_matching(matches, iou, threshold)
    best_count, best_total = brute_force_matching(iou, threshold)
    assert len(matches) == best_count
    assert sum(value for _, _, value in matches) == pytest.approx(best_total, abs=1e-9)


# --- F1 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tp, fp, fn, expected", [
    (0, 0, 0, 1.0),   # nothing to find, nothing found
    (0, 1, 0, 0.0),   # only a false positive
    (0, 0, 1, 0.0),   # only a miss
    (0, 5, 5, 0.0),
    (4, 0, 0, 1.0),
    (1, 1, 0, 2 / 3),
    (1, 0, 1, 2 / 3),
    (3, 1, 2, 6 / 9),
])
def test_f1_edge_cases(tp, fp, fn, expected):
    assert f1_score(tp, fp, fn) == pytest.approx(expected, rel=1e-12)


@PROPERTY
@given(st.integers(1, 500), st.integers(0, 500), st.integers(0, 500))
def test_f1_is_the_harmonic_mean_of_precision_and_recall(tp, fp, fn):
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert f1_score(tp, fp, fn) == pytest.approx(2 * precision * recall / (precision + recall), rel=1e-12)


def test_scoring_modules_are_pure():
    """Scorers and generators import no Flask, so they can be reused outside the app (STYLE.md)."""
    modules = "portal.practice.tasks.geometry, portal.practice.tasks.bbox, portal.practice.tasks.street_scene"
    code = f"import sys, {modules}; sys.exit(1 if 'flask' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[3])
    assert result.returncode == 0, f"a scoring module pulled in Flask: {result.stderr}"
