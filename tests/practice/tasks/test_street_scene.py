"""Street-scene items: deterministic, inside the image, harder by difficulty, and gold boxes tight."""

import hashlib
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from portal.practice.tasks import street_scene
from portal.practice.tasks.base import AnswerError
from portal.practice.tasks.registry import get_task_type

TASK = get_task_type("bbox")
WIDTH, HEIGHT = 960, 600
# The taxonomy as the instructions state it, typed here rather than read from the code.
TAXONOMY = {"car", "truck", "bus", "pedestrian", "cyclist", "traffic_light", "traffic_sign"}
DIFFICULTIES = ["easy", "medium", "hard"]
SEEDS = range(20)
ROOT = Path(__file__).resolve().parents[3]


def decode(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def golds() -> dict[str, list[list[dict]]]:
    """Gold objects of every difficulty over the same seeds, generated once for this module."""
    return {difficulty: [TASK.generate(seed, difficulty).gold["objects"] for seed in SEEDS]
            for difficulty in DIFFICULTIES}


# --- determinism ---------------------------------------------------------------------------------

@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_same_seed_same_item_and_same_png(difficulty):
    first = TASK.generate(11, difficulty)
    TASK.generate(12, difficulty)  # anything shared between calls would show up here
    again = TASK.generate(11, difficulty)
    assert again.gold == first.gold and again.public == first.public
    assert TASK.render_asset(first) == TASK.render_asset(again)
    png, mime = TASK.render_asset(first)
    assert mime == "image/png" and png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_different_seeds_differ(difficulty):
    items = [TASK.generate(seed, difficulty) for seed in (1, 2, 3)]
    assert len({json.dumps(item.gold, sort_keys=True) for item in items}) == 3
    assert len({TASK.render_asset(item)[0] for item in items}) == 3


def test_difficulty_is_part_of_the_seed():
    assert TASK.generate(5, "easy").gold != TASK.generate(5, "hard").gold


def test_items_are_the_same_in_a_fresh_interpreter():
    """Item ids are bookmarked and re-scored later: no hash-seed or process state may leak in."""
    cases = [(3, "easy"), (4, "medium"), (5, "hard")]

    def fingerprint(item) -> str:
        png = TASK.render_asset(item)[0]
        return hashlib.sha256(json.dumps(item.gold, sort_keys=True).encode() + png).hexdigest()

    code = ("import hashlib, json, sys\n"
            "from portal.practice.tasks.registry import get_task_type\n"
            "task = get_task_type('bbox')\n"
            f"for seed, difficulty in {cases!r}:\n"
            "    item = task.generate(seed, difficulty)\n"
            "    png = task.render_asset(item)[0]\n"
            "    print(hashlib.sha256(json.dumps(item.gold, sort_keys=True).encode() + png).hexdigest())\n")
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            check=True).stdout.split()
    assert output == [fingerprint(TASK.generate(seed, difficulty)) for seed, difficulty in cases]


def test_unknown_difficulty_is_refused():
    with pytest.raises(AnswerError) as caught:
        TASK.generate(1, "impossible")
    assert caught.value.field == "difficulty"


# --- the item itself -----------------------------------------------------------------------------

def test_public_part_describes_the_image_and_hides_the_gold():
    item = TASK.generate(8, "medium")
    assert item.public["image"] == {"width": WIDTH, "height": HEIGHT}
    assert set(item.public["labels"]) == TAXONOMY
    assert "objects" not in item.public and "gold" not in json.dumps(item.public)
    image = decode(TASK.render_asset(item)[0])
    assert image.shape == (HEIGHT, WIDTH, 3)


def test_every_gold_box_is_inside_the_image_with_a_known_label(golds):
    count = 0
    for difficulty, scenes in golds.items():
        for objects in scenes:
            for obj in objects:
                x, y, w, h = obj["bbox"]
                assert w > 0 and h > 0, obj
                assert x >= 0 and y >= 0 and x + w <= WIDTH and y + h <= HEIGHT, obj
                assert obj["label"] in TAXONOMY, obj
                assert isinstance(obj["truncated"], bool) and isinstance(obj["occluded"], bool)
                count += 1
    assert count > 0


def test_gold_validates_as_an_answer_to_its_own_item_and_scores_perfectly():
    for difficulty in DIFFICULTIES:
        item = TASK.generate(9, difficulty)
        answer = TASK.validate_answer({"objects": item.gold["objects"]}, item)
        assert TASK.score(item.gold, answer).score == 1.0


def test_truncated_objects_reach_the_image_edge(golds):
    truncated = [obj for scenes in golds.values() for objects in scenes for obj in objects
                 if obj["truncated"]]
    assert truncated, "no truncated object in any scene: the check below would prove nothing"
    for obj in truncated:
        x, y, w, h = obj["bbox"]
        assert x == 0 or y == 0 or x + w == WIDTH or y + h == HEIGHT, obj


# --- difficulty ----------------------------------------------------------------------------------

def areas(scenes) -> np.ndarray:
    return np.array([obj["bbox"][2] * obj["bbox"][3] for objects in scenes for obj in objects])


def test_hard_scenes_have_more_objects(golds):
    counts = {d: np.mean([len(objects) for objects in golds[d]]) for d in DIFFICULTIES}
    assert counts["easy"] < counts["medium"] < counts["hard"], counts
    assert all(len(objects) >= 1 for objects in golds["easy"])


def test_hard_scenes_have_smaller_objects(golds):
    small = 32 * 32  # COCO's "small" object
    easy, hard = areas(golds["easy"]), areas(golds["hard"])
    assert (hard < small).mean() > (easy < small).mean() + 0.1
    assert np.percentile(hard, 25) < np.percentile(easy, 25)
    assert hard.min() < easy.min()


def test_only_harder_scenes_truncate_and_occlude(golds):
    flags = {d: Counter(flag for objects in golds[d] for obj in objects for flag in ("truncated", "occluded")
                        if obj[flag]) for d in DIFFICULTIES}
    assert flags["easy"] == Counter()
    assert flags["hard"]["truncated"] > 0 and flags["hard"]["occluded"] > 0
    assert flags["hard"]["truncated"] > flags["medium"]["truncated"]


def test_hard_scenes_use_more_labels(golds):
    used = {d: {obj["label"] for objects in golds[d] for obj in objects} for d in DIFFICULTIES}
    assert used["easy"] < used["hard"]
    assert used["hard"] == TAXONOMY


# --- the gold box is tight -----------------------------------------------------------------------

@pytest.fixture
def rendered(monkeypatch):
    """Render an item and keep what the renderer saw: its objects, background and id map."""
    captured = []
    real_render = street_scene._render

    def spy(objects, background):
        picture, ids = real_render(objects, background)
        captured.append((list(objects), np.asarray(background), ids.copy()))
        return picture, ids

    monkeypatch.setattr(street_scene, "_render", spy)

    def render(seed, difficulty):
        item = TASK.generate(seed, difficulty)
        captured.clear()
        png, _ = TASK.render_asset(item)
        objects, background, ids = captured[-1]  # the last pass is the picture that was encoded
        return item, decode(png), objects, background, ids
    return render


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_each_box_edge_touches_drawn_pixels(rendered, seed, difficulty):
    """From the PNG: every side of a gold box runs along pixels that differ from the bare background."""
    item, image, _, background, _ = rendered(seed, difficulty)
    drawn = (image != background).any(axis=2)
    assert drawn.any()
    for obj in item.gold["objects"]:
        x, y, w, h = (int(v) for v in obj["bbox"])
        assert obj["bbox"] == [float(x), float(y), float(w), float(h)]
        inside = drawn[y:y + h, x:x + w]
        assert inside[0].any(), f"top edge of {obj} is background"
        assert inside[-1].any(), f"bottom edge of {obj} is background"
        assert inside[:, 0].any(), f"left edge of {obj} is background"
        assert inside[:, -1].any(), f"right edge of {obj} is background"


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_gold_boxes_are_the_tight_boxes_of_the_id_map(rendered, seed, difficulty):
    """From the id map: each labelled object's pixels fill its gold box exactly to every edge."""
    item, image, objects, background, ids = rendered(seed, difficulty)
    expected = []
    for obj in objects:
        if not obj.labelled:
            continue
        ys, xs = np.nonzero(ids == obj.id)
        assert len(xs), f"a kept {obj.kind} has no visible pixel"
        x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
        expected.append(([float(x0), float(y0), float(x1 - x0), float(y1 - y0)], obj.kind))
    gold = [(obj["bbox"], obj["label"]) for obj in item.gold["objects"]]
    assert sorted(gold) == sorted(expected)
    # The id map was drawn in lock-step with the picture: where it names an object, paint differs.
    owned = ids > 0
    assert (image != background).any(axis=2)[owned].mean() > 0.99
