"""Scoring benchmark: bounding-box scoring and street-scene generation, against same-run baselines.

Scoring: items of 5, 50 and 500 boxes (realistic sizes, 7 labels; answers are the gold jittered,
with some boxes dropped, relabelled or invented), timed call by call through `score_boxes`, beside
pycocotools' `mask.iou` on the same boxes. Generation: `generate` plus `render_asset` per item for
each difficulty, beside encoding a blank 960x600 PNG. Figures are printed as ratios to those
baselines, because these machines are noisy and only same-run ratios compare. Exits non-zero when
a target is missed. Run with `.venv/bin/python bench/scoring.py` (about 10 s).
"""

import argparse
import io
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from pycocotools import mask as coco_mask  # noqa: E402

from portal.practice.tasks.base import DIFFICULTIES  # noqa: E402
from portal.practice.tasks.bbox import score_boxes  # noqa: E402
from portal.practice.tasks.geometry import iou_matrix  # noqa: E402
from portal.practice.tasks.registry import get_task_type  # noqa: E402

WIDTH, HEIGHT = 960, 600
# Typical box (width, height) in pixels of each label at mid distance, from the street scenes.
TYPICAL_SIZE = {"car": (120, 60), "truck": (200, 100), "bus": (280, 90), "pedestrian": (22, 70),
                "cyclist": (45, 70), "traffic_light": (12, 30), "traffic_sign": (20, 20)}
LABELS = list(TYPICAL_SIZE)
SCORING_SIZES = {5: 3000, 50: 1500, 500: 100}  # boxes per item: timed calls
DISTINCT_ITEMS = 50
TARGET_SCORE_P95_MS = 5.0     # scoring a 50-box item
TARGET_ITEM_MS = 100.0        # generating and rendering an item (p95)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def realistic_gold(rng: random.Random, count: int) -> list[dict]:
    """Boxes of the 7 labels, sized by a perspective-like log-uniform scale, inside the image."""
    gold = []
    for _ in range(count):
        label = rng.choice(LABELS)
        base_w, base_h = TYPICAL_SIZE[label]
        scale = math.exp(rng.uniform(math.log(0.25), math.log(1.8)))
        w = min(WIDTH - 1, max(4.0, base_w * scale * rng.uniform(0.8, 1.2)))
        h = min(HEIGHT - 1, max(4.0, base_h * scale * rng.uniform(0.8, 1.2)))
        gold.append({"bbox": [rng.uniform(0, WIDTH - w), rng.uniform(0, HEIGHT - h), w, h], "label": label})
    return gold


def annotator_answer(rng: random.Random, gold: list[dict]) -> list[dict]:
    """Gold with each side jittered by a few percent, 10% dropped, 5% relabelled, 5% invented."""
    answer = []
    for obj in gold:
        if rng.random() < 0.10:
            continue
        x, y, w, h = obj["bbox"]
        left, right = x + rng.gauss(0, 0.06 * w), x + w + rng.gauss(0, 0.06 * w)
        top, bottom = y + rng.gauss(0, 0.06 * h), y + h + rng.gauss(0, 0.06 * h)
        label = rng.choice(LABELS) if rng.random() < 0.05 else obj["label"]
        answer.append({"bbox": [left, top, max(1.0, right - left), max(1.0, bottom - top)], "label": label})
    answer += realistic_gold(rng, max(1, round(0.05 * len(gold))))
    rng.shuffle(answer)
    return answer


def time_calls(function, argument_sets: list, calls: int) -> list[float]:
    """Per-call seconds over `calls` calls cycling through the argument sets, after a warm-up."""
    for args in argument_sets[:10]:
        function(*args)
    timings = []
    for index in range(calls):
        args = argument_sets[index % len(argument_sets)]
        start = time.perf_counter()
        function(*args)
        timings.append(time.perf_counter() - start)
    return timings


def coco_iou(answer_boxes: np.ndarray, gold_boxes: np.ndarray, iscrowd: list[int]):
    return coco_mask.iou(answer_boxes, gold_boxes, iscrowd)


def bench_scoring(rng: random.Random, scale: float) -> bool:
    print("Scoring (score_boxes) vs pycocotools mask.iou on the same boxes")
    print("(time ratio: score_boxes / mask.iou; IoU ratio: the portal's iou_matrix alone / mask.iou)")
    print(f"{'boxes':>6} {'items/s':>10} {'p95 ms':>8} {'coco items/s':>13} {'coco p95 ms':>12} "
          f"{'time ratio':>11} {'IoU ratio':>10}")
    ok = True
    for size, calls in SCORING_SIZES.items():
        calls = max(20, int(calls * scale))
        items = []
        for _ in range(DISTINCT_ITEMS if size < 500 else 10):
            gold = realistic_gold(rng, size)
            items.append((gold, annotator_answer(rng, gold)))
        coco_args = [(np.array([o["bbox"] for o in answer], dtype=np.float64),
                      np.array([o["bbox"] for o in gold], dtype=np.float64), [0] * len(gold))
                     for gold, answer in items]
        scoring = time_calls(score_boxes, items, calls)
        baseline = time_calls(coco_iou, coco_args, calls)
        portal_iou = time_calls(iou_matrix, [(gold, answer) for answer, gold, _ in coco_args], calls)
        ratio = sum(scoring) / sum(baseline)
        p95_ms = percentile(scoring, 95) * 1000
        print(f"{size:>6} {calls / sum(scoring):>10.0f} {p95_ms:>8.2f} {calls / sum(baseline):>13.0f} "
              f"{percentile(baseline, 95) * 1000:>12.3f} {ratio:>10.1f}x "
              f"{sum(portal_iou) / sum(baseline):>9.1f}x")
        if size == 50:
            met = p95_ms < TARGET_SCORE_P95_MS
            ok &= met
            print(f"       target: 50-box p95 < {TARGET_SCORE_P95_MS:.0f} ms: {'ok' if met else 'MISS'} "
                  f"({p95_ms:.2f} ms)")
    return ok


def encode_blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255)).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


def bench_generation(seeds: int) -> bool:
    task = get_task_type("bbox")
    baseline = time_calls(encode_blank_png, [()], seeds)
    blank_ms = percentile(baseline, 50) * 1000
    print()
    print(f"Item generation + PNG rendering over {seeds} seeds "
          f"(baseline: blank {WIDTH}x{HEIGHT} PNG encode, p50 {blank_ms:.2f} ms)")
    print(f"{'difficulty':>10} {'gen p50':>8} {'render p50':>11} {'total p50':>10} {'total p95':>10} "
          f"{'p50 ratio':>10} {'target':>7}")
    ok = True
    for difficulty in DIFFICULTIES:
        for seed in range(3):  # warm-up on seeds outside the timed range
            task.render_asset(task.generate(10_000 + seed, difficulty))
        generate_ms, render_ms, total_ms = [], [], []
        for seed in range(seeds):
            start = time.perf_counter()
            item = task.generate(seed, difficulty)
            generated = time.perf_counter()
            task.render_asset(item)
            done = time.perf_counter()
            generate_ms.append((generated - start) * 1000)
            render_ms.append((done - generated) * 1000)
            total_ms.append((done - start) * 1000)
        p95 = percentile(total_ms, 95)
        met = p95 < TARGET_ITEM_MS
        ok &= met
        print(f"{difficulty:>10} {percentile(generate_ms, 50):>8.1f} {percentile(render_ms, 50):>11.1f} "
              f"{percentile(total_ms, 50):>10.1f} {p95:>10.1f} {percentile(total_ms, 50) / blank_ms:>9.1f}x "
              f"{'ok' if met else 'MISS':>7}")
    print(f"           target: generating and rendering an item, p95 < {TARGET_ITEM_MS:.0f} ms (times in ms)")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30, help="seeds per difficulty for generation")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of scoring calls")
    args = parser.parse_args()
    rng = random.Random(20240)
    ok = bench_scoring(rng, args.scale)
    ok &= bench_generation(args.seeds)
    print()
    print("all targets met" if ok else "some targets MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
