"""Box geometry shared by the image task types: IoU exactly as pycocotools, and matching (pure)."""

import numpy as np
from scipy.optimize import linear_sum_assignment

# (x + w) - x can round just below w, so an exact copy of a box may compute an IoU of 0.9999999999999998;
# a threshold of 1.0 must still accept it.
MATCH_TOLERANCE = 1e-9


def iou_matrix(gold: np.ndarray, answer: np.ndarray) -> np.ndarray:
    """IoU of every gold box with every answer box, boxes as [x, y, w, h] in continuous pixels.

    Same arithmetic as pycocotools' `bbIou` with iscrowd=0: intersection w*h of the overlap,
    union = area_a + area_b - intersection, no "+1" pixel convention. Shape (len(gold), len(answer)).
    """
    gold = np.asarray(gold, dtype=np.float64).reshape(-1, 4)
    answer = np.asarray(answer, dtype=np.float64).reshape(-1, 4)
    if not len(gold) or not len(answer):
        return np.zeros((len(gold), len(answer)))
    gx1, gy1 = gold[:, 0:1], gold[:, 1:2]
    gx2, gy2 = gx1 + gold[:, 2:3], gy1 + gold[:, 3:4]
    ax1, ay1 = answer[:, 0], answer[:, 1]
    ax2, ay2 = ax1 + answer[:, 2], ay1 + answer[:, 3]
    overlap_w = np.clip(np.minimum(gx2, ax2) - np.maximum(gx1, ax1), 0, None)
    overlap_h = np.clip(np.minimum(gy2, ay2) - np.maximum(gy1, ay1), 0, None)
    intersection = overlap_w * overlap_h
    union = (gold[:, 2:3] * gold[:, 3:4]) + (answer[:, 2] * answer[:, 3]) - intersection
    return np.divide(intersection, union, out=np.zeros_like(intersection), where=union > 0)


def match_one_to_one(iou: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Pairs (gold, answer, iou) with IoU >= threshold: the most pairs, then the most total IoU.

    A weight of `big + IoU` with `big` above any possible IoU sum makes the assignment compare
    pair counts first and total IoU second, as the scoring reference requires.
    """
    if iou.size == 0:
        return []
    valid = iou >= threshold - MATCH_TOLERANCE
    rows = np.flatnonzero(valid.any(axis=1))
    cols = np.flatnonzero(valid.any(axis=0))
    if not len(rows):
        return []
    sub_iou = iou[np.ix_(rows, cols)]
    sub_valid = valid[np.ix_(rows, cols)]
    big = min(len(rows), len(cols)) + 1.0
    weights = np.where(sub_valid, big + sub_iou, 0.0)
    picked_rows, picked_cols = linear_sum_assignment(weights, maximize=True)
    return [(int(rows[r]), int(cols[c]), float(sub_iou[r, c]))
            for r, c in zip(picked_rows, picked_cols) if sub_valid[r, c]]


def f1_score(tp: int, fp: int, fn: int) -> float:
    """2TP / (2TP + FP + FN), and 1.0 when there was nothing to find and nothing was found."""
    denominator = 2 * tp + fp + fn
    return 1.0 if denominator == 0 else 2 * tp / denominator
