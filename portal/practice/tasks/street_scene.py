"""Generated street scenes for the bounding-box exercise (pure: Pillow and numpy, no Flask).

A scene is drawn twice in lock-step: colours onto the picture and object ids onto an id map,
both without anti-aliasing, so the id map says exactly which object owns every visible pixel.
Gold boxes are then the tight box of each object's visible pixels: exact by construction.
"""

import io
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

WIDTH, HEIGHT = 960, 600
HORIZON = 250
LABELS = ("car", "truck", "bus", "pedestrian", "cyclist", "traffic_light", "traffic_sign")
MIN_VISIBLE_FRACTION = 0.35
MIN_VISIBLE_SIDE = 8
SMALL_AREA = 32 * 32

CAR_COLOURS = [(200, 40, 50), (30, 70, 160), (235, 235, 235), (40, 40, 45), (120, 125, 130),
               (20, 120, 90), (230, 180, 30), (150, 30, 110)]
BUS_COLOURS = [(240, 190, 20), (200, 35, 35), (20, 90, 170), (30, 140, 80)]
CLOTHES = [(40, 60, 120), (160, 40, 40), (60, 60, 60), (30, 110, 80), (200, 160, 60), (110, 60, 140),
           (230, 230, 230)]
SKIN = [(255, 214, 170), (222, 170, 120), (170, 110, 70), (110, 70, 45)]


@dataclass(frozen=True)
class Difficulty:
    """What makes a scene hard in real work: count, size, occlusion, truncation and clutter."""

    object_count: tuple[int, int]
    labels: tuple[str, ...]
    depth_range: tuple[float, float]  # 0 = horizon (tiny), 1 = bottom edge (large)
    allow_overlap: bool
    truncated: tuple[int, int]
    clutter: tuple[int, int]
    dusk: bool


DIFFICULTY_SETTINGS = {
    "easy": Difficulty((2, 4), ("car", "bus", "pedestrian"), (0.45, 0.95), False, (0, 0), (0, 1), False),
    "medium": Difficulty((4, 7), LABELS, (0.25, 1.0), True, (0, 1), (1, 3), False),
    "hard": Difficulty((7, 12), LABELS, (0.08, 1.05), True, (1, 3), (3, 6), True),
}


@dataclass
class SceneObject:
    """One thing drawn in the scene; labelled ones become gold boxes when visible enough."""

    kind: str
    x: float            # centre x of the footprint
    depth: float        # 0..1, where the object stands between horizon and bottom edge
    facing: int = 1     # 1 right, -1 left
    colour: tuple = (0, 0, 0)
    accent: tuple = (0, 0, 0)
    variant: int = 0
    labelled: bool = True
    id: int = 0
    extent: tuple = field(default=(0, 0, 0, 0))  # nominal x0, y0, x1, y1 before clipping

    @property
    def ground_y(self) -> float:
        return HORIZON + self.depth * (HEIGHT - HORIZON)

    @property
    def scale(self) -> float:
        """Pixels per metre at this depth: perspective makes far objects small."""
        return 6 + self.depth * 58


class _Painter:
    """Draws every shape on the picture and, with the object's id, on the id map."""

    def __init__(self, picture: Image.Image, ids: Image.Image):
        self.picture = ImageDraw.Draw(picture)
        self.ids = ImageDraw.Draw(ids)
        self.owner = 0

    def rect(self, box, colour):
        x0, y0, x1, y1 = box
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        self.picture.rectangle(box, fill=colour)
        self.ids.rectangle(box, fill=self.owner)

    def ellipse(self, box, colour, width=0):
        x0, y0, x1, y1 = box
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if width:
            self.picture.ellipse(box, outline=colour, width=width)
            self.ids.ellipse(box, outline=self.owner, width=width)
        else:
            self.picture.ellipse(box, fill=colour)
            self.ids.ellipse(box, fill=self.owner)

    def polygon(self, points, colour):
        self.picture.polygon(points, fill=colour)
        self.ids.polygon(points, fill=self.owner)

    def line(self, points, colour, width):
        self.picture.line(points, fill=colour, width=width)
        self.ids.line(points, fill=self.owner, width=width)


def _shade(colour, factor):
    return tuple(max(0, min(255, int(channel * factor))) for channel in colour)


def _draw_car(p: _Painter, o: SceneObject, long=False):
    s, gy, f = o.scale, o.ground_y, o.facing
    length, height = (5.2 if long else 4.3) * s, 1.45 * s
    x0, x1 = o.x - length / 2, o.x + length / 2
    body_top = gy - height * 0.62
    p.rect((x0, body_top, x1, gy - 0.25 * s), o.colour)
    cabin_front = o.x + f * length * 0.18
    cabin_back = o.x - f * length * 0.32
    roof = gy - height
    p.polygon([(cabin_back, body_top), (cabin_back + f * 0.15 * length, roof),
               (cabin_front - f * 0.05 * length, roof), (cabin_front + f * 0.12 * length, body_top)], o.colour)
    p.polygon([(cabin_back + f * 0.04 * length, body_top), (cabin_back + f * 0.17 * length, roof + 0.1 * s),
               (cabin_front - f * 0.07 * length, roof + 0.1 * s), (cabin_front + f * 0.07 * length, body_top)],
              (150, 190, 215))
    for wheel_x in (x0 + 0.2 * length, x1 - 0.2 * length):
        p.ellipse((wheel_x - 0.36 * s, gy - 0.72 * s, wheel_x + 0.36 * s, gy), (25, 25, 28))
        p.ellipse((wheel_x - 0.15 * s, gy - 0.51 * s, wheel_x + 0.15 * s, gy - 0.21 * s), (160, 160, 165))
    lamp_x = x1 if f > 0 else x0
    p.rect((lamp_x - 0.18 * s, body_top + 0.1 * s, lamp_x, body_top + 0.3 * s), (250, 240, 190))
    o.extent = (x0, roof, x1, gy)


def _draw_truck(p: _Painter, o: SceneObject):
    s, gy, f = o.scale, o.ground_y, o.facing
    length = 7.5 * s
    x0, x1 = o.x - length / 2, o.x + length / 2
    cab_w = 1.8 * s
    cab_x0, cab_x1 = (x1 - cab_w, x1) if f > 0 else (x0, x0 + cab_w)
    box_x0, box_x1 = (x0, x1 - cab_w - 0.1 * s) if f > 0 else (x0 + cab_w + 0.1 * s, x1)
    p.rect((box_x0, gy - 3.4 * s, box_x1, gy - 0.5 * s), o.accent)
    p.rect((cab_x0, gy - 2.7 * s, cab_x1, gy - 0.4 * s), o.colour)
    window_x0 = cab_x0 + 0.7 * s if f > 0 else cab_x0 + 0.15 * s
    p.rect((window_x0, gy - 2.5 * s, window_x0 + 0.95 * s, gy - 1.7 * s), (150, 190, 215))
    for wheel_x in (x0 + 0.9 * s, x0 + 2.1 * s, x1 - 1.0 * s):
        p.ellipse((wheel_x - 0.5 * s, gy - 1.0 * s, wheel_x + 0.5 * s, gy), (25, 25, 28))
    o.extent = (x0, gy - 3.4 * s, x1, gy)


def _draw_bus(p: _Painter, o: SceneObject):
    s, gy = o.scale, o.ground_y
    length = 11 * s
    x0, x1 = o.x - length / 2, o.x + length / 2
    p.rect((x0, gy - 3.1 * s, x1, gy - 0.35 * s), o.colour)
    p.rect((x0, gy - 1.0 * s, x1, gy - 0.75 * s), _shade(o.colour, 0.6))
    window_count = 7
    step = (length - 1.0 * s) / window_count
    for index in range(window_count):
        wx = x0 + 0.5 * s + index * step
        p.rect((wx, gy - 2.75 * s, wx + step * 0.8, gy - 1.75 * s), (140, 175, 200))
    for wheel_x in (x0 + 1.8 * s, x1 - 1.8 * s):
        p.ellipse((wheel_x - 0.55 * s, gy - 1.1 * s, wheel_x + 0.55 * s, gy), (25, 25, 28))
    o.extent = (x0, gy - 3.1 * s, x1, gy)


def _draw_person(p: _Painter, o: SceneObject, base_y: float, riding=False):
    s = o.scale
    height = 1.75 * s
    top = base_y - height
    head_r = 0.12 * s
    skin = SKIN[o.variant % len(SKIN)]
    torso_top = top + 2 * head_r
    p.ellipse((o.x - head_r, top, o.x + head_r, top + 2 * head_r), skin)
    p.rect((o.x - 0.2 * s, torso_top, o.x + 0.2 * s, top + 0.95 * s), o.colour)
    if riding:
        p.line([(o.x, top + 0.95 * s), (o.x + o.facing * 0.35 * s, base_y - 0.3 * s)], o.accent, max(1, int(0.14 * s)))
        p.line([(o.x, top + 0.35 * s), (o.x + o.facing * 0.55 * s, top + 0.6 * s)], o.colour, max(1, int(0.1 * s)))
    else:
        stride = 0.14 * s if o.variant % 2 else 0.05 * s
        p.polygon([(o.x - 0.18 * s, top + 0.95 * s), (o.x - 0.02 * s, top + 0.95 * s),
                   (o.x - stride + 0.06 * s, base_y), (o.x - stride - 0.1 * s, base_y)], o.accent)
        p.polygon([(o.x + 0.02 * s, top + 0.95 * s), (o.x + 0.18 * s, top + 0.95 * s),
                   (o.x + stride + 0.1 * s, base_y), (o.x + stride - 0.06 * s, base_y)], o.accent)
        p.rect((o.x - 0.27 * s, torso_top + 0.05 * s, o.x - 0.2 * s, top + 0.85 * s), o.colour)
        p.rect((o.x + 0.2 * s, torso_top + 0.05 * s, o.x + 0.27 * s, top + 0.85 * s), o.colour)
    return top


def _draw_pedestrian(p: _Painter, o: SceneObject):
    top = _draw_person(p, o, o.ground_y)
    o.extent = (o.x - 0.3 * o.scale, top, o.x + 0.3 * o.scale, o.ground_y)


def _draw_cyclist(p: _Painter, o: SceneObject):
    s, gy, f = o.scale, o.ground_y, o.facing
    wheel_r = 0.34 * s
    rear, front = o.x - f * 0.55 * s, o.x + f * 0.55 * s
    ring = max(1, int(0.07 * s))
    for wheel_x in (rear, front):
        p.ellipse((wheel_x - wheel_r, gy - 2 * wheel_r, wheel_x + wheel_r, gy), (30, 30, 30), width=ring)
    frame = o.accent
    width = max(1, int(0.06 * s))
    p.line([(rear, gy - wheel_r), (o.x, gy - wheel_r), (front, gy - wheel_r)], frame, width)
    p.line([(o.x - f * 0.1 * s, gy - 0.95 * s), (o.x, gy - wheel_r), (front - f * 0.05 * s, gy - 1.0 * s)], frame, width)
    rider = SceneObject(o.kind, o.x - f * 0.1 * s, o.depth, f, o.colour, (40, 40, 60), o.variant)
    top = _draw_person(p, rider, gy - 0.75 * s, riding=True)
    o.extent = (min(rear, front) - wheel_r, top, max(rear, front) + wheel_r, gy)


def _draw_pole(p: _Painter, x: float, bottom: float, top: float, s: float):
    p.rect((x - max(1, 0.06 * s), top, x + max(1, 0.06 * s), bottom), (90, 95, 100))


def _draw_traffic_light(p: _Painter, o: SceneObject):
    s, gy = o.scale, o.ground_y
    housing_bottom = gy - 2.6 * s
    owner = p.owner
    p.owner = 0  # the pole is street furniture, not part of the labelled object
    _draw_pole(p, o.x, gy, housing_bottom, s)
    p.owner = owner
    w, h = 0.42 * s, 1.1 * s
    x0, y0 = o.x - w / 2, housing_bottom - h
    p.rect((x0, y0, x0 + w, housing_bottom), (30, 32, 35))
    lit = o.variant % 3
    for index, colour in enumerate([(230, 40, 40), (240, 170, 20), (40, 200, 90)]):
        cy = y0 + h * (index + 0.5) / 3
        r = w * 0.3
        p.ellipse((o.x - r, cy - r, o.x + r, cy + r), colour if index == lit else _shade(colour, 0.3))
    o.extent = (x0, y0, x0 + w, housing_bottom)


def _draw_traffic_sign(p: _Painter, o: SceneObject):
    s, gy = o.scale, o.ground_y
    size = 0.7 * s
    plate_bottom = gy - 2.0 * s
    owner = p.owner
    p.owner = 0
    _draw_pole(p, o.x, gy, plate_bottom, s)
    p.owner = owner
    x0, y0, x1, y1 = o.x - size / 2, plate_bottom - size, o.x + size / 2, plate_bottom
    shape = o.variant % 3
    if shape == 0:
        p.ellipse((x0, y0, x1, y1), (200, 30, 30))
        inset = size * 0.16
        p.ellipse((x0 + inset, y0 + inset, x1 - inset, y1 - inset), (245, 245, 245))
    elif shape == 1:
        p.polygon([(o.x, y0), (x1, y1), (x0, y1)], (200, 30, 30))
        inset = size * 0.2
        p.polygon([(o.x, y0 + inset * 1.4), (x1 - inset, y1 - inset * 0.6), (x0 + inset, y1 - inset * 0.6)],
                  (245, 245, 245))
    else:
        p.rect((x0, y0, x1, y1), (25, 85, 170))
        p.rect((o.x - size * 0.1, y0 + size * 0.2, o.x + size * 0.1, y1 - size * 0.2), (245, 245, 245))
    o.extent = (x0, y0, x1, y1)


def _draw_clutter(p: _Painter, o: SceneObject):
    """Unlabelled street furniture and trees: things a careless annotator boxes by mistake."""
    s, gy = o.scale, o.ground_y
    if o.variant % 3 == 0:  # tree
        p.rect((o.x - 0.15 * s, gy - 3.0 * s, o.x + 0.15 * s, gy), (100, 70, 40))
        for dx, dy, r in ((0, -3.6, 1.3), (-0.8, -3.0, 0.9), (0.8, -3.1, 0.9)):
            p.ellipse((o.x + (dx - r) * s, gy + (dy - r) * s, o.x + (dx + r) * s, gy + (dy + r) * s),
                      _shade((60, 130, 60), 0.8 + 0.1 * (o.variant % 4)))
        o.extent = (o.x - 1.7 * s, gy - 4.9 * s, o.x + 1.7 * s, gy)
    elif o.variant % 3 == 1:  # bin
        p.rect((o.x - 0.3 * s, gy - 0.95 * s, o.x + 0.3 * s, gy), (40, 90, 60))
        p.rect((o.x - 0.35 * s, gy - 1.05 * s, o.x + 0.35 * s, gy - 0.9 * s), (30, 70, 45))
        o.extent = (o.x - 0.35 * s, gy - 1.05 * s, o.x + 0.35 * s, gy)
    else:  # street lamp
        _draw_pole(p, o.x, gy, gy - 4.5 * s, s * 1.3)
        p.rect((o.x - 0.1 * s, gy - 4.6 * s, o.x + 0.5 * s, gy - 4.4 * s), (90, 95, 100))
        o.extent = (o.x - 0.1 * s, gy - 4.6 * s, o.x + 0.5 * s, gy)


DRAWERS = {
    "car": _draw_car, "truck": _draw_truck, "bus": _draw_bus, "pedestrian": _draw_pedestrian,
    "cyclist": _draw_cyclist, "traffic_light": _draw_traffic_light, "traffic_sign": _draw_traffic_sign,
    "clutter": _draw_clutter,
}
FOOTPRINT = {"car": 2.4, "truck": 4.0, "bus": 5.8, "pedestrian": 0.4, "cyclist": 1.0,
             "traffic_light": 0.3, "traffic_sign": 0.4, "clutter": 1.0}


def _background(rng: random.Random, dusk: bool) -> Image.Image:
    """Sky gradient, a skyline of buildings with windows, pavement and a road with markings."""
    sky_top, sky_low = ((70, 80, 130), (230, 150, 110)) if dusk else ((120, 170, 225), (215, 232, 245))
    ramp = np.linspace(0, 1, HORIZON)[:, None]
    sky = (np.array(sky_top) * (1 - ramp) + np.array(sky_low) * ramp).astype(np.uint8)
    pixels = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
    pixels[:HORIZON] = sky[:, None, :]
    pixels[HORIZON:] = (95, 98, 104) if not dusk else (70, 72, 80)
    picture = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(picture)
    x = -rng.randint(0, 40)
    while x < WIDTH:
        width = rng.randint(60, 150)
        top = HORIZON - rng.randint(60, 210)
        tone = rng.choice([(170, 160, 150), (150, 120, 100), (120, 125, 135), (190, 180, 160), (140, 90, 80)])
        tone = _shade(tone, 0.7 if dusk else 1.0)
        draw.rectangle((x, top, x + width, HORIZON + 15), fill=tone)
        for wy in range(top + 10, HORIZON, 22):
            for wx in range(x + 8, x + width - 12, 20):
                lit = dusk and rng.random() < 0.4
                draw.rectangle((wx, wy, wx + 10, wy + 12), fill=(250, 220, 140) if lit else _shade(tone, 0.6))
        x += width + rng.randint(0, 12)
    draw.rectangle((0, HORIZON + 15, WIDTH, HORIZON + 30), fill=(170, 168, 160))
    vanish = WIDTH * (0.35 + 0.3 * rng.random())
    for lane in (-0.5, 0.5):
        for step in range(12):
            t0, t1 = step / 12, (step + 0.5) / 12
            y0, y1 = HORIZON + 30 + t0 ** 2 * (HEIGHT - HORIZON), HORIZON + 30 + t1 ** 2 * (HEIGHT - HORIZON)
            x0 = vanish + lane * 900 * t0 ** 2
            x1 = vanish + lane * 900 * t1 ** 2
            half = 1 + 5 * t1 ** 2
            draw.polygon([(x0 - half * 0.6, y0), (x0 + half * 0.6, y0), (x1 + half, y1), (x1 - half, y1)],
                         fill=(235, 235, 220))
    return picture


def _place(rng: random.Random, settings: Difficulty) -> list[SceneObject]:
    """Choose objects and where they stand; easy scenes keep every object apart and whole."""
    count = rng.randint(*settings.object_count)
    truncated_left = rng.randint(*settings.truncated)
    objects: list[SceneObject] = []
    attempts = 0
    while len(objects) < count and attempts < 400:
        attempts += 1
        kind = rng.choice(settings.labels)
        depth = rng.uniform(*settings.depth_range)
        probe = SceneObject(kind, 0, depth)
        half_width = FOOTPRINT[kind] * probe.scale * (1.3 if kind in ("car", "truck", "bus") else 1)
        if truncated_left > 0:
            x = rng.choice([rng.uniform(-half_width * 0.5, 0.3 * half_width),
                            WIDTH + rng.uniform(-0.3 * half_width, half_width * 0.5)])
            truncated_left -= 1
        else:
            x = rng.uniform(half_width + 4, WIDTH - half_width - 4)
        if not settings.allow_overlap and any(
                abs(x - other.x) < half_width + FOOTPRINT[other.kind] * other.scale * 1.3 + 10 for other in objects):
            continue
        colour = rng.choice(BUS_COLOURS if kind == "bus" else CAR_COLOURS if kind in ("car", "truck") else CLOTHES)
        accent = rng.choice(CLOTHES if kind in ("pedestrian", "cyclist") else [(230, 230, 230), (200, 200, 190)])
        objects.append(SceneObject(kind, x, depth, rng.choice([-1, 1]), colour, accent, rng.randint(0, 11)))
    for _ in range(rng.randint(*settings.clutter)):
        side = rng.choice([rng.uniform(0, WIDTH * 0.18), rng.uniform(WIDTH * 0.82, WIDTH)])
        objects.append(SceneObject("clutter", side, rng.uniform(0.05, 0.9),
                                   variant=rng.randint(0, 11), labelled=False))
    return objects


def _render(objects: list[SceneObject], background: Image.Image) -> tuple[Image.Image, np.ndarray]:
    picture = background.copy()
    ids = Image.new("L", (WIDTH, HEIGHT), 0)
    painter = _Painter(picture, ids)
    for index, obj in enumerate(sorted(objects, key=lambda o: o.depth), start=1):
        obj.id = index if obj.labelled else 0
        painter.owner = obj.id
        DRAWERS[obj.kind](painter, obj)
    return picture, np.asarray(ids)


def _full_pixel_counts(objects: list[SceneObject]) -> dict[int, int]:
    """Pixels each labelled object would cover inside the image if nothing hid it."""
    counts = {}
    for obj in objects:
        if not obj.labelled:
            continue
        mask = Image.new("L", (WIDTH, HEIGHT), 0)
        painter = _Painter(Image.new("RGB", (1, 1)), mask)
        painter.picture = ImageDraw.Draw(Image.new("RGB", (WIDTH, HEIGHT)))
        painter.owner = 1
        DRAWERS[obj.kind](painter, obj)
        counts[obj.id] = int(np.count_nonzero(np.asarray(mask)))
    return counts


@dataclass(frozen=True)
class Scene:
    """A rendered scene: the PNG picture and the exact gold objects."""

    image: Image.Image
    objects: list[dict]


def generate_scene(seed: int, difficulty: str) -> Scene:
    """Build the scene for (seed, difficulty); the same inputs always give the same scene."""
    settings = DIFFICULTY_SETTINGS[difficulty]
    rng = random.Random(f"bbox:{difficulty}:{seed}")
    background = _background(rng, settings.dusk)
    objects = _place(rng, settings)
    for _ in range(4):  # drop objects left too hidden or too small to box fairly, then redraw
        picture, ids = _render(objects, background)
        full_counts = _full_pixel_counts(objects)
        slices = ndimage.find_objects(ids)
        keep, gold = [], []
        for obj in objects:
            if not obj.labelled:
                keep.append(obj)
                continue
            region = slices[obj.id - 1] if obj.id - 1 < len(slices) else None
            visible = int(np.count_nonzero(ids[region] == obj.id)) if region else 0
            full = full_counts.get(obj.id, 0)
            if region is None or full == 0:
                continue
            ys, xs = region
            w, h = xs.stop - xs.start, ys.stop - ys.start
            if visible / full < MIN_VISIBLE_FRACTION or min(w, h) < MIN_VISIBLE_SIDE:
                continue
            keep.append(obj)
            x0, y0, x1, y1 = obj.extent
            gold.append({
                "bbox": [float(xs.start), float(ys.start), float(w), float(h)],
                "label": obj.kind,
                "truncated": x0 < 0 or y0 < 0 or x1 > WIDTH or y1 > HEIGHT,
                "occluded": visible < 0.95 * full,
            })
        if len(keep) == len(objects):
            gold.sort(key=lambda g: (g["bbox"][0], g["bbox"][1]))
            return Scene(picture, gold)
        objects = keep
    raise RuntimeError(f"scene bbox/{difficulty}/{seed} did not settle")  # pragma: no cover


def png_bytes(image: Image.Image) -> bytes:
    """Encode a picture as PNG (fast compression: these are regenerated, not archived)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()
