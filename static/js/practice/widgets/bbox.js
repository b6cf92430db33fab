// Bounding-box widget for the practice pages (the contract is docs/practice-widgets.md): draw,
// select, move, resize and label boxes over an image, with zoom, pan, undo/redo, keyboard-only
// editing and a read-only result overlay.
//
// Boxes are kept in IMAGE pixels ([x, y, w, h], floats, top-left origin) and are only scaled
// when drawn, so an answer never depends on the zoom. The overlay is drawn in SCREEN pixels
// (image px × zoom): strokes, labels and handles keep the same size at every zoom, so handles
// stay grabbable when zoomed out and do not hide the object when zoomed in.

const SVG_NS = "http://www.w3.org/2000/svg";

/** One colour per label, distinct from each other; boxes get a dark halo so any colour shows. */
const LABEL_COLOURS = ["#2f80ed", "#f2994a", "#27ae60", "#e84393", "#9b51e0", "#00bcd4", "#f2c94c",
  "#a1887f", "#a3e635", "#94a3b8"];
const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
const MIN_DRAG_PX = 3;        // screen px: a shorter drag is a click, never a box
const MIN_SIDE = 1;           // image px: the smallest box a resize or a key can leave
const NEW_BOX = { w: 80, h: 60 };  // image px: the box "N" creates
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 16;
/** Zoom levels the +/− buttons and keys step through (wheel zoom is continuous). */
const ZOOM_PRESETS = [0.1, 0.15, 0.25, 0.33, 0.5, 0.67, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16];
const PIXELATED_FROM = 3;     // from this zoom on, show crisp pixels for tight boxes
const HANDLE_PX = 9;          // visible handle square, screen px
const HANDLE_HIT_PX = 18;     // invisible grab area around it
const TAG_HEIGHT = 18;
const TAG_FONT = "700 12px system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
const HISTORY_LIMIT = 500;
const COALESCE_MS = 1000;     // repeated key nudges within this time are one undo step
const PAN_STEP_PX = 60;

const OUTCOME_TAGS = {
  wrong_label: "wrong label", duplicate: "duplicate", false_positive: "extra",
  loose: "loose", tight: "tight", shifted: "shifted",
};

/** Shortcut help rendered by the widget: [keys, what they do]. */
const SHORTCUTS = [
  ["Drag on the image", "draw a box with the current label"],
  ["Click a box", "select it (click again to reach a box underneath)"],
  ["Drag a selected box", "move it; drag its handles to resize"],
  ["1 – {last}", "choose the label; relabels the selected box too"],
  ["N", "new box in the middle of the view"],
  ["Tab / Shift+Tab", "select the next / previous box"],
  ["Arrows", "move the selected box 1 px (Shift: 10 px)"],
  ["Alt+→ / Alt+←", "widen / narrow the selected box (Shift: 10 px)"],
  ["Alt+↓ / Alt+↑", "make it taller / shorter (Shift: 10 px)"],
  ["Delete / Backspace", "delete the selected box"],
  ["Esc", "deselect, or cancel the drag in progress"],
  ["Ctrl+Z", "undo"],
  ["Ctrl+Shift+Z / Ctrl+Y", "redo"],
  ["+ / − / 0", "zoom in / out / fit the image"],
  ["Ctrl+wheel", "zoom around the pointer"],
  ["Space+drag, middle drag", "pan (or use the scrollbars)"],
  ["Arrows, nothing selected", "pan the view"],
  ["?", "show or hide this list"],
];

const ICONS = {
  undo: ["M9 14 4 9l5-5", "M4 9h10.5a5.5 5.5 0 0 1 0 11H11"],
  redo: ["m15 14 5-5-5-5", "M20 9H9.5a5.5 5.5 0 0 0 0 11H13"],
  add: ["M4 7V4h3", "M17 4h3v3", "M20 17v3h-3", "M7 20H4v-3", "M12 9v6", "M9 12h6"],
  trash: ["M4 7h16", "M9 7V4h6v3", "M18 7l-1 13H7L6 7", "M10 11v5", "M14 11v5"],
  zoomIn: ["M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z", "m20 20-4-4", "M11 8v6", "M8 11h6"],
  zoomOut: ["M11 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14z", "m20 20-4-4", "M8 11h6"],
  fit: ["M4 9V4h5", "M15 4h5v5", "M20 15v5h-5", "M9 20H4v-5"],
  close: ["M6 6l12 12", "M18 6 6 18"],
};

// ---------------------------------------------------------------------------------------------
// Small DOM and maths helpers

/** An HTML element with attributes and children (strings become text, never markup). */
function html(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** An SVG element with attributes. */
function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** A decorative 24×24 line icon. */
function icon(name) {
  const node = svg("svg", { class: "bbox-icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" });
  for (const d of ICONS[name]) node.append(svg("path", { d }));
  return node;
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

function round2(value) {
  return Math.round(value * 100) / 100;
}

/** Black or white, whichever reads better on the given "#rrggbb" background. */
function textColourOn(hex) {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.22 ? "#111827" : "#ffffff";
}

/** Fields that use typed keys themselves: shortcuts never act there. */
function isTypingTarget(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
}

let idCounter = 0;

/** A document-unique id, for aria references between the widget's own elements. */
function uniqueId(prefix) {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

let measureContext = null;
const textWidths = new Map();

/** Rendered width of a tag text, measured once per string. */
function textWidth(text) {
  if (!textWidths.has(text)) {
    measureContext ??= document.createElement("canvas").getContext("2d");
    let width = text.length * 7.2;
    if (measureContext) {
      measureContext.font = TAG_FONT;
      width = measureContext.measureText(text).width;
    }
    textWidths.set(text, Math.ceil(width));
  }
  return textWidths.get(text);
}

// ---------------------------------------------------------------------------------------------
// Box geometry (pure; image pixels)

/** The [x, y, w, h] box spanned by two corner points, clipped to the image. */
function boxFromCorners(ax, ay, bx, by, width, height) {
  const x0 = clamp(Math.min(ax, bx), 0, width);
  const y0 = clamp(Math.min(ay, by), 0, height);
  const x1 = clamp(Math.max(ax, bx), 0, width);
  const y1 = clamp(Math.max(ay, by), 0, height);
  return [x0, y0, x1 - x0, y1 - y0];
}

/** The box shifted by (dx, dy), kept whole inside the image. */
function movedBox([x, y, w, h], dx, dy, width, height) {
  return [clamp(x + dx, 0, width - w), clamp(y + dy, 0, height - h), w, h];
}

/** The box with the edges named by a handle ("n", "se", ...) moved by (dx, dy); may flip. */
function resizedBox([x, y, w, h], handle, dx, dy, width, height) {
  let [x0, y0, x1, y1] = [x, y, x + w, y + h];
  if (handle.includes("w")) x0 += dx;
  if (handle.includes("e")) x1 += dx;
  if (handle.includes("n")) y0 += dy;
  if (handle.includes("s")) y1 += dy;
  const box = boxFromCorners(x0, y0, x1, y1, width, height);
  return withMinimumSize(box, width, height);
}

/** The box widened/heightened by (dw, dh) from its right and bottom edges. */
function grownBox([x, y, w, h], dw, dh, width, height) {
  return [x, y, clamp(w + dw, MIN_SIDE, width - x), clamp(h + dh, MIN_SIDE, height - y)];
}

function withMinimumSize([x, y, w, h], width, height) {
  const w2 = Math.max(w, Math.min(MIN_SIDE, width));
  const h2 = Math.max(h, Math.min(MIN_SIDE, height));
  return [Math.min(x, width - w2), Math.min(y, height - h2), w2, h2];
}

function containsPoint([x, y, w, h], px, py, slack = 0) {
  return px >= x - slack && px <= x + w + slack && py >= y - slack && py <= y + h + slack;
}

/** Screen position of a handle on a box given in screen pixels. */
function handlePoint([x, y, w, h], handle) {
  const hx = handle.includes("w") ? x : handle.includes("e") ? x + w : x + w / 2;
  const hy = handle.includes("n") ? y : handle.includes("s") ? y + h : y + h / 2;
  return [hx, hy];
}

function cleanAnswerBox(raw, width, height) {
  if (!Array.isArray(raw) || raw.length !== 4 || !raw.every(Number.isFinite)) return null;
  const [x, y, w, h] = raw;
  const box = boxFromCorners(x, y, x + w, y + h, width, height);
  return box[2] > 0 && box[3] > 0 ? box : null;
}

// ---------------------------------------------------------------------------------------------
// Undo history: whole snapshots of the (small, immutable) box list.

class History {
  constructor(limit = HISTORY_LIMIT) {
    this.limit = limit;
    this.reset({ boxes: [], selected: -1 });
  }

  /** Forget everything; `snapshot` becomes the state undo cannot go past. */
  reset(snapshot) {
    this.entries = [{ snapshot, description: "", key: null, time: 0 }];
    this.index = 0;
  }

  /** Record a new state; a repeat of the same `key` within COALESCE_MS replaces the last entry. */
  record(snapshot, description, key = null) {
    const now = Date.now();
    const top = this.entries[this.index];
    this.entries.length = this.index + 1;
    if (key && this.index > 0 && top.key === key && now - top.time < COALESCE_MS) {
      this.entries[this.index] = { snapshot, description, key, time: now };
      return;
    }
    this.entries.push({ snapshot, description, key, time: now });
    this.index += 1;
    if (this.entries.length > this.limit) {
      this.entries.shift();
      this.index -= 1;
    }
  }

  get canUndo() {
    return this.index > 0;
  }

  get canRedo() {
    return this.index < this.entries.length - 1;
  }

  /** Step back: the state to show and the description of the step undone, or null. */
  undo() {
    if (!this.canUndo) return null;
    const undone = this.entries[this.index];
    this.index -= 1;
    this.entries[this.index + 1].key = null;  // a later nudge must not merge into an undone step
    return { snapshot: this.entries[this.index].snapshot, description: undone.description };
  }

  redo() {
    if (!this.canRedo) return null;
    this.index += 1;
    const entry = this.entries[this.index];
    entry.key = null;
    return { snapshot: entry.snapshot, description: entry.description };
  }
}

// ---------------------------------------------------------------------------------------------
// The editor

class BoxEditor {
  constructor(container, item, onChange) {
    this.container = container;
    this.item = item;
    this.onChange = onChange;
    this.width = Number(item.image.width);
    this.height = Number(item.image.height);
    this.labels = [...item.labels];
    this.boxes = [];            // [{bbox: [x, y, w, h], label}], replaced (never mutated) on edits
    this.selected = -1;
    this.currentLabel = this.labels[0];
    this.zoom = 1;
    this.fitted = true;         // follow the stage size until the user zooms
    this.readOnly = false;
    this.result = null;         // prepared showResult() data while the overlay is shown
    this.showGold = true;
    this.showAnswers = true;
    this.gesture = null;        // the pointer drag in progress
    this.spaceHeld = false;
    this.pointer = null;        // last pointer position: {clientX, clientY, inside}
    this.hover = -1;
    this.listFor = null;        // the box list the object list was last built for
    this.history = new History();
    this.events = new AbortController();

    this.build();
    this.bindEvents();
    this.container.replaceChildren(this.ui.root);
    this.applyZoom();
    this.fit({ announce: false });
    this.render();
  }

  // --- building the interface -----------------------------------------------------------------

  build() {
    const ui = {};
    this.ui = ui;
    const describedBy = uniqueId("bbox-intro");
    ui.root = html("div", {
      class: "bbox-tool", tabindex: "0", role: "application", "aria-roledescription": "annotation tool",
      "aria-label": "Bounding-box editor", "aria-describedby": describedBy,
    });
    const intro = html("p", { id: describedBy, class: "visually-hidden" },
      "Drag on the image to draw a box, or press N for a new box and move it with the arrow keys. " +
      "Number keys choose the label. Press question mark for all keyboard shortcuts.");
    const main = html("div", { class: "bbox-main" }, this.buildToolbar(), this.buildStage(), this.buildStatusBar(),
      this.buildLegend(), this.buildHelp());
    const side = html("div", { class: "bbox-side" }, this.buildPalette(), this.buildObjectList());
    ui.root.append(intro, main, side);
  }

  /** A toolbar button: an icon and/or short text, a full label for assistive tech and the tooltip. */
  toolButton({ icon: iconName = null, text = "", label, shortcut = "", onClick, className = "" }) {
    const button = html("button", {
      type: "button", class: `tool-button ${className}`.trim(),
      "aria-label": label, title: shortcut ? `${label} (${shortcut})` : label,
    }, iconName ? icon(iconName) : null, text ? html("span", { class: "tool-button-text" }, text) : null);
    this.on(button, "click", onClick);
    return button;
  }

  buildToolbar() {
    const ui = this.ui;
    ui.undo = this.toolButton({ icon: "undo", text: "Undo", label: "Undo", shortcut: "Ctrl+Z", onClick: () => this.undo() });
    ui.redo = this.toolButton({ icon: "redo", text: "Redo", label: "Redo", shortcut: "Ctrl+Shift+Z",
      onClick: () => this.redo() });
    ui.add = this.toolButton({ icon: "add", text: "New box", label: "New box in the middle of the view", shortcut: "N",
      onClick: () => this.addBoxInView() });
    ui.remove = this.toolButton({ icon: "trash", text: "Delete", label: "Delete the selected box", shortcut: "Delete",
      onClick: () => this.removeBox(this.selected), className: "tool-danger" });
    ui.zoomOut = this.toolButton({ icon: "zoomOut", label: "Zoom out", shortcut: "−", onClick: () => this.stepZoom(-1) });
    ui.zoomLabel = html("output", { class: "bbox-zoom-label", "aria-label": "Zoom level" }, "100%");
    ui.zoomIn = this.toolButton({ icon: "zoomIn", label: "Zoom in", shortcut: "+", onClick: () => this.stepZoom(1) });
    ui.fit = this.toolButton({ icon: "fit", text: "Fit", label: "Fit the image in the view", shortcut: "0",
      onClick: () => this.fit() });
    ui.actual = this.toolButton({ text: "1:1", label: "Actual size (100%)", onClick: () => this.setZoom(1, null, true) });
    const group = (label, ...buttons) => html("div", { class: "bbox-toolgroup", role: "group", "aria-label": label },
      ...buttons);
    return html("div", { class: "bbox-toolbar" },
      group("History", ui.undo, ui.redo),
      group("Boxes", ui.add, ui.remove),
      group("Zoom", ui.zoomOut, ui.zoomLabel, ui.zoomIn, ui.fit, ui.actual));
  }

  buildStage() {
    const ui = this.ui;
    ui.image = html("img", { class: "bbox-image", src: this.item.image.url, draggable: "false",
      alt: `Image to annotate${this.item.item_id ? ` (${this.item.item_id})` : ""}`,
      width: this.width, height: this.height });
    ui.overlay = svg("svg", { class: "bbox-overlay", "aria-hidden": "true" });
    ui.resultLayer = svg("g", { class: "bbox-layer-result" });
    ui.boxLayer = svg("g", { class: "bbox-layer-boxes" });
    ui.draftLayer = svg("g", { class: "bbox-layer-draft" });
    ui.crossH = svg("line", { class: "bbox-cross" });
    ui.crossV = svg("line", { class: "bbox-cross" });
    ui.cross = svg("g", { class: "bbox-crosshair is-hidden" });
    ui.cross.append(ui.crossH, ui.crossV);
    ui.overlay.append(ui.resultLayer, ui.boxLayer, ui.draftLayer, ui.cross);
    ui.canvas = html("div", { class: "bbox-canvas" }, ui.image, ui.overlay);
    ui.stage = html("div", { class: "bbox-stage" }, ui.canvas);
    ui.stage.style.aspectRatio = `${this.width} / ${this.height}`;
    ui.stageNote = html("p", { class: "bbox-stage-note", role: "status" }, "Loading the image…");
    return html("div", { class: "bbox-viewport" }, ui.stage, ui.stageNote);
  }

  buildStatusBar() {
    this.ui.status = html("p", { class: "bbox-status", role: "status", "aria-live": "polite" });
    this.ui.readout = html("p", { class: "bbox-readout", "aria-hidden": "true" });
    return html("div", { class: "bbox-statusbar" }, this.ui.status, this.ui.readout);
  }

  buildLegend() {
    const ui = this.ui;
    const sample = (kind) => {
      const node = svg("svg", { class: "bbox-legend-sample", viewBox: "0 0 28 18", "aria-hidden": "true" });
      node.append(svg("rect", { class: `legend-${kind}`, x: 2, y: 2, width: 24, height: 14, rx: 1 }));
      return node;
    };
    const entry = (kind, strong, text) => html("li", {}, sample(kind), html("span", {}, html("strong", {}, strong), ` ${text}`));
    ui.showGold = html("input", { type: "checkbox", checked: "" });
    ui.showAnswers = html("input", { type: "checkbox", checked: "" });
    this.on(ui.showGold, "change", () => { this.showGold = ui.showGold.checked; this.renderCanvas(); });
    this.on(ui.showAnswers, "change", () => { this.showAnswers = ui.showAnswers.checked; this.renderCanvas(); });
    ui.resultSummary = html("p", { class: "bbox-result-summary" });
    ui.legend = html("div", { class: "bbox-legend", hidden: "" },
      html("h3", { class: "bbox-panel-title" }, "Result overlay"),
      ui.resultSummary,
      html("ul", { class: "bbox-legend-list" },
        entry("gold", "Gold box", "(dashed green): the correct answer"),
        entry("match", "✓ Matched", "(blue): your box, with its IoU against the gold box"),
        entry("wrong", "✗ Not matched", "(red): an extra box, a duplicate or a wrong label"),
        entry("missed", "Missed", "(orange, dashed): an object you did not box")),
      html("div", { class: "bbox-legend-toggles" },
        html("label", {}, ui.showGold, " Show gold boxes"),
        html("label", {}, ui.showAnswers, " Show my boxes")));
    return ui.legend;
  }

  buildPalette() {
    const titleId = uniqueId("bbox-labels");
    this.ui.labelButtons = this.labels.map((label, index) => {
      const key = index < 9 ? String(index + 1) : null;
      const swatch = html("span", { class: "label-swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = this.colourOf(label);
      const count = html("span", { class: "label-count", "aria-hidden": "true" });
      const button = html("button", {
        type: "button", class: "label-button", "aria-pressed": "false", "data-label": label,
        "aria-keyshortcuts": key,
      }, key ? html("kbd", {}, key) : html("span", { class: "kbd-spacer" }), swatch,
      html("span", { class: "label-name" }, label), count);
      this.on(button, "click", () => this.chooseLabel(label));
      return button;
    });
    return html("section", { class: "bbox-panel bbox-palette", "aria-labelledby": titleId },
      html("h3", { class: "bbox-panel-title", id: titleId }, "Labels"),
      html("div", { class: "bbox-label-grid", role: "group", "aria-labelledby": titleId }, ...this.ui.labelButtons),
      html("p", { class: "bbox-panel-hint" }, "New boxes get the highlighted label; with a box selected, " +
        "a number key relabels it."));
  }

  buildObjectList() {
    const ui = this.ui;
    const titleId = uniqueId("bbox-objects");
    ui.listTitle = html("h3", { class: "bbox-panel-title", id: titleId }, "Objects");
    ui.list = html("ol", { class: "bbox-list", "aria-labelledby": titleId });
    ui.listEmpty = html("p", { class: "bbox-panel-hint" }, "No boxes yet: drag on the image, or press N.");
    ui.missedList = html("p", { class: "bbox-missed-note", hidden: "" });
    return html("section", { class: "bbox-panel bbox-objects", "aria-labelledby": titleId },
      ui.listTitle, ui.list, ui.listEmpty, ui.missedList);
  }

  buildHelp() {
    const list = html("dl", { class: "bbox-shortcuts" });
    const last = String(Math.min(9, this.labels.length));
    for (const [keys, what] of SHORTCUTS) {
      list.append(html("div", {}, html("dt", {}, keys.replace("{last}", last)), html("dd", {}, what)));
    }
    this.ui.help = html("details", { class: "bbox-panel bbox-help" },
      html("summary", {}, "Keyboard shortcuts ", html("kbd", {}, "?")), list,
      html("p", { class: "bbox-panel-hint" }, "Shortcuts work while the editor has focus: click the image first."));
    return this.ui.help;
  }

  // --- events ---------------------------------------------------------------------------------

  /** addEventListener that destroy() undoes in one go. */
  on(target, type, handler, options = {}) {
    target.addEventListener(type, handler, { signal: this.events.signal, ...options });
  }

  bindEvents() {
    const { root, overlay, stage, image } = this.ui;
    this.on(overlay, "pointerdown", (event) => this.onPointerDown(event));
    this.on(overlay, "pointermove", (event) => this.onPointerMove(event));
    this.on(overlay, "pointerup", (event) => this.onPointerUp(event));
    this.on(overlay, "pointercancel", () => this.cancelGesture());
    this.on(overlay, "lostpointercapture", () => { if (this.gesture) this.cancelGesture(); });
    this.on(overlay, "pointerleave", () => { this.pointer = null; this.updateCrosshair(); this.setHover(-1); });
    this.on(overlay, "contextmenu", (event) => { if (this.gesture) event.preventDefault(); });
    // Middle-button drags pan here; stop the browser's own autoscroll mode from starting too.
    this.on(overlay, "mousedown", (event) => { if (event.button === 1) event.preventDefault(); });
    this.on(stage, "wheel", (event) => this.onWheel(event), { passive: false });
    this.on(stage, "auxclick", (event) => { if (event.button === 1) event.preventDefault(); });
    this.on(root, "keydown", (event) => this.onKeyDown(event));
    this.on(root, "keyup", (event) => { if (event.key === " ") this.setSpaceHeld(false); });
    this.on(root, "focusout", (event) => { if (!root.contains(event.relatedTarget)) this.setSpaceHeld(false); });
    this.on(root, "pointerdown", (event) => this.focusOnClick(event));
    this.on(window, "blur", () => this.setSpaceHeld(false));
    this.on(image, "load", () => { this.ui.stageNote.hidden = true; });
    this.on(image, "error", () => {
      this.ui.stageNote.hidden = false;
      this.ui.stageNote.classList.add("is-error");
      this.ui.stageNote.textContent = "The image could not be loaded. Reload the page or try a new item.";
    });
    if (image.complete && image.naturalWidth) this.ui.stageNote.hidden = true;
    this.resizeObserver = new ResizeObserver(() => { if (this.fitted) this.fit({ announce: false }); });
    this.resizeObserver.observe(stage, { box: "border-box" });  // scrollbars coming and going do not count
  }

  /** Clicking anywhere in the widget that is not a control gives it keyboard focus. */
  focusOnClick(event) {
    if (event.target.closest?.("button, select, input, textarea, a, summary, label")) return;
    this.ui.root.focus({ preventScroll: true });
  }

  // --- rendering ------------------------------------------------------------------------------

  colourOf(label) {
    const index = this.labels.indexOf(label);
    return index < 0 ? "#64748b" : LABEL_COLOURS[index % LABEL_COLOURS.length];
  }

  /** The box as shown: the live geometry while it is being dragged. */
  displayBox(index) {
    if (this.gesture?.index === index && this.gesture.current) return this.gesture.current;
    return this.boxes[index].bbox;
  }

  toScreen(box) {
    return box.map((value) => value * this.zoom);
  }

  describe(index) {
    return `Box ${index + 1} (${this.boxes[index].label})`;
  }

  render() {
    this.renderCanvas();
    this.renderPalette();
    this.renderList();
    this.renderToolbar();
    this.ui.root.classList.toggle("is-readonly", this.readOnly);
  }

  /** Boxes (or the result overlay), then every tag above all boxes, then the selected box's handles. */
  renderCanvas() {
    const { boxLayer, resultLayer } = this.ui;
    this.placedTags = [];
    this.tagLayer = svg("g", { class: "bbox-tags" });
    boxLayer.replaceChildren();
    resultLayer.replaceChildren();
    if (this.result) {
      this.renderResultLayer();
      resultLayer.append(this.tagLayer);
      return;
    }
    // Big boxes first so small ones show on top; the selected box last.
    const order = this.boxes.map((_, index) => index)
      .sort((a, b) => this.area(b) - this.area(a))
      .filter((index) => index !== this.selected);
    if (this.selected >= 0) order.push(this.selected);
    for (const index of order) boxLayer.append(this.boxShape(index));
    boxLayer.append(this.tagLayer);
    if (this.selected >= 0 && !this.readOnly) boxLayer.append(this.handles(this.selected));
  }

  area(index) {
    const [, , w, h] = this.boxes[index].bbox;
    return w * h;
  }

  boxShape(index) {
    const box = this.toScreen(this.displayBox(index));
    const [x, y, w, h] = box;
    const { label } = this.boxes[index];
    const colour = this.colourOf(label);
    const selected = index === this.selected;
    const group = svg("g", {
      class: `bbox-box${selected ? " is-selected" : ""}${index === this.hover ? " is-hover" : ""}`,
      "data-index": index,
    });
    group.append(
      svg("rect", { class: "bbox-halo", x, y, width: w, height: h }),
      svg("rect", { class: "bbox-rect", x, y, width: w, height: h, stroke: colour, fill: colour }));
    this.tagLayer.append(this.tag(box, `${index + 1} ${label}`, colour));
    return group;
  }

  /**
   * A filled label tag for a box given in screen px: above its top-left corner by preference (or
   * below it for "bottom"), else at the first other place that does not cover a tag already drawn.
   */
  tag(box, text, background, preferred = "top", extraClass = "") {
    const [x, y, w, h] = box;
    const width = textWidth(text) + 10;
    const maxX = Math.max(0, this.width * this.zoom - width);
    const maxY = this.height * this.zoom - TAG_HEIGHT;
    const spots = { above: y - TAG_HEIGHT, inside: y, below: y + h, insideBottom: y + h - TAG_HEIGHT };
    const order = preferred === "bottom" ? ["below", "insideBottom", "above", "inside"]
      : ["above", "inside", "below", "insideBottom"];
    const candidates = order.map((spot) => ({ x: clamp(x, 0, maxX), y: spots[spot], w: width, h: TAG_HEIGHT }))
      .filter((spot) => spot.y >= 0 && spot.y <= maxY);
    if (!candidates.length) candidates.push({ x: clamp(x, 0, maxX), y: clamp(y, 0, Math.max(0, maxY)), w: width, h: TAG_HEIGHT });
    const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    const spot = candidates.find((candidate) => !this.placedTags.some((placed) => overlaps(candidate, placed))) ||
      candidates[0];
    this.placedTags.push(spot);
    const group = svg("g", { class: `bbox-tag ${extraClass}`.trim() });
    const caption = svg("text", { class: "bbox-tag-text", x: spot.x + 5, y: spot.y + TAG_HEIGHT / 2,
      fill: textColourOn(background) });
    caption.textContent = text;
    group.append(svg("rect", { class: "bbox-tag-bg", x: spot.x, y: spot.y, width, height: TAG_HEIGHT, rx: 3,
      fill: background }), caption);
    return group;
  }

  /** Eight resize handles; edge handles hide on boxes too small to hold them apart. */
  handles(index) {
    const box = this.toScreen(this.displayBox(index));
    const colour = this.colourOf(this.boxes[index].label);
    const group = svg("g", { class: "bbox-handles" });
    const [, , w, h] = box;
    const hit = Math.max(HANDLE_PX, Math.min(HANDLE_HIT_PX, Math.min(w, h) / 2));
    for (const handle of HANDLES) {
      if ((handle === "n" || handle === "s") && w < 3 * HANDLE_HIT_PX) continue;
      if ((handle === "e" || handle === "w") && h < 3 * HANDLE_HIT_PX) continue;
      const [hx, hy] = handlePoint(box, handle);
      group.append(
        svg("rect", { class: `bbox-handle-hit handle-${handle}`, "data-handle": handle,
          x: hx - hit / 2, y: hy - hit / 2, width: hit, height: hit }),
        svg("rect", { class: `bbox-handle handle-${handle}`, "data-handle": handle, stroke: colour,
          x: hx - HANDLE_PX / 2, y: hy - HANDLE_PX / 2, width: HANDLE_PX, height: HANDLE_PX }));
    }
    return group;
  }

  renderDraft() {
    const layer = this.ui.draftLayer;
    layer.replaceChildren();
    this.placedTags = [];
    const gesture = this.gesture;
    if (!gesture || gesture.type !== "draw" || !gesture.current) return;
    const [x, y, w, h] = this.toScreen(gesture.current);
    const colour = this.colourOf(this.currentLabel);
    const size = `${Math.round(gesture.current[2])} × ${Math.round(gesture.current[3])}`;
    layer.append(
      svg("rect", { class: "bbox-halo", x, y, width: w, height: h }),
      svg("rect", { class: "bbox-draft", x, y, width: w, height: h, stroke: colour, fill: colour }),
      this.tag([x, y, w, h], `${this.currentLabel} ${size}`, colour));
  }

  updateCrosshair() {
    const { cross, crossH, crossV } = this.ui;
    const pointer = this.pointer;
    const show = pointer?.inside && !this.readOnly && this.gesture?.type !== "pan" && !this.spaceHeld;
    cross.classList.toggle("is-hidden", !show);
    if (!show) return;
    const x = pointer.x * this.zoom;
    const y = pointer.y * this.zoom;
    const attrs = (line, values) => { for (const [name, value] of Object.entries(values)) line.setAttribute(name, value); };
    attrs(crossH, { x1: 0, x2: this.width * this.zoom, y1: y, y2: y });
    attrs(crossV, { x1: x, x2: x, y1: 0, y2: this.height * this.zoom });
  }

  updateReadout() {
    const pointer = this.pointer;
    const digits = this.zoom >= 2 ? 1 : 0;
    let text = "";
    if (pointer?.inside) text = `x ${pointer.x.toFixed(digits)}  y ${pointer.y.toFixed(digits)}`;
    const gesture = this.gesture;
    if (gesture?.current) {
      const [x, y, w, h] = gesture.current;
      text = `${gesture.type === "draw" ? "new" : `#${gesture.index + 1}`}  x ${x.toFixed(digits)}  y ${y.toFixed(digits)}  ` +
        `${w.toFixed(digits)} × ${h.toFixed(digits)}`;
    }
    this.ui.readout.textContent = text;
  }

  renderPalette() {
    const counts = new Map();
    for (const box of this.boxes) counts.set(box.label, (counts.get(box.label) || 0) + 1);
    for (const button of this.ui.labelButtons) {
      const label = button.dataset.label;
      button.setAttribute("aria-pressed", String(label === this.currentLabel));
      button.disabled = this.readOnly;
      const count = counts.get(label) || 0;
      const counter = button.querySelector(".label-count");
      counter.textContent = count ? String(count) : "";
      counter.title = count ? `${count} box${count === 1 ? "" : "es"}` : "";
    }
  }

  renderToolbar() {
    const { ui } = this;
    ui.undo.disabled = this.readOnly || !this.history.canUndo;
    ui.redo.disabled = this.readOnly || !this.history.canRedo;
    ui.add.disabled = this.readOnly;
    ui.remove.disabled = this.readOnly || this.selected < 0;
    ui.zoomLabel.textContent = `${Math.round(this.zoom * 100)}%`;
    ui.zoomOut.disabled = this.zoom <= ZOOM_MIN + 1e-9;
    ui.zoomIn.disabled = this.zoom >= ZOOM_MAX - 1e-9;
  }

  /** Rebuild the object list when the boxes change; otherwise only move the selection mark. */
  renderList() {
    const { ui } = this;
    const mode = `${this.readOnly}|${Boolean(this.result)}`;
    if (this.listFor !== this.boxes || this.listMode !== mode) {
      this.rebuildList();
      this.listFor = this.boxes;
      this.listMode = mode;
    }
    for (const entry of ui.list.children) {
      const selected = Number(entry.dataset.index) === this.selected;
      entry.classList.toggle("is-selected", selected);
      entry.querySelector("[data-role=pick]").setAttribute("aria-current", selected ? "true" : "false");
      if (selected) this.scrollListTo(entry);
    }
  }

  rebuildList() {
    const { ui } = this;
    const active = document.activeElement;
    const focusKey = ui.list.contains(active)
      ? { role: active.dataset.role, index: Number(active.closest("li").dataset.index) } : null;
    ui.list.replaceChildren(...this.boxes.map((box, index) => this.listEntry(box, index)));
    ui.listTitle.textContent = `Objects (${this.boxes.length})`;
    ui.listEmpty.hidden = this.boxes.length > 0;
    if (focusKey) this.restoreListFocus(focusKey);
  }

  listEntry(box, index) {
    const [, , w, h] = box.bbox;
    const swatch = html("span", { class: "label-swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = this.colourOf(box.label);
    // The label <select> shows the label while editing; the name shows it when there is no select.
    const name = this.result ? `#${index + 1} ${box.label}` : `#${index + 1}`;
    const pick = html("button", { type: "button", class: "link-button bbox-pick", "data-role": "pick",
      "aria-label": `Select box ${index + 1}: ${box.label}, ${Math.round(w)} by ${Math.round(h)} pixels`,
      title: `#${index + 1} ${box.label} ${Math.round(w)}×${Math.round(h)}` },
    swatch, html("span", { class: "bbox-pick-name" }, name),
    html("span", { class: "bbox-pick-size" }, `${Math.round(w)}×${Math.round(h)}`));
    this.on(pick, "click", () => this.select(index, { focusRoot: false }));
    const entry = html("li", { class: "bbox-list-item", "data-index": index }, pick);
    if (this.result) {
      entry.append(this.outcomeBadge(index));
      return entry;
    }
    entry.append(this.labelSelect(box, index), this.deleteButton(box, index));
    return entry;
  }

  labelSelect(box, index) {
    const select = html("select", { class: "bbox-label-select", "data-role": "label",
      "aria-label": `Label of box ${index + 1}` });
    const options = this.labels.includes(box.label) ? this.labels : [box.label, ...this.labels];
    for (const label of options) {
      select.append(html("option", { value: label, selected: label === box.label ? "" : null }, label));
    }
    select.disabled = this.readOnly;
    this.on(select, "change", () => this.relabel(index, select.value));
    this.on(select, "focus", () => this.select(index, { focusRoot: false, quiet: true }));
    return select;
  }

  deleteButton(box, index) {
    const button = html("button", { type: "button", class: "tool-button tool-icon tool-danger", "data-role": "delete",
      "aria-label": `Delete box ${index + 1} (${box.label})`, title: `Delete box ${index + 1}` }, icon("close"));
    button.disabled = this.readOnly;
    this.on(button, "click", () => this.removeBox(index));
    return button;
  }

  restoreListFocus({ role, index }) {
    const last = this.boxes.length - 1;
    const target = last >= 0
      ? this.ui.list.querySelector(`li[data-index="${Math.min(index, last)}"] [data-role="${role}"]`) : null;
    (target && !target.disabled ? target : this.ui.root).focus({ preventScroll: true });
  }

  /** Scroll the list itself (never the page) so the entry shows. */
  scrollListTo(entry) {
    const list = this.ui.list;
    const top = entry.offsetTop - list.offsetTop;
    if (top < list.scrollTop) list.scrollTop = top;
    else if (top + entry.offsetHeight > list.scrollTop + list.clientHeight) {
      list.scrollTop = top + entry.offsetHeight - list.clientHeight;
    }
  }

  setHover(index) {
    if (index === this.hover) return;
    this.hover = index;
    for (const group of this.ui.boxLayer.children) {
      group.classList.toggle("is-hover", Number(group.dataset.index) === index);
    }
  }

  announce(message) {
    if (!message) return;
    // Re-setting the same text would not be announced again: nudge it with a no-break space.
    const status = this.ui.status;
    status.textContent = status.textContent === message ? `${message}\u00a0` : message;
  }

  // --- editing (each edit is one undo step) ---------------------------------------------------

  commit(boxes, selected, description, key = null) {
    this.boxes = boxes;
    this.selected = selected;
    this.history.record({ boxes, selected }, description, key);
    this.render();
    this.announce(description);
    this.onChange();
  }

  replaceBox(index, changes) {
    return this.boxes.map((box, at) => (at === index ? { ...box, ...changes } : box));
  }

  /**
   * Add a box with the current label and select it, ready for its handles, the arrow keys or a
   * number key to relabel it. The status line says so, because a number key pressed to choose the
   * label of the NEXT box would otherwise relabel this one: Esc (or a click on empty image) first.
   */
  addBox(bbox) {
    if (this.readOnly) return;
    const box = { bbox: withMinimumSize(bbox, this.width, this.height), label: this.currentLabel };
    const boxes = [...this.boxes, box];
    this.commit(boxes, boxes.length - 1, `Box ${boxes.length} (${box.label}) added`);
    if (this.labels.length > 1) {
      this.announce(`Box ${boxes.length} (${box.label}) added and selected: a number key relabels it, Esc deselects`);
    }
  }

  /** "N": a NEW_BOX-sized box in the middle of what the stage shows. */
  addBoxInView() {
    if (this.readOnly) return;
    const view = this.visibleRegion();
    const w = Math.min(NEW_BOX.w, this.width, Math.max(MIN_SIDE, view.w * 0.6));
    const h = Math.min(NEW_BOX.h, this.height, Math.max(MIN_SIDE, view.h * 0.6));
    const x = clamp(view.x + view.w / 2 - w / 2, 0, this.width - w);
    const y = clamp(view.y + view.h / 2 - h / 2, 0, this.height - h);
    this.addBox([x, y, w, h]);
    this.ui.root.focus({ preventScroll: true });
  }

  removeBox(index) {
    if (this.readOnly || index < 0 || index >= this.boxes.length) return;
    const description = `${this.describe(index)} deleted`;
    const boxes = this.boxes.filter((_, at) => at !== index);
    this.commit(boxes, -1, description);
  }

  relabel(index, label) {
    if (this.readOnly || index < 0 || index >= this.boxes.length) return;
    if (this.boxes[index].label === label) return;
    this.commit(this.replaceBox(index, { label }), index, `Box ${index + 1} is now ${label}`);
  }

  setGeometry(index, bbox, description, key = null) {
    const old = this.boxes[index].bbox;
    if (bbox.every((value, at) => Math.abs(value - old[at]) < 1e-9)) return;
    this.commit(this.replaceBox(index, { bbox }), index, description, key);
  }

  /** The palette or a number key: the label for new boxes, and for the selected box. */
  chooseLabel(label) {
    if (this.readOnly) return;
    this.currentLabel = label;
    if (this.selected >= 0 && this.boxes[this.selected].label !== label) {
      this.relabel(this.selected, label);
      return;
    }
    this.renderPalette();
    this.announce(`Label: ${label}`);
  }

  select(index, { focusRoot = true, quiet = false, reveal = true } = {}) {
    const next = index >= 0 && index < this.boxes.length ? index : -1;
    if (focusRoot) this.ui.root.focus({ preventScroll: true });
    if (next === this.selected) return;
    this.selected = next;
    this.renderCanvas();
    this.renderList();
    this.renderToolbar();
    if (next >= 0 && reveal) this.revealBox(next);
    if (quiet) return;
    if (next < 0) {
      this.announce("No box selected");
      return;
    }
    const [x, y, w, h] = this.boxes[next].bbox.map(Math.round);
    this.announce(`${this.describe(next)} selected: ${w} × ${h} at ${x}, ${y}`);
  }

  undo() {
    if (this.readOnly || this.gesture) return;
    const step = this.history.undo();
    if (step) this.restore(step.snapshot, `Undone: ${step.description}`);
  }

  redo() {
    if (this.readOnly || this.gesture) return;
    const step = this.history.redo();
    if (step) this.restore(step.snapshot, `Redone: ${step.description}`);
  }

  restore({ boxes, selected }, message) {
    this.boxes = boxes;
    this.selected = selected < boxes.length ? selected : -1;
    this.render();
    this.announce(message);
    this.onChange();
  }

  nudge(dx, dy) {
    const index = this.selected;
    const bbox = movedBox(this.boxes[index].bbox, dx, dy, this.width, this.height);
    const [x, y] = bbox.map((value) => Math.round(value * 10) / 10);
    this.setGeometry(index, bbox, `${this.describe(index)} moved to ${x}, ${y}`, `move:${index}`);
    this.revealBox(index);
  }

  grow(dw, dh) {
    const index = this.selected;
    const bbox = grownBox(this.boxes[index].bbox, dw, dh, this.width, this.height);
    const [, , w, h] = bbox.map((value) => Math.round(value * 10) / 10);
    this.setGeometry(index, bbox, `${this.describe(index)} resized to ${w} × ${h}`, `grow:${index}`);
    this.revealBox(index);
  }

  // --- pointer --------------------------------------------------------------------------------

  /** Image coordinates of a pointer event (clamped), and whether it is over the image. */
  pointerAt(event) {
    const rect = this.ui.canvas.getBoundingClientRect();
    const rawX = (event.clientX - rect.left) / this.zoom;
    const rawY = (event.clientY - rect.top) / this.zoom;
    return {
      x: clamp(rawX, 0, this.width), y: clamp(rawY, 0, this.height), rawX, rawY,
      inside: rawX >= 0 && rawY >= 0 && rawX <= this.width && rawY <= this.height,
      clientX: event.clientX, clientY: event.clientY,
    };
  }

  /** Boxes under an image point, smallest first (the likeliest target when boxes nest). */
  boxesAt(x, y) {
    const slack = 2 / this.zoom;
    return this.boxes.map((box, index) => index)
      .filter((index) => containsPoint(this.boxes[index].bbox, x, y, slack))
      .sort((a, b) => this.area(a) - this.area(b));
  }

  onPointerDown(event) {
    this.ui.root.focus({ preventScroll: true });
    if (this.gesture) return;
    const point = this.pointerAt(event);
    this.pointer = point;
    const pan = event.button === 1 || (event.button === 0 && (this.spaceHeld || this.readOnly));
    if (pan) {
      this.startGesture(event, { type: "pan", left: this.ui.stage.scrollLeft, top: this.ui.stage.scrollTop });
      return;
    }
    if (event.button !== 0) return;
    const handle = event.target.closest?.("[data-handle]")?.dataset.handle;
    const selectedBox = this.selected >= 0 ? this.boxes[this.selected].bbox : null;
    if (handle && selectedBox) {
      this.startGesture(event, { type: "resize", handle, index: this.selected, origin: selectedBox, started: true });
    } else if (selectedBox && containsPoint(selectedBox, point.x, point.y, 2 / this.zoom)) {
      this.startGesture(event, { type: "move", index: this.selected, origin: selectedBox, started: false });
    } else {
      this.startGesture(event, { type: "press", started: false });
    }
  }

  startGesture(event, gesture) {
    event.preventDefault();
    const point = this.pointerAt(event);
    this.gesture = { ...gesture, pointerId: event.pointerId, start: point, current: null };
    this.ui.overlay.setPointerCapture(event.pointerId);
    this.ui.root.classList.toggle("is-panning", gesture.type === "pan");
    this.updateCrosshair();
  }

  onPointerMove(event) {
    const point = this.pointerAt(event);
    this.pointer = point;
    const gesture = this.gesture;
    if (!gesture) {
      this.updateHoverState(event, point);
    } else if (gesture.pointerId === event.pointerId) {
      this.continueGesture(gesture, point);
    }
    this.updateCrosshair();
    this.updateReadout();
  }

  updateHoverState(event, point) {
    if (this.readOnly || this.result) return;
    const under = point.inside ? this.boxesAt(point.x, point.y) : [];
    this.setHover(under.length ? under[0] : -1);
    const overSelected = this.selected >= 0 && under.includes(this.selected);
    this.ui.overlay.classList.toggle("is-over-selected", overSelected && !event.target.closest?.("[data-handle]"));
  }

  continueGesture(gesture, point) {
    const moved = Math.hypot(point.clientX - gesture.start.clientX, point.clientY - gesture.start.clientY);
    if (gesture.type === "pan") {
      this.ui.stage.scrollLeft = gesture.left - (point.clientX - gesture.start.clientX);
      this.ui.stage.scrollTop = gesture.top - (point.clientY - gesture.start.clientY);
      return;
    }
    if (!gesture.started && moved < MIN_DRAG_PX) return;
    gesture.started = true;
    if (gesture.type === "press") gesture.type = "draw";
    if (gesture.type === "draw") {
      gesture.current = boxFromCorners(gesture.start.x, gesture.start.y, point.x, point.y, this.width, this.height);
      this.renderDraft();
      return;
    }
    // Travel in image px, measured past the image edge too; the box geometry does the clamping.
    const dx = point.rawX - gesture.start.rawX;
    const dy = point.rawY - gesture.start.rawY;
    gesture.current = gesture.type === "move"
      ? movedBox(gesture.origin, dx, dy, this.width, this.height)
      : resizedBox(gesture.origin, gesture.handle, dx, dy, this.width, this.height);
    this.renderCanvas();
  }

  onPointerUp(event) {
    const gesture = this.gesture;
    if (!gesture || gesture.pointerId !== event.pointerId) return;
    this.endGesture();
    if (gesture.type === "pan") return;
    if (gesture.type === "draw") this.finishDraw(gesture);
    else if (!gesture.started || !gesture.current) this.clickAt(gesture.start);
    else this.finishEdit(gesture);
  }

  finishDraw(gesture) {
    const [, , w, h] = gesture.current;
    if (w * this.zoom < MIN_DRAG_PX || h * this.zoom < MIN_DRAG_PX) {
      this.renderDraft();
      this.clickAt(gesture.start);
      return;
    }
    this.addBox(gesture.current);
  }

  finishEdit(gesture) {
    const bbox = gesture.current;
    const [x, y, w, h] = bbox.map(Math.round);
    const verb = gesture.type === "move" ? `moved to ${x}, ${y}` : `resized to ${w} × ${h}`;
    this.setGeometry(gesture.index, bbox, `${this.describe(gesture.index)} ${verb}`);
    this.renderCanvas();
  }

  /** A click selects the smallest box under it, or the next one down when clicked again. */
  clickAt(point) {
    const under = this.boxesAt(point.x, point.y);
    if (!under.length) {
      this.select(-1);
      return;
    }
    const at = under.indexOf(this.selected);
    this.select(at < 0 ? under[0] : under[(at + 1) % under.length], { reveal: false });
  }

  endGesture() {
    const gesture = this.gesture;
    this.gesture = null;
    this.ui.root.classList.remove("is-panning");
    if (gesture && this.ui.overlay.hasPointerCapture?.(gesture.pointerId)) {
      this.ui.overlay.releasePointerCapture(gesture.pointerId);
    }
    this.ui.draftLayer.replaceChildren();
    this.updateCrosshair();
    this.updateReadout();
  }

  /** Abandon the drag in progress; nothing it did is kept. */
  cancelGesture() {
    if (!this.gesture) return false;
    const wasEdit = this.gesture.type !== "pan" && this.gesture.started;
    this.endGesture();
    this.renderCanvas();
    if (wasEdit) this.announce("Drag cancelled");
    return true;
  }

  onWheel(event) {
    if (!event.ctrlKey && !event.metaKey) return;  // plain wheel scrolls the stage natively
    event.preventDefault();
    const perNotch = event.deltaMode === 1 ? 0.05 : event.deltaMode === 2 ? 1 : 0.0015;
    const factor = clamp(Math.exp(-event.deltaY * perNotch), 0.5, 2);
    this.setZoom(this.zoom * factor, { clientX: event.clientX, clientY: event.clientY });
  }

  setSpaceHeld(held) {
    if (this.spaceHeld === held) return;
    this.spaceHeld = held;
    this.ui.root.classList.toggle("is-space-held", held);
    this.updateCrosshair();
  }

  // --- keyboard -------------------------------------------------------------------------------

  onKeyDown(event) {
    if (event.defaultPrevented) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    // A <select> has no undo of its own, so undo/redo still work after relabelling from the list.
    const onSelect = event.target instanceof HTMLSelectElement;
    if (isTypingTarget(event.target) && !(onSelect && mod)) return;
    if (mod && !event.altKey && (lower === "z" || lower === "y")) {
      event.preventDefault();
      if (lower === "y" || event.shiftKey) this.redo();
      else this.undo();
      return;
    }
    if (mod || onSelect) return;  // every other Ctrl/Cmd combination belongs to the browser
    const handled = this.handleKey(event, key, lower);
    if (handled) event.preventDefault();
  }

  /** One shortcut; returns true when the key was used (its default action is then cancelled). */
  handleKey(event, key, lower) {
    const onCanvas = event.target === this.ui.root;
    const editable = !this.readOnly;
    const hasSelection = this.selected >= 0;
    if (key === "Escape") {
      if (this.cancelGesture()) return true;
      if (!hasSelection) return false;
      this.select(-1, { focusRoot: false });
      return true;
    }
    if (key === " " && onCanvas) {
      this.setSpaceHeld(true);
      return true;
    }
    if (this.gesture || (event.altKey && !key.startsWith("Arrow"))) return false;
    if (/^[1-9]$/.test(key) && Number(key) <= this.labels.length && editable) {
      this.chooseLabel(this.labels[Number(key) - 1]);
      return true;
    }
    if ((key === "Delete" || key === "Backspace") && hasSelection && editable) {
      this.removeBox(this.selected);
      return true;
    }
    if (key === "Tab" && onCanvas) return this.cycleSelection(event.shiftKey ? -1 : 1);
    if (key.startsWith("Arrow")) return this.arrowKey(event, key, onCanvas);
    const action = {
      n: () => (editable ? this.addBoxInView() : false),
      "+": () => this.stepZoom(1, this.pointerAnchor()),
      "=": () => this.stepZoom(1, this.pointerAnchor()),
      "-": () => this.stepZoom(-1, this.pointerAnchor()),
      _: () => this.stepZoom(-1, this.pointerAnchor()),
      0: () => this.fit(),
      "?": () => { this.ui.help.open = !this.ui.help.open; },
    }[lower];
    if (!action) return false;
    return action() !== false;
  }

  arrowKey(event, key, onCanvas) {
    const [dx, dy] = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
    if (this.selected >= 0 && !this.readOnly) {
      const step = event.shiftKey ? 10 : 1;
      if (event.altKey) this.grow(dx * step, dy * step);
      else this.nudge(dx * step, dy * step);
      return true;
    }
    if (!onCanvas) return false;
    this.ui.stage.scrollBy(dx * PAN_STEP_PX, dy * PAN_STEP_PX);
    return true;
  }

  /**
   * Tab / Shift+Tab walk through the boxes. Past the last (or before the first) box the selection
   * clears and the key is left to the browser, so keyboard users can always Tab out of the editor.
   */
  cycleSelection(step) {
    if (this.readOnly || !this.boxes.length) return false;
    const next = this.selected + step;
    if (step > 0 && next >= this.boxes.length) {
      this.select(-1, { focusRoot: false, quiet: true });
      return false;
    }
    if (step < 0 && this.selected < 0) return false;
    this.select(next < 0 ? -1 : next, { focusRoot: false });
    return true;
  }

  // --- zoom and pan ---------------------------------------------------------------------------

  applyZoom() {
    const { canvas, overlay } = this.ui;
    const w = this.width * this.zoom;
    const h = this.height * this.zoom;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    overlay.setAttribute("width", w);
    overlay.setAttribute("height", h);
    overlay.setAttribute("viewBox", `0 0 ${w} ${h}`);
    canvas.classList.toggle("is-pixelated", this.zoom >= PIXELATED_FROM);
  }

  /** Zoom keeping the image point under `anchor` (client coordinates; default: view centre) still. */
  setZoom(next, anchor = null, announce = false) {
    const zoom = clamp(next, ZOOM_MIN, ZOOM_MAX);
    const { stage, canvas } = this.ui;
    const stageRect = stage.getBoundingClientRect();
    const ax = anchor ? anchor.clientX : stageRect.left + stage.clientLeft + stage.clientWidth / 2;
    const ay = anchor ? anchor.clientY : stageRect.top + stage.clientTop + stage.clientHeight / 2;
    const before = canvas.getBoundingClientRect();
    const ix = (ax - before.left) / this.zoom;
    const iy = (ay - before.top) / this.zoom;
    this.zoom = zoom;
    this.fitted = false;
    this.applyZoom();
    const after = canvas.getBoundingClientRect();
    stage.scrollLeft += after.left + ix * zoom - ax;
    stage.scrollTop += after.top + iy * zoom - ay;
    this.afterZoom(announce);
  }

  afterZoom(announce) {
    this.renderCanvas();
    this.renderDraft();
    this.renderToolbar();
    this.updateCrosshair();
    this.updateReadout();
    if (announce) this.announce(`Zoom ${Math.round(this.zoom * 100)}%`);
  }

  /** The next preset zoom level up (direction 1) or down (-1) from the current zoom. */
  stepZoom(direction, anchor = null) {
    const next = direction > 0
      ? ZOOM_PRESETS.find((level) => level > this.zoom * 1.01) ?? ZOOM_MAX
      : [...ZOOM_PRESETS].reverse().find((level) => level < this.zoom / 1.01) ?? ZOOM_MIN;
    this.setZoom(next, anchor, true);
  }

  /** The pointer, when it is over the image: keyboard zoom then centres on it too. */
  pointerAnchor() {
    return this.pointer?.inside ? { clientX: this.pointer.clientX, clientY: this.pointer.clientY } : null;
  }

  fit({ announce = true } = {}) {
    const { stage } = this.ui;
    const available = Math.min(stage.clientWidth / this.width, stage.clientHeight / this.height);
    if (!Number.isFinite(available) || available <= 0) return;
    // Round down so the fitted canvas never overflows by a rounding error (that would add scrollbars).
    this.zoom = clamp(Math.floor(available * 1000) / 1000, ZOOM_MIN, ZOOM_MAX);
    this.fitted = true;
    this.applyZoom();
    stage.scrollLeft = 0;
    stage.scrollTop = 0;
    this.afterZoom(announce);
  }

  /** The part of the image the stage currently shows, in image px. */
  visibleRegion() {
    const { stage, canvas } = this.ui;
    const stageRect = stage.getBoundingClientRect();
    const canvasRect = canvas.getBoundingClientRect();
    const left = stageRect.left + stage.clientLeft;
    const top = stageRect.top + stage.clientTop;
    const x0 = clamp((left - canvasRect.left) / this.zoom, 0, this.width);
    const y0 = clamp((top - canvasRect.top) / this.zoom, 0, this.height);
    const x1 = clamp((left + stage.clientWidth - canvasRect.left) / this.zoom, 0, this.width);
    const y1 = clamp((top + stage.clientHeight - canvasRect.top) / this.zoom, 0, this.height);
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  /** Scroll the stage so a box moved or selected by keyboard stays in view. */
  revealBox(index) {
    const { stage } = this.ui;
    const [x, y, w, h] = this.toScreen(this.boxes[index].bbox);
    const margin = 24;
    const offsetX = this.ui.canvas.offsetLeft;
    const offsetY = this.ui.canvas.offsetTop;
    const scrollToShow = (start, size, scroll, client) => {
      if (start - margin < scroll) return start - margin;
      if (start + size + margin > scroll + client) return Math.min(start - margin, start + size + margin - client);
      return scroll;
    };
    stage.scrollLeft = scrollToShow(x + offsetX, w, stage.scrollLeft, stage.clientWidth);
    stage.scrollTop = scrollToShow(y + offsetY, h, stage.scrollTop, stage.clientHeight);
  }

  // --- result overlay -------------------------------------------------------------------------

  /** Index the server's matches and feedback by gold and answer position. */
  prepareResult(result) {
    const gold = result?.gold?.objects || [];
    const matchByAnswer = new Map();
    const matchedGold = new Set();
    for (const match of result?.matches || []) {
      matchByAnswer.set(match.answer, match);
      matchedGold.add(match.gold);
    }
    const notesByAnswer = new Map();
    const notesByGold = new Map();
    for (const note of result?.feedback || []) {
      if (Number.isInteger(note.answer)) notesByAnswer.set(note.answer, [...(notesByAnswer.get(note.answer) || []), note]);
      else if (Number.isInteger(note.gold)) notesByGold.set(note.gold, [...(notesByGold.get(note.gold) || []), note]);
    }
    return { gold, matchByAnswer, matchedGold, notesByAnswer, notesByGold };
  }

  /** Short outcome of one answer box: {ok, text} for tags, badges and the summary. */
  answerOutcome(index) {
    const match = this.result.matchByAnswer.get(index);
    const notes = this.result.notesByAnswer.get(index) || [];
    const kind = notes.map((note) => note.kind).find((name) => OUTCOME_TAGS[name]);
    if (match) {
      const extra = kind ? ` · ${OUTCOME_TAGS[kind]}` : "";
      return { ok: true, text: `IoU ${Number(match.iou).toFixed(2)}${extra}`, notes };
    }
    return { ok: false, text: kind ? OUTCOME_TAGS[kind] : "not matched", notes };
  }

  renderResultLayer() {
    const layer = this.ui.resultLayer;
    const { gold, matchedGold, notesByGold } = this.result;
    // Gold is drawn under the answers; missed gold is drawn last so its "missed" tag stays on top.
    const goldShapes = gold.map((object, index) => (Array.isArray(object.bbox)
      ? { missed: !matchedGold.has(index), node: this.goldShape(object, index, matchedGold.has(index), notesByGold.get(index) || []) }
      : null)).filter(Boolean);
    if (this.showGold) goldShapes.filter((shape) => !shape.missed).forEach((shape) => layer.append(shape.node));
    if (this.showAnswers) {
      const order = this.boxes.map((_, index) => index).filter((index) => index !== this.selected);
      if (this.selected >= 0) order.push(this.selected);
      for (const index of order) layer.append(this.answerShape(this.boxes[index], index));
    }
    if (this.showGold) goldShapes.filter((shape) => shape.missed).forEach((shape) => layer.append(shape.node));
  }

  goldShape(object, index, matched, notes) {
    const [x, y, w, h] = this.toScreen(object.bbox);
    const group = svg("g", { class: `result-box ${matched ? "result-gold" : "result-missed"}` });
    const title = svg("title");
    title.textContent = matched ? `Gold ${object.label}` : notes.map((note) => note.message).join(" ") ||
      `Missed ${object.label}`;
    group.append(title, svg("rect", { class: "result-halo", x, y, width: w, height: h }),
      svg("rect", { class: "result-rect", x, y, width: w, height: h }));
    if (!matched) this.tagLayer.append(this.tag([x, y, w, h], `missed ${object.label}`, "#c2410c", "bottom", "result-tag"));
    return group;
  }

  answerShape(box, index) {
    const [x, y, w, h] = this.toScreen(box.bbox);
    const outcome = this.answerOutcome(index);
    const selected = index === this.selected ? " is-selected" : "";
    const group = svg("g", { class: `result-box ${outcome.ok ? "result-match" : "result-wrong"}${selected}` });
    const title = svg("title");
    title.textContent = [`Box ${index + 1} (${box.label})`, ...outcome.notes.map((note) => note.message)].join(": ");
    const text = `${outcome.ok ? "✓" : "✗"} #${index + 1} ${outcome.text}`;
    group.append(title, svg("rect", { class: "result-halo", x, y, width: w, height: h }),
      svg("rect", { class: "result-rect", x, y, width: w, height: h }));
    this.tagLayer.append(this.tag([x, y, w, h], text, outcome.ok ? "#1d4ed8" : "#b91c1c", "top", "result-tag"));
    return group;
  }

  outcomeBadge(index) {
    const outcome = this.answerOutcome(index);
    return html("span", { class: `bbox-outcome ${outcome.ok ? "is-ok" : "is-bad"}` },
      `${outcome.ok ? "✓" : "✗"} ${outcome.text}`);
  }

  renderResultPanels() {
    const { ui } = this;
    ui.legend.hidden = !this.result;
    ui.missedList.hidden = true;
    if (!this.result) return;
    const matched = this.result.matchByAnswer.size;
    const wrong = this.boxes.length - matched;
    const missed = this.result.gold.filter((_, index) => !this.result.matchedGold.has(index));
    ui.resultSummary.textContent = `${matched} matched · ${wrong} not matched · ${missed.length} missed ` +
      `(of ${this.result.gold.length} objects)`;
    if (missed.length) {
      ui.missedList.hidden = false;
      ui.missedList.textContent = `Missed: ${missed.map((object) => object.label).join(", ")}`;
    }
  }

  // --- the widget interface -------------------------------------------------------------------

  getAnswer() {
    return { objects: this.boxes.map((box) => ({ bbox: box.bbox.map(round2), label: box.label })) };
  }

  setAnswer(answer) {
    this.cancelGesture();
    const objects = Array.isArray(answer?.objects) ? answer.objects : [];
    this.boxes = objects
      .map((object) => ({ bbox: cleanAnswerBox(object?.bbox, this.width, this.height), label: String(object?.label ?? "") }))
      .filter((box) => box.bbox && box.label);
    this.selected = -1;
    this.history.reset({ boxes: this.boxes, selected: -1 });
    this.result = null;
    this.renderResultPanels();
    this.render();
  }

  showResult(result) {
    this.cancelGesture();
    this.result = this.prepareResult(result);
    this.selected = -1;
    this.hover = -1;
    this.setReadOnly(true);
    this.renderResultPanels();
    this.render();
    const { matchByAnswer, gold, matchedGold } = this.result;
    const missed = gold.length - matchedGold.size;
    this.announce(`Result shown: ${matchByAnswer.size} of your ${this.boxes.length} ` +
      `box${this.boxes.length === 1 ? "" : "es"} matched, ${missed} object${missed === 1 ? "" : "s"} missed`);
  }

  /** Freeze or unfreeze editing; unfreezing also drops a result overlay, which edits would make stale. */
  setReadOnly(flag) {
    const readOnly = Boolean(flag);
    if (readOnly) this.cancelGesture();
    if (!readOnly && this.result) {
      this.result = null;
      this.renderResultPanels();
    }
    this.readOnly = readOnly;
    if (readOnly) this.selected = -1;
    this.ui.overlay.classList.remove("is-over-selected");
    this.render();
    this.updateCrosshair();
  }

  destroy() {
    this.gesture = null;
    this.events.abort();
    this.resizeObserver?.disconnect();
    this.ui.root.remove();
  }
}

/** Mount the bounding-box editor in `container` for one public item (docs/practice-widgets.md). */
export function mount(container, item, { onChange = () => {} } = {}) {
  const editor = new BoxEditor(container, item, onChange);
  return {
    getAnswer: () => editor.getAnswer(),
    setAnswer: (answer) => editor.setAnswer(answer),
    showResult: (result) => editor.showResult(result),
    setReadOnly: (flag) => editor.setReadOnly(flag),
    destroy: () => editor.destroy(),
  };
}
