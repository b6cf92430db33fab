"""Bounding boxes: street-scene items, answer validation, IoU matching and feedback (pure)."""

from typing import Any

import numpy as np

from portal.practice.tasks import street_scene
from portal.practice.tasks.base import DIFFICULTIES, AnswerError, Item, ScoreResult, TaskType, finite_number
from portal.practice.tasks.geometry import MATCH_TOLERANCE, f1_score, iou_matrix, match_one_to_one
from portal.practice.tasks.registry import register

MAX_OBJECTS = 1000
MAX_LABEL_LENGTH = 64
DEFAULT_IOU_THRESHOLD = 0.5
STRICT_IOU_THRESHOLD = 0.75
GOOD_FIT_IOU = 0.9
EDGE_TOLERANCE = 0.5  # a box may overhang the image by half a pixel (rounding in browsers)
MIN_SIDE = 0.01  # smaller boxes have areas that underflow and could never match anything

INSTRUCTIONS = (
    "Draw one tight box around every car, truck, bus, pedestrian, cyclist, traffic light and "
    "traffic sign you can see. Box only the visible part of each object, tight to its pixels, "
    "and stop at the image edge. A cyclist's box covers the rider and the bicycle together; a "
    "traffic light's or sign's box covers the light housing or the sign plate, not the pole. "
    "Trees, bins and street lamps are not in the label set: leave them alone."
)


class BoundingBoxes(TaskType):
    slug = "bbox"
    title = "Bounding boxes"
    modality = "image"
    guide_slug = "bounding-boxes"
    labels = street_scene.LABELS
    pass_mark = 0.8
    instructions = INSTRUCTIONS

    def generate(self, seed: int, difficulty: str) -> Item:
        if difficulty not in DIFFICULTIES:
            raise AnswerError(f"difficulty must be one of {', '.join(DIFFICULTIES)}", "difficulty")
        scene = street_scene.generate_scene(seed, difficulty)
        public = {
            "instructions": self.instructions,
            "labels": list(self.labels),
            "image": {"width": street_scene.WIDTH, "height": street_scene.HEIGHT},
        }
        return Item(self.slug, seed, difficulty, public, {"objects": scene.objects})

    def render_asset(self, item: Item) -> tuple[bytes, str]:
        scene = street_scene.generate_scene(item.seed, item.difficulty)
        return street_scene.png_bytes(scene.image), "image/png"

    def validate_answer(self, raw: Any, item: Item | None = None, field_name: str = "answer") -> dict:
        """Objects with finite positive boxes; for a practice item also inside the image and labelled
        from its taxonomy."""
        if not isinstance(raw, dict):
            raise AnswerError("must be an object like {\"objects\": [...]}", field_name)
        objects = raw.get("objects")
        if not isinstance(objects, list):
            raise AnswerError("must be a list of {\"bbox\": [x, y, w, h], \"label\": ...}", f"{field_name}.objects")
        if len(objects) > MAX_OBJECTS:
            raise AnswerError(f"has {len(objects)} boxes; at most {MAX_OBJECTS} are accepted",
                              f"{field_name}.objects")
        cleaned = []
        for index, obj in enumerate(objects):
            where = f"{field_name}.objects[{index}]"
            if not isinstance(obj, dict):
                raise AnswerError("must be an object with 'bbox' and 'label'", where)
            cleaned.append({"bbox": self._validate_box(obj.get("bbox"), item, f"{where}.bbox"),
                            "label": self._validate_label(obj.get("label"), item, f"{where}.label")})
        return {"objects": cleaned}

    def _validate_box(self, box: Any, item: Item | None, where: str) -> list[float]:
        if not isinstance(box, list) or len(box) != 4:
            raise AnswerError("must be [x, y, w, h]: four numbers in pixels", where)
        x, y, w, h = (finite_number(value, f"{where}[{i}]") for i, value in enumerate(box))
        if w < MIN_SIDE or h < MIN_SIDE:
            raise AnswerError(f"width and height must be at least {MIN_SIDE} px", where)
        if x < -EDGE_TOLERANCE or y < -EDGE_TOLERANCE:
            raise AnswerError("x and y must not be negative (the origin is the image's top-left corner)", where)
        if item is not None:
            width, height = item.public["image"]["width"], item.public["image"]["height"]
            if x + w > width + EDGE_TOLERANCE or y + h > height + EDGE_TOLERANCE:
                raise AnswerError(f"lies outside the {width}x{height} image; stop boxes at the image edge", where)
        return [x, y, w, h]

    def _validate_label(self, label: Any, item: Item | None, where: str) -> str:
        if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_LENGTH:
            raise AnswerError(f"must be a non-empty label of at most {MAX_LABEL_LENGTH} characters", where)
        if item is not None and label not in self.labels:
            raise AnswerError(f"'{label}' is not in this item's labels: {', '.join(self.labels)}", where)
        return label

    def validate_params(self, raw: Any) -> dict:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise AnswerError("must be an object such as {\"iou_threshold\": 0.5}", "params")
        unknown = set(raw) - {"iou_threshold"}
        if unknown:
            raise AnswerError(f"unknown parameter(s) {sorted(unknown)}; accepted: iou_threshold", "params")
        if "iou_threshold" in raw:
            threshold = finite_number(raw["iou_threshold"], "params.iou_threshold")
            if not 0 < threshold <= 1:
                raise AnswerError("must be greater than 0 and at most 1", "params.iou_threshold")
            return {"iou_threshold": threshold}
        return {}

    def score(self, gold: dict, answer: dict, params: dict | None = None) -> ScoreResult:
        threshold = (params or {}).get("iou_threshold", DEFAULT_IOU_THRESHOLD)
        return score_boxes(gold["objects"], answer["objects"], threshold, self.pass_mark)


def _boxes(objects: list[dict]) -> np.ndarray:
    return np.array([obj["bbox"] for obj in objects], dtype=np.float64).reshape(-1, 4)


def match_by_label(gold: list[dict], answer: list[dict], threshold: float,
                   ious: np.ndarray | None = None) -> tuple[list, np.ndarray]:
    """One-to-one matches within each label, plus the full IoU matrix (used for feedback)."""
    if ious is None:
        ious = iou_matrix(_boxes(gold), _boxes(answer))
    matches = []
    for label in {obj["label"] for obj in gold} & {obj["label"] for obj in answer}:
        gold_index = [i for i, obj in enumerate(gold) if obj["label"] == label]
        answer_index = [j for j, obj in enumerate(answer) if obj["label"] == label]
        for g, a, iou in match_one_to_one(ious[np.ix_(gold_index, answer_index)], threshold):
            matches.append((gold_index[g], answer_index[a], iou))
    matches.sort()
    return matches, ious


def score_boxes(gold: list[dict], answer: list[dict], threshold: float = DEFAULT_IOU_THRESHOLD,
                pass_mark: float = 0.8) -> ScoreResult:
    """F1 of same-label one-to-one matches at IoU >= threshold, with the metrics and advice."""
    matches, ious = match_by_label(gold, answer, threshold)
    tp = len(matches)
    fp, fn = len(answer) - tp, len(gold) - tp
    strict_tp = len(match_by_label(gold, answer, STRICT_IOU_THRESHOLD, ious)[0])
    f1 = f1_score(tp, fp, fn)
    metrics = {
        "precision": tp / len(answer) if answer else (1.0 if not gold else 0.0),
        "recall": tp / len(gold) if gold else 1.0,
        "f1": f1,
        "mean_iou": float(np.mean([iou for _, _, iou in matches])) if matches else 0.0,
        "tp": tp, "fp": fp, "fn": fn,
        "f1_at_075": f1_score(strict_tp, len(answer) - strict_tp, len(gold) - strict_tp),
        "iou_threshold": threshold,
    }
    metrics = {key: round(value, 6) if isinstance(value, float) else value for key, value in metrics.items()}
    return ScoreResult(
        score=metrics["f1"],
        passed=f1 >= pass_mark,
        metrics=metrics,
        matches=[{"gold": g, "answer": a, "iou": round(iou, 6)} for g, a, iou in matches],
        feedback=box_feedback(gold, answer, matches, ious, threshold),
    )


def _pixels(amount: float) -> str:
    """Whole pixels for visible misses, one decimal for the sub-pixel ones that matter on small boxes."""
    return f"{amount:.0f} px" if amount >= 2 else f"{amount:.1f} px"


def _side_advice(gold_box: list[float], answer_box: list[float]) -> tuple[str, str]:
    """Which sides of an answer box are off, by how many pixels, as (kind, message)."""
    gx0, gy0, gw, gh = gold_box
    ax0, ay0, aw, ah = answer_box
    deltas = {  # positive = the answer side lies outside the object (too loose)
        "left": gx0 - ax0, "top": gy0 - ay0,
        "right": (ax0 + aw) - (gx0 + gw), "bottom": (ay0 + ah) - (gy0 + gh),
    }
    # A pixel matters on a small object and is noise on a large one: scale the threshold to the side.
    tolerance = {"left": gw, "right": gw, "top": gh, "bottom": gh}
    off = {side: delta for side, delta in deltas.items()
           if abs(delta) >= max(0.5, min(2.0, 0.05 * tolerance[side]))}
    if not off:
        return "shifted", "Box off by less than half a pixel on every side: small objects need that precision."
    loose = [f"{side} by {_pixels(delta)}" for side, delta in off.items() if delta > 0]
    tight = [f"{side} by {_pixels(-delta)}" for side, delta in off.items() if delta < 0]
    if loose and not tight:
        return "loose", "Box too loose: it extends past the object on the " + ", ".join(loose) + "."
    if tight and not loose:
        return "tight", "Box too tight: it cuts off the object on the " + ", ".join(tight) + "."
    parts = []
    if loose:
        parts.append("past the object on the " + ", ".join(loose))
    if tight:
        parts.append("short of it on the " + ", ".join(tight))
    return "shifted", "Box shifted: it reaches " + " and ".join(parts) + "."


def box_feedback(gold: list[dict], answer: list[dict], matches: list, ious: np.ndarray,
                 threshold: float) -> list[dict]:
    """Plain-language advice for each box: fit of matches, and why each leftover is wrong."""
    feedback = []
    matched_gold = {g for g, _, _ in matches}
    matched_answer = {a for _, a, _ in matches}
    for g, a, iou in matches:
        if iou >= GOOD_FIT_IOU:
            feedback.append({"kind": "good", "gold": g, "answer": a,
                             "message": f"{gold[g]['label']}: good fit (IoU {iou:.2f})."})
        else:
            kind, message = _side_advice(gold[g]["bbox"], answer[a]["bbox"])
            feedback.append({"kind": kind, "gold": g, "answer": a,
                             "message": f"{gold[g]['label']} (IoU {iou:.2f}): {message}"})
    explained_gold = set()
    for a in sorted(set(range(len(answer))) - matched_answer):
        label = answer[a]["label"]
        overlaps = ious[:, a] if len(gold) else np.zeros(0)
        reaches = overlaps >= threshold - MATCH_TOLERANCE  # the same rounding allowance as matching
        wrong_label = [g for g in range(len(gold)) if g not in matched_gold and g not in explained_gold
                       and gold[g]["label"] != label and reaches[g]]
        duplicate = [g for g in matched_gold if gold[g]["label"] == label and reaches[g]]
        if wrong_label:
            g = max(wrong_label, key=lambda index: overlaps[index])
            explained_gold.add(g)
            feedback.append({"kind": "wrong_label", "gold": g, "answer": a,
                             "message": f"Wrong label: you marked a {gold[g]['label']} as {label}."})
        elif duplicate:
            feedback.append({"kind": "duplicate", "gold": max(duplicate, key=lambda index: overlaps[index]),
                             "answer": a, "message": f"Duplicate box: this {label} already has a box. "
                                                     "One object gets exactly one box."})
        else:
            best = int(np.argmax(overlaps)) if len(overlaps) else None
            if best is not None and overlaps[best] > 0.1 and gold[best]["label"] == label:
                message = (f"This {label} box overlaps a {label} only {overlaps[best]:.2f} (IoU); "
                           f"it needs at least {threshold:.2f}. Redraw it tight to the visible pixels.")
            else:
                message = f"Nothing to label here as {label}: this box matches no object in the gold."
            feedback.append({"kind": "false_positive", "gold": None, "answer": a, "message": message})
    for g in sorted(set(range(len(gold))) - matched_gold - explained_gold):
        obj = gold[g]
        x, y, w, h = obj["bbox"]
        traits = []
        if w * h < street_scene.SMALL_AREA:
            traits.append("small")
        if obj.get("truncated"):
            traits.append("cut off by the image edge")
        if obj.get("occluded"):
            traits.append("partly hidden")
        described = f" ({', '.join(traits)})" if traits else ""
        feedback.append({"kind": "missed", "gold": g, "answer": None,
                         "message": f"Missed a {obj['label']}{described} at x={round(x)}, y={round(y)}."})
    return feedback


register(BoundingBoxes())
