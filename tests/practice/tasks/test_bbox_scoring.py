"""Bounding-box scoring: hand-worked cases, feedback, answer validation and scoring properties."""

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.practice.tasks.base import AnswerError
from portal.practice.tasks.bbox import score_boxes
from portal.practice.tasks.registry import get_task_type
from tests.practice.tasks.test_geometry import brute_force_matching, coco_iou, reaches

PROPERTY = settings(max_examples=150, deadline=None, database=None)
TASK = get_task_type("bbox")


def box(x, y, w, h, label="car", **flags):
    """One gold or answer object."""
    return {"bbox": [x, y, w, h], "label": label, **flags}


def kinds(result) -> Counter:
    return Counter(entry["kind"] for entry in result.feedback)


def only_feedback(result, kind: str) -> dict:
    entries = [entry for entry in result.feedback if entry["kind"] == kind]
    assert len(entries) == 1, f"expected one '{kind}' in {result.feedback}"
    return entries[0]


@pytest.fixture(scope="module")
def item():
    return TASK.generate(7, "easy")


# --- hand-worked scores --------------------------------------------------------------------------

def test_perfect_answer():
    gold = [box(10, 10, 50, 40), box(200, 100, 30, 80, "pedestrian"), box(400, 300, 120, 60, "bus")]
    result = score_boxes(gold, [dict(obj) for obj in reversed(gold)])
    assert result.score == 1.0 and result.passed
    m = result.metrics
    assert (m["tp"], m["fp"], m["fn"]) == (3, 0, 0)
    assert m["precision"] == m["recall"] == m["f1"] == m["f1_at_075"] == m["mean_iou"] == 1.0
    assert sorted((p["gold"], p["answer"]) for p in result.matches) == [(0, 2), (1, 1), (2, 0)]
    assert kinds(result) == Counter(good=3)


def test_empty_gold_and_empty_answer_is_perfect():
    result = score_boxes([], [])
    assert result.score == 1.0 and result.passed
    assert (result.metrics["tp"], result.metrics["fp"], result.metrics["fn"]) == (0, 0, 0)
    assert result.metrics["f1_at_075"] == 1.0
    assert result.matches == [] and result.feedback == []


def test_everything_missed():
    result = score_boxes([box(10, 10, 50, 40), box(300, 10, 50, 40, "truck")], [])
    assert result.score == 0.0 and not result.passed
    assert (result.metrics["tp"], result.metrics["fp"], result.metrics["fn"]) == (0, 0, 2)
    assert result.metrics["recall"] == 0.0
    assert kinds(result) == Counter(missed=2)
    assert sorted(entry["gold"] for entry in result.feedback) == [0, 1]


def test_boxes_on_an_empty_image_are_all_false_positives():
    result = score_boxes([], [box(10, 10, 50, 40)])
    assert result.score == 0.0 and not result.passed
    assert (result.metrics["tp"], result.metrics["fp"], result.metrics["fn"]) == (0, 1, 0)
    assert result.metrics["precision"] == 0.0


def test_wrong_label_counts_as_a_false_positive_and_a_miss():
    result = score_boxes([box(10, 10, 50, 40, "car")], [box(10, 10, 50, 40, "truck")])
    assert (result.metrics["tp"], result.metrics["fp"], result.metrics["fn"]) == (0, 1, 1)
    assert result.score == 0.0
    entry = only_feedback(result, "wrong_label")
    assert (entry["gold"], entry["answer"]) == (0, 0)
    assert "car" in entry["message"] and "truck" in entry["message"]
    assert kinds(result) == Counter(wrong_label=1)  # explained once, not also reported as missed


def test_duplicate_box_is_one_match_and_one_false_positive():
    gold = [box(10, 10, 50, 40)]
    result = score_boxes(gold, [box(10, 10, 50, 40), box(11, 10, 50, 40)])
    assert (result.metrics["tp"], result.metrics["fp"], result.metrics["fn"]) == (1, 1, 0)
    assert result.score == pytest.approx(2 / 3, abs=1e-6)
    assert not result.passed  # 0.67 < the 0.8 pass mark
    assert result.matches == [{"gold": 0, "answer": 0, "iou": 1.0}]  # the exact box, not the shifted one
    entry = only_feedback(result, "duplicate")
    assert (entry["gold"], entry["answer"]) == (0, 1)


def test_metrics_of_a_mixed_answer():
    gold = [box(0, 0, 100, 100), box(200, 0, 100, 100), box(400, 0, 100, 100), box(600, 0, 40, 40, "bus")]
    answer = [box(0, 0, 100, 80),      # IoU 0.8
              box(200, 0, 100, 60),    # IoU 0.6
              box(800, 300, 50, 50)]   # nothing there
    result = score_boxes(gold, answer)
    m = result.metrics
    assert (m["tp"], m["fp"], m["fn"]) == (2, 1, 2)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert m["recall"] == pytest.approx(2 / 4, abs=1e-6)
    assert m["f1"] == result.score == pytest.approx(4 / 7, abs=1e-6)
    assert m["mean_iou"] == pytest.approx(0.7, abs=1e-6)
    assert m["f1_at_075"] == pytest.approx(2 / (2 + 2 + 3), abs=1e-6)  # only the 0.8 box counts
    assert m["iou_threshold"] == 0.5


def test_threshold_changes_the_outcome():
    gold, answer = [box(0, 0, 100, 100)], [box(0, 0, 100, 60)]  # IoU 0.6
    assert score_boxes(gold, answer, threshold=0.5).score == 1.0
    strict = score_boxes(gold, answer, threshold=0.7)
    assert strict.score == 0.0
    assert (strict.metrics["tp"], strict.metrics["fp"], strict.metrics["fn"]) == (0, 1, 1)
    assert strict.metrics["iou_threshold"] == 0.7
    # Through the task type, as the stateless API passes it.
    assert TASK.score({"objects": gold}, {"objects": answer}, {"iou_threshold": 0.7}).score == 0.0
    assert TASK.score({"objects": gold}, {"objects": answer}, {}).score == 1.0


def test_f1_at_075_counts_only_close_matches():
    gold = [box(0, 0, 100, 100), box(200, 0, 100, 100)]
    answer = [box(0, 0, 100, 80), box(200, 0, 100, 60)]  # IoU 0.8 and 0.6
    result = score_boxes(gold, answer)
    assert result.score == 1.0
    assert result.metrics["f1_at_075"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1), abs=1e-6)


def test_more_pairs_beat_a_higher_total_iou():
    # At IoU >= 0.3: A0 is exactly G0, but pairing G0-A1 and G1-A0 (1/3 each) finds both objects.
    gold = [box(20, 0, 10, 10), box(12, 0, 14, 10)]
    answer = [box(20, 0, 10, 10), box(24, 0, 14, 10)]
    result = score_boxes(gold, answer, threshold=0.3)
    assert result.metrics["tp"] == 2 and result.score == 1.0
    assert result.metrics["mean_iou"] == pytest.approx(1 / 3, abs=1e-6)


def test_pass_mark():
    gold = [box(100 * i, 0, 50, 50) for i in range(5)]
    four_of_five = score_boxes(gold, gold[:4])  # F1 = 8/9
    assert four_of_five.passed and four_of_five.score == pytest.approx(8 / 9, abs=1e-6)
    three_of_five = score_boxes(gold, gold[:3])  # F1 = 6/8
    assert not three_of_five.passed
    assert score_boxes(gold, gold[:3], pass_mark=0.7).passed


# --- feedback ------------------------------------------------------------------------------------

GOLD_BOX = box(100, 100, 40, 40)


def fit_feedback(answer_bbox) -> dict:
    result = score_boxes([GOLD_BOX], [box(*answer_bbox)])
    assert result.metrics["tp"] == 1, "the answer must still match for fit advice"
    assert len(result.feedback) == 1
    return result.feedback[0]


def test_good_fit():
    assert fit_feedback([100, 100, 40, 39])["kind"] == "good"  # IoU 0.975


def test_loose_box_names_every_side_and_its_pixels():
    entry = fit_feedback([95, 97, 51, 48])  # 5 px left, 3 top, 6 right, 5 bottom; IoU 1600/2448
    assert entry["kind"] == "loose"
    assert (entry["gold"], entry["answer"]) == (0, 0)
    for part in ("left by 5 px", "top by 3 px", "right by 6 px", "bottom by 5 px"):
        assert part in entry["message"]


def test_tight_box_names_the_cut_sides():
    entry = fit_feedback([104, 100, 36, 33])  # cuts 4 px on the left and 7 at the bottom; IoU 0.74
    assert entry["kind"] == "tight"
    assert "left by 4 px" in entry["message"] and "bottom by 7 px" in entry["message"]
    assert "top" not in entry["message"] and "right" not in entry["message"]


def test_shifted_box_says_which_way():
    entry = fit_feedback([106, 100, 40, 40])  # 6 px right of the object: IoU 1360/1840
    assert entry["kind"] == "shifted"
    message = entry["message"]
    assert "past the object on the right by 6 px" in message
    assert "short of it on the left by 6 px" in message


def test_sides_within_a_pixel_are_not_mentioned():
    entry = fit_feedback([95, 101, 45, 39])  # loose 5 px on the left; top and bottom 1 px off
    assert entry["kind"] == "loose"
    assert "left by 5 px" in entry["message"]
    assert "top" not in entry["message"] and "bottom" not in entry["message"]


def test_fit_advice_for_a_small_box_off_by_one_pixel():
    result = score_boxes([box(0, 0, 8, 8)], [box(1, 1, 7, 7)])  # IoU 49/64 = 0.77: matched, not good
    entry = result.feedback[0]
    assert entry["kind"] == "tight"
    assert "left" in entry["message"] and "top" in entry["message"]


def test_false_positive_far_from_everything():
    result = score_boxes([GOLD_BOX], [GOLD_BOX, box(600, 400, 30, 30, "truck")])
    entry = only_feedback(result, "false_positive")
    assert (entry["gold"], entry["answer"]) == (None, 1)
    assert "truck" in entry["message"]


def test_false_positive_that_overlaps_too_little_gives_its_iou():
    result = score_boxes([GOLD_BOX], [box(100, 100, 40, 12)])  # IoU 0.30 < 0.5
    entry = only_feedback(result, "false_positive")
    assert "0.30" in entry["message"] and "0.50" in entry["message"]
    assert only_feedback(result, "missed")["gold"] == 0


@pytest.mark.parametrize("gold_obj, expected, unexpected", [
    (box(300, 200, 20, 20), ["small"], ["cut off", "hidden"]),
    (box(300, 200, 100, 80), [], ["small", "cut off", "hidden"]),
    (box(0, 200, 100, 80, truncated=True), ["cut off"], ["small", "hidden"]),
    (box(300, 200, 100, 80, occluded=True), ["hidden"], ["small", "cut off"]),
    (box(0, 200, 20, 20, truncated=True, occluded=True), ["small", "cut off", "hidden"], []),
])
def test_missed_objects_say_why_they_were_hard(gold_obj, expected, unexpected):
    entry = only_feedback(score_boxes([gold_obj], []), "missed")
    assert entry["gold"] == 0 and entry["answer"] is None
    for word in expected:
        assert word in entry["message"]
    for word in unexpected:
        assert word not in entry["message"]
    x, y = gold_obj["bbox"][:2]
    assert f"x={x}" in entry["message"] and f"y={y}" in entry["message"]


def test_wrong_label_feedback_at_exactly_the_threshold():
    # Half the gold box's area: IoU exactly 0.5, which computes as 0.49999999999999967.
    result = score_boxes([box(100.1, 50, 40.3, 20, "car")], [box(100.1, 50, 40.3, 40, "truck")])
    assert kinds(result) == Counter(wrong_label=1)


def test_every_box_gets_exactly_one_piece_of_feedback():
    gold = [box(0, 0, 100, 100), box(200, 0, 100, 100, "truck"), box(400, 0, 50, 50)]
    answer = [box(0, 0, 100, 90), box(0, 0, 100, 95), box(200, 0, 100, 100, "bus"), box(700, 300, 20, 20)]
    result = score_boxes(gold, answer)
    answered = Counter(entry["answer"] for entry in result.feedback if entry["answer"] is not None)
    assert answered == Counter(range(len(answer)))
    explained_gold = {entry["gold"] for entry in result.feedback
                      if entry["kind"] in ("missed", "wrong_label")}
    matched_gold = {pair["gold"] for pair in result.matches}
    assert explained_gold | matched_gold == set(range(len(gold)))
    assert kinds(result) == Counter(good=1, duplicate=1, wrong_label=1, false_positive=1, missed=1)


# --- f1_at_075 bugs ------------------------------------------------------------------------------

def test_f1_at_075_does_not_depend_on_the_threshold_parameter():
    result = score_boxes([box(0, 0, 10, 10)], [box(0, 0, 10, 8)], threshold=0.9)  # IoU 0.8
    assert result.metrics["f1_at_075"] == 1.0


def test_f1_at_075_matches_again_at_075():
    # At 0.5 the best assignment is G0-A1 (0.5) and G1-A0 (0.67); at 0.75 A0 is exactly G0.
    gold = [box(40, 0, 50, 10), box(30, 0, 50, 10)]
    answer = [box(40, 0, 50, 10), box(50, 0, 70, 10)]
    result = score_boxes(gold, answer)
    assert result.metrics["tp"] == 2
    assert result.metrics["f1_at_075"] == pytest.approx(2 * 1 / (2 * 1 + 1 + 1), abs=1e-6)


# --- validation ----------------------------------------------------------------------------------

def one_box_answer(bbox, label="car") -> dict:
    return {"objects": [{"bbox": bbox, "label": label}]}


@pytest.mark.parametrize("raw, field", [
    ([1, 2, 3, 4], "answer"),
    ("boxes", "answer"),
    (None, "answer"),
    ({}, "answer.objects"),
    ({"objects": {"bbox": [1, 2, 3, 4]}}, "answer.objects"),
    ({"objects": [[1, 2, 3, 4]]}, "answer.objects[0]"),
    ({"objects": [{"bbox": [1, 2, 3, 4], "label": "car"}, "car"]}, "answer.objects[1]"),
    (one_box_answer([1, 2, 3]), "answer.objects[0].bbox"),
    (one_box_answer([1, 2, 3, 4, 5]), "answer.objects[0].bbox"),
    (one_box_answer([[1, 2], [3, 4]]), "answer.objects[0].bbox"),
    (one_box_answer([[1], 2, 3, 4]), "answer.objects[0].bbox[0]"),
    (one_box_answer({"x": 1, "y": 2, "w": 3, "h": 4}), "answer.objects[0].bbox"),
    (one_box_answer(None), "answer.objects[0].bbox"),
    (one_box_answer(float("nan")), "answer.objects[0].bbox"),
    (one_box_answer([float("nan"), 2, 3, 4]), "answer.objects[0].bbox[0]"),
    (one_box_answer([1, 2, float("inf"), 4]), "answer.objects[0].bbox[2]"),
    (one_box_answer([1, 2, 3, float("-inf")]), "answer.objects[0].bbox[3]"),
    (one_box_answer([1, True, 3, 4]), "answer.objects[0].bbox[1]"),
    (one_box_answer([1, 2, False, 4]), "answer.objects[0].bbox[2]"),
    (one_box_answer(["1", 2, 3, 4]), "answer.objects[0].bbox[0]"),
    (one_box_answer([1, 2, 3, None]), "answer.objects[0].bbox[3]"),
    (one_box_answer([-1, 2, 3, 4]), "answer.objects[0].bbox"),
    (one_box_answer([1, -0.6, 3, 4]), "answer.objects[0].bbox"),  # past the half-pixel edge allowance
    (one_box_answer([1, 2, 0, 4]), "answer.objects[0].bbox"),
    (one_box_answer([1, 2, 3, 0]), "answer.objects[0].bbox"),
    (one_box_answer([1, 2, -3, 4]), "answer.objects[0].bbox"),
    (one_box_answer([1, 2, 3, 4], ""), "answer.objects[0].label"),
    (one_box_answer([1, 2, 3, 4], "   "), "answer.objects[0].label"),
    (one_box_answer([1, 2, 3, 4], 7), "answer.objects[0].label"),
    (one_box_answer([1, 2, 3, 4], None), "answer.objects[0].label"),
    (one_box_answer([1, 2, 3, 4], "x" * 65), "answer.objects[0].label"),
    ({"objects": [{"label": "car"}]}, "answer.objects[0].bbox"),
    ({"objects": [{"bbox": [1, 2, 3, 4]}]}, "answer.objects[0].label"),
])
def test_invalid_answers_name_the_field(raw, field):
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(raw)
    assert caught.value.field == field
    assert caught.value.message


def test_the_field_prefix_follows_the_caller():
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(one_box_answer([1, 2, 0, 4]), None, "gold")
    assert caught.value.field == "gold.objects[0].bbox"


def test_too_many_boxes():
    many = {"objects": [{"bbox": [1, 1, 5, 5], "label": "car"}] * 1001}
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(many)
    assert caught.value.field == "answer.objects"
    assert "1000" in caught.value.message
    assert len(TASK.validate_answer({"objects": many["objects"][:1000]})["objects"]) == 1000


def test_integer_too_large_for_a_float_is_an_answer_error():
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(one_box_answer([10**400, 2, 3, 4]))
    assert caught.value.field == "answer.objects[0].bbox[0]"


@pytest.mark.parametrize("bbox", [[900, 10, 100, 20], [10, 590, 20, 30], [961, 0, 5, 5], [0, 0, 970, 600]])
def test_boxes_outside_the_image_are_refused_for_an_item(item, bbox):
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(one_box_answer(bbox), item)
    assert caught.value.field == "answer.objects[0].bbox"
    assert TASK.validate_answer(one_box_answer(bbox))["objects"][0]["bbox"] == bbox  # no item: no image


def test_a_box_that_ends_on_the_image_edge_is_accepted(item):
    width, height = item.public["image"]["width"], item.public["image"]["height"]
    answer = TASK.validate_answer(one_box_answer([0, 0, width, height]), item)
    assert answer["objects"][0]["bbox"] == [0.0, 0.0, float(width), float(height)]


def test_unknown_labels_are_refused_for_an_item_only(item):
    with pytest.raises(AnswerError) as caught:
        TASK.validate_answer(one_box_answer([1, 2, 3, 4], "spaceship"), item)
    assert caught.value.field == "answer.objects[0].label"
    with pytest.raises(AnswerError):
        TASK.validate_answer(one_box_answer([1, 2, 3, 4], "Car"), item)  # labels are exact
    unchecked = TASK.validate_answer(one_box_answer([1, 2, 3, 4], "spaceship"))  # no item: any label
    assert unchecked["objects"][0]["label"] == "spaceship"


def test_valid_answers_come_back_as_floats_without_extra_keys(item):
    raw = {"objects": [{"bbox": [1, 2, 3.5, 4], "label": "bus", "note": "ignored", "truncated": True}],
           "comment": "ignored"}
    assert TASK.validate_answer(raw, item) == {"objects": [{"bbox": [1.0, 2.0, 3.5, 4.0], "label": "bus"}]}
    assert all(type(v) is float for v in TASK.validate_answer(raw, item)["objects"][0]["bbox"])
    assert TASK.validate_answer({"objects": []}, item) == {"objects": []}


@pytest.mark.parametrize("raw, field", [
    ([0.5], "params"),
    ({"threshold": 0.5}, "params"),
    ({"iou_threshold": 0}, "params.iou_threshold"),
    ({"iou_threshold": -0.1}, "params.iou_threshold"),
    ({"iou_threshold": 1.01}, "params.iou_threshold"),
    ({"iou_threshold": float("nan")}, "params.iou_threshold"),
    ({"iou_threshold": True}, "params.iou_threshold"),
    ({"iou_threshold": "0.5"}, "params.iou_threshold"),
])
def test_invalid_params_name_the_field(raw, field):
    with pytest.raises(AnswerError) as caught:
        TASK.validate_params(raw)
    assert caught.value.field == field


@pytest.mark.parametrize("raw, expected", [
    (None, {}),
    ({}, {}),
    ({"iou_threshold": 0.75}, {"iou_threshold": 0.75}),
    ({"iou_threshold": 1}, {"iou_threshold": 1.0}),
])
def test_valid_params(raw, expected):
    assert TASK.validate_params(raw) == expected


def test_an_exact_copy_passes_at_threshold_one():
    gold = TASK.validate_answer(one_box_answer([460.1, 202.5, 39.4, 15.9]), None, "gold")
    assert TASK.score(gold, gold, TASK.validate_params({"iou_threshold": 1})).score == 1.0


def test_huge_boxes_are_refused_or_scored_sanely():
    raw = one_box_answer([0, 0, 1e200, 1e200])
    try:
        gold = TASK.validate_answer(raw, None, "gold")
    except AnswerError:
        return
    assert TASK.score(gold, gold).score == 1.0


# --- properties ----------------------------------------------------------------------------------

LABELS = ["car", "truck", "pedestrian"]
coordinate = st.floats(min_value=0, max_value=150, allow_nan=False).map(lambda v: round(v, 1))
extent = st.floats(min_value=1, max_value=80, allow_nan=False).map(lambda v: round(v, 1))


@st.composite
def objects(draw, max_size=6):
    count = draw(st.integers(0, max_size))
    return [box(draw(coordinate), draw(coordinate), draw(extent), draw(extent), draw(st.sampled_from(LABELS)))
            for _ in range(count)]


@st.composite
def gold_and_answer(draw):
    """Gold, and an answer made of jittered, relabelled, dropped and invented boxes."""
    gold = draw(objects())
    answer = []
    for obj in gold:
        if draw(st.booleans()):
            x, y, w, h = obj["bbox"]
            jitter = st.floats(min_value=-6, max_value=6, allow_nan=False)
            label = obj["label"] if draw(st.integers(0, 4)) else draw(st.sampled_from(LABELS))
            answer.append(box(max(0.0, x + draw(jitter)), max(0.0, y + draw(jitter)),
                              max(0.5, w + draw(jitter)), max(0.5, h + draw(jitter)), label))
    answer += draw(objects(max_size=3))
    return gold, draw(st.permutations(answer))


def expected_by_brute_force(gold, answer, threshold):
    """(pair count, total IoU) from pycocotools IoU and exhaustive search within each label."""
    count, total = 0, 0.0
    for label in {obj["label"] for obj in gold} & {obj["label"] for obj in answer}:
        gold_boxes = [obj["bbox"] for obj in gold if obj["label"] == label]
        answer_boxes = [obj["bbox"] for obj in answer if obj["label"] == label]
        label_count, label_total = brute_force_matching(coco_iou(gold_boxes, answer_boxes), threshold)
        count, total = count + label_count, total + label_total
    return count, total


@PROPERTY
@given(gold_and_answer(), st.sampled_from([0.3, 0.5, 0.75]))
def test_scores_agree_with_an_independent_computation(pair, threshold):
    gold, answer = pair
    result = score_boxes(gold, answer, threshold)
    tp, total = expected_by_brute_force(gold, answer, threshold)
    fp, fn = len(answer) - tp, len(gold) - tp
    m = result.metrics
    assert (m["tp"], m["fp"], m["fn"]) == (tp, fp, fn)
    f1 = 1.0 if not gold and not answer else 2 * tp / (2 * tp + fp + fn)
    assert result.score == m["f1"] == pytest.approx(f1, abs=1e-6)
    assert 0.0 <= result.score <= 1.0
    assert result.passed == (f1 >= 0.8)
    assert m["mean_iou"] == pytest.approx(total / tp if tp else 0.0, abs=1e-6)
    if answer:
        assert m["precision"] == pytest.approx(tp / len(answer), abs=1e-6)
    if gold:
        assert m["recall"] == pytest.approx(tp / len(gold), abs=1e-6)
    # Each reported pair is same-label, one-to-one, at the threshold, with pycocotools' IoU.
    assert len({p["gold"] for p in result.matches}) == len({p["answer"] for p in result.matches}) == tp
    for pair_ in result.matches:
        g, a = gold[pair_["gold"]], answer[pair_["answer"]]
        assert g["label"] == a["label"]
        coco = coco_iou([g["bbox"]], [a["bbox"]])[0, 0]
        assert pair_["iou"] == pytest.approx(coco, abs=1e-6) and reaches(coco, threshold)
    # F1 at 0.75 comes from matching again at 0.75, as an independent matcher does.
    strict_tp, _ = expected_by_brute_force(gold, answer, 0.75)
    strict_f1 = 1.0 if not gold and not answer else 2 * strict_tp / (len(gold) + len(answer))
    assert m["f1_at_075"] == pytest.approx(strict_f1, abs=1e-6)


@PROPERTY
@given(objects(max_size=8), st.sampled_from([0.3, 0.5, 0.75, 0.95]))
def test_gold_scores_perfectly_against_itself(gold, threshold):
    result = score_boxes(gold, [dict(obj) for obj in gold], threshold)
    assert result.score == 1.0 and result.passed
    assert result.metrics["mean_iou"] == (1.0 if gold else 0.0)
    assert (result.metrics["fp"], result.metrics["fn"]) == (0, 0)
    assert set(kinds(result)) <= {"good"}


@PROPERTY
@given(gold_and_answer(), st.randoms(use_true_random=False))
def test_answer_order_does_not_change_the_metrics(pair, rng):
    gold, answer = pair
    shuffled = list(answer)
    rng.shuffle(shuffled)
    assert score_boxes(gold, shuffled).metrics == score_boxes(gold, answer).metrics


@PROPERTY
@given(gold_and_answer(), st.sampled_from(LABELS + ["bus"]), st.sampled_from([0.3, 0.5, 0.75]))
def test_a_far_away_extra_box_never_raises_the_score(pair, label, threshold):
    gold, answer = pair
    before = score_boxes(gold, answer, threshold)
    after = score_boxes(gold, answer + [box(5000, 5000, 30, 30, label)], threshold)
    assert after.score <= before.score
    assert after.metrics["tp"] == before.metrics["tp"]
    assert after.metrics["fp"] == before.metrics["fp"] + 1
    assert after.score < before.score or before.score == 0.0


@PROPERTY
@given(gold_and_answer())
def test_validated_answers_score_like_raw_ones(pair):
    gold, answer = pair
    clean_gold = TASK.validate_answer({"objects": gold}, None, "gold")
    clean_answer = TASK.validate_answer({"objects": answer})
    result = TASK.score(clean_gold, clean_answer)
    assert result.as_dict() == score_boxes(gold, answer).as_dict()
    assert math.isfinite(result.score)
