// Bounding-box annotation tool: draw, select, move, resize, relabel, zoom, undo/redo.
// All coordinates are image pixels ([x, y, w, h], continuous, top-left origin), whatever the zoom.

const SVG_NS = "http://www.w3.org/2000/svg";
const LABEL_COLOURS = ["#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#65a30d",
  "#dc2626", "#4f46e5"];
const MIN_DRAG = 3;
const ZOOM_STEPS = [0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4];
const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function html(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** Undo/redo over whole snapshots of the box list: simple, and boxes are few. */
class History {
  constructor(initial) {
    this.past = [];
    this.future = [];
    this.present = initial;
  }
  push(next) {
    this.past.push(this.present);
    this.present = next;
    this.future = [];
  }
  undo() {
    if (!this.past.length) return false;
    this.future.push(this.present);
    this.present = this.past.pop();
    return true;
  }
  redo() {
    if (!this.future.length) return false;
    this.past.push(this.present);
    this.present = this.future.pop();
    return true;
  }
}

export function mount(container, item, { onChange = () => {} } = {}) {
  const width = item.image.width;
  const height = item.image.height;
  const labels = item.labels;
  const colourOf = (label) => LABEL_COLOURS[labels.indexOf(label) % LABEL_COLOURS.length] || "#334155";

  let boxes = [];            // [{bbox: [x, y, w, h], label}]
  const history = new History([]);
  let selected = -1;
  let currentLabel = labels[0];
  let zoom = 1;
  let readOnly = false;
  let drag = null;           // {mode: "draw"|"move"|"resize", ...}
  let spaceDown = false;

  // Layout
  const root = html("div", { class: "bbox-tool", tabindex: "0", role: "application",
    "aria-label": "Bounding box annotation tool. Press question mark for shortcuts." });
  const side = html("div", { class: "bbox-side" });
  const stageWrap = html("div", { class: "bbox-main" });
  const zoomBar = html("div", { class: "bbox-zoombar", role: "toolbar", "aria-label": "Zoom and history" });
  const stage = html("div", { class: "bbox-stage" });
  const canvas = html("div", { class: "bbox-canvas" });
  const image = html("img", { src: item.image.url, alt: "Image to annotate", draggable: "false" });
  const overlay = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "bbox-overlay",
    preserveAspectRatio: "none" });
  const crossH = svg("line", { class: "bbox-cross", x1: 0, x2: width, y1: -10, y2: -10 });
  const crossV = svg("line", { class: "bbox-cross", y1: 0, y2: height, x1: -10, x2: -10 });
  const boxLayer = svg("g");
  const resultLayer = svg("g", { class: "bbox-result-layer" });
  overlay.append(boxLayer, resultLayer, crossH, crossV);
  canvas.append(image, overlay);
  stage.append(canvas);

  const zoomOut = html("button", { type: "button", class: "tool-button", "aria-label": "Zoom out" }, "−");
  const zoomLabel = html("span", { class: "bbox-zoom-label", "aria-live": "polite" }, "100%");
  const zoomIn = html("button", { type: "button", class: "tool-button", "aria-label": "Zoom in" }, "+");
  const zoomFit = html("button", { type: "button", class: "tool-button" }, "Fit");
  const undoButton = html("button", { type: "button", class: "tool-button", "aria-label": "Undo (Ctrl+Z)" }, "↶ Undo");
  const redoButton = html("button", { type: "button", class: "tool-button", "aria-label": "Redo (Ctrl+Y)" }, "↷ Redo");
  zoomBar.append(zoomOut, zoomLabel, zoomIn, zoomFit, undoButton, redoButton);
  stageWrap.append(zoomBar, stage);

  const palette = html("fieldset", { class: "bbox-palette" });
  palette.append(html("legend", {}, "Label (keys 1–" + labels.length + ")"));
  const labelButtons = labels.map((label, index) => {
    const button = html("button", { type: "button", class: "label-button", "data-label": label,
      "aria-pressed": "false" });
    const swatch = html("span", { class: "label-swatch", "aria-hidden": "true" });
    swatch.style.background = colourOf(label);
    button.append(html("kbd", {}, String(index + 1)), swatch, document.createTextNode(" " + label));
    button.addEventListener("click", () => chooseLabel(label));
    palette.append(button);
    return button;
  });
  const listTitle = html("h3", { class: "bbox-list-title" }, "Objects (0)");
  const list = html("ol", { class: "bbox-list" });
  const help = html("details", { class: "bbox-help" });
  help.append(html("summary", {}, "Keyboard shortcuts"));
  const shortcuts = html("dl", {});
  for (const [keys, what] of [
    ["Drag", "draw a box; drag a box to move it, its handles to resize"],
    ["1–9", "choose the label, or relabel the selected box"],
    ["N", "new box in the middle of the view"],
    ["Tab / Shift+Tab", "select the next / previous box"],
    ["Arrows", "move the selected box 1 px (Shift: 10 px)"],
    ["Alt+Arrows", "grow or shrink the selected box (Shift: 10 px)"],
    ["Delete", "delete the selected box"], ["Esc", "deselect"],
    ["Ctrl+Z / Ctrl+Y", "undo / redo"], ["+ / − / 0", "zoom in / out / fit"],
    ["Space+drag", "pan the image"],
  ]) {
    shortcuts.append(html("dt", {}, keys), html("dd", {}, what));
  }
  help.append(shortcuts);
  const status = html("p", { class: "visually-hidden", "aria-live": "polite" });
  side.append(palette, listTitle, list, help);
  root.append(stageWrap, side, status);
  container.replaceChildren(root);

  // Rendering
  function announce(message) {
    status.textContent = message;
  }

  function handleSize() {
    return 9 / zoom;
  }

  function render() {
    boxLayer.replaceChildren();
    boxes.forEach((box, index) => {
      const [x, y, w, h] = box.bbox;
      const colour = colourOf(box.label);
      const group = svg("g", { class: "bbox-box" + (index === selected ? " is-selected" : ""), "data-index": index });
      const rect = svg("rect", { x, y, width: w, height: h, stroke: colour, "stroke-width": 2 / zoom,
        fill: colour, "fill-opacity": index === selected ? 0.18 : 0.06, class: "bbox-rect" });
      const tag = svg("text", { x: x + 2 / zoom, y: y > 14 / zoom ? y - 4 / zoom : y + 13 / zoom,
        "font-size": 12 / zoom, class: "bbox-tag", fill: colour });
      tag.textContent = `${index + 1} ${box.label}`;
      group.append(rect, tag);
      if (index === selected && !readOnly) {
        for (const handle of HANDLES) {
          const [hx, hy] = handlePoint(box.bbox, handle);
          const size = handleSize();
          group.append(svg("rect", { x: hx - size / 2, y: hy - size / 2, width: size, height: size,
            class: `bbox-handle handle-${handle}`, "data-handle": handle, "stroke-width": 1 / zoom }));
        }
      }
      boxLayer.append(group);
    });
    renderList();
    labelButtons.forEach((button) => button.setAttribute("aria-pressed",
      String(button.dataset.label === currentLabel)));
    undoButton.disabled = readOnly || !history.past.length;
    redoButton.disabled = readOnly || !history.future.length;
  }

  function renderList() {
    listTitle.textContent = `Objects (${boxes.length})`;
    list.replaceChildren();
    boxes.forEach((box, index) => {
      const entry = html("li", { class: "bbox-list-item" + (index === selected ? " is-selected" : "") });
      const pick = html("button", { type: "button", class: "link-button" },
        `#${index + 1} ${Math.round(box.bbox[2])}×${Math.round(box.bbox[3])}`);
      pick.addEventListener("click", () => select(index));
      const chooser = html("select", { "aria-label": `Label of box ${index + 1}` });
      for (const label of labels) {
        const option = html("option", { value: label }, label);
        option.selected = label === box.label;
        chooser.append(option);
      }
      chooser.disabled = readOnly;
      chooser.addEventListener("change", () => relabel(index, chooser.value));
      const remove = html("button", { type: "button", class: "tool-button tool-danger",
        "aria-label": `Delete box ${index + 1}` }, "✕");
      remove.disabled = readOnly;
      remove.addEventListener("click", () => removeBox(index));
      entry.append(pick, chooser, remove);
      list.append(entry);
    });
  }

  function handlePoint([x, y, w, h], handle) {
    const hx = handle.includes("w") ? x : handle.includes("e") ? x + w : x + w / 2;
    const hy = handle.includes("n") ? y : handle.includes("s") ? y + h : y + h / 2;
    return [hx, hy];
  }

  // Edits (each one is a new history entry)
  function commit(next, message) {
    history.push(next.map((box) => ({ bbox: [...box.bbox], label: box.label })));
    boxes = history.present.map((box) => ({ bbox: [...box.bbox], label: box.label }));
    render();
    if (message) announce(message);
    onChange();
  }

  function cloneBoxes() {
    return boxes.map((box) => ({ bbox: [...box.bbox], label: box.label }));
  }

  function normalise([x, y, w, h]) {
    const x0 = clamp(Math.min(x, x + w), 0, width);
    const y0 = clamp(Math.min(y, y + h), 0, height);
    const x1 = clamp(Math.max(x, x + w), 0, width);
    const y1 = clamp(Math.max(y, y + h), 0, height);
    return [x0, y0, x1 - x0, y1 - y0].map((value) => Math.round(value * 100) / 100);
  }

  function addBox(bbox) {
    const next = cloneBoxes();
    next.push({ bbox: normalise(bbox), label: currentLabel });
    selected = next.length - 1;
    commit(next, `Box ${next.length} (${currentLabel}) added`);
  }

  function removeBox(index) {
    if (readOnly || index < 0 || index >= boxes.length) return;
    const next = cloneBoxes();
    const [removed] = next.splice(index, 1);
    selected = -1;
    commit(next, `Box ${index + 1} (${removed.label}) deleted`);
  }

  function relabel(index, label) {
    if (readOnly || index < 0 || boxes[index].label === label) return;
    const next = cloneBoxes();
    next[index].label = label;
    commit(next, `Box ${index + 1} is now ${label}`);
  }

  function select(index) {
    selected = index;
    render();
    if (index >= 0) announce(`Box ${index + 1} (${boxes[index].label}) selected`);
    root.focus({ preventScroll: true });
  }

  function chooseLabel(label) {
    currentLabel = label;
    if (selected >= 0) relabel(selected, label);
    else render();
  }

  function undo() {
    if (readOnly || !history.undo()) return;
    boxes = history.present.map((box) => ({ bbox: [...box.bbox], label: box.label }));
    selected = Math.min(selected, boxes.length - 1);
    render();
    announce("Undone");
    onChange();
  }

  function redo() {
    if (readOnly || !history.redo()) return;
    boxes = history.present.map((box) => ({ bbox: [...box.bbox], label: box.label }));
    render();
    announce("Redone");
    onChange();
  }

  // Zoom and pan
  function setZoom(next, focus) {
    const previous = zoom;
    zoom = clamp(next, ZOOM_STEPS[0], ZOOM_STEPS[ZOOM_STEPS.length - 1]);
    const rect = stage.getBoundingClientRect();
    const fx = focus ? focus.clientX - rect.left : stage.clientWidth / 2;
    const fy = focus ? focus.clientY - rect.top : stage.clientHeight / 2;
    const imageX = (stage.scrollLeft + fx) / previous;
    const imageY = (stage.scrollTop + fy) / previous;
    canvas.style.width = `${width * zoom}px`;
    canvas.style.height = `${height * zoom}px`;
    stage.scrollLeft = imageX * zoom - fx;
    stage.scrollTop = imageY * zoom - fy;
    zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    render();
  }

  function stepZoom(direction, focus) {
    const index = ZOOM_STEPS.findIndex((step) => step >= zoom - 1e-6);
    const next = ZOOM_STEPS[clamp((index < 0 ? ZOOM_STEPS.length - 1 : index) + direction, 0, ZOOM_STEPS.length - 1)];
    setZoom(next, focus);
  }

  function fit() {
    const available = stage.clientWidth || width;
    setZoom(Math.min(1, available / width));
  }

  // Pointer interaction
  function toImage(event) {
    const point = overlay.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    const local = point.matrixTransform(overlay.getScreenCTM().inverse());
    return [clamp(local.x, 0, width), clamp(local.y, 0, height)];
  }

  overlay.addEventListener("pointermove", (event) => {
    const [x, y] = toImage(event);
    crossH.setAttribute("y1", y);
    crossH.setAttribute("y2", y);
    crossV.setAttribute("x1", x);
    crossV.setAttribute("x2", x);
    if (drag) continueDrag(event, x, y);
  });
  overlay.addEventListener("pointerleave", () => {
    crossH.setAttribute("y1", -10);
    crossH.setAttribute("y2", -10);
    crossV.setAttribute("x1", -10);
    crossV.setAttribute("x2", -10);
  });

  overlay.addEventListener("pointerdown", (event) => {
    root.focus({ preventScroll: true });
    if (spaceDown || event.button === 1) {
      drag = { mode: "pan", startX: event.clientX, startY: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
      overlay.setPointerCapture(event.pointerId);
      event.preventDefault();
      return;
    }
    if (readOnly || event.button !== 0) return;
    const [x, y] = toImage(event);
    const handle = event.target.dataset?.handle;
    const group = event.target.closest?.(".bbox-box");
    if (handle && selected >= 0) {
      drag = { mode: "resize", handle, origin: [...boxes[selected].bbox], startX: x, startY: y };
    } else if (group) {
      selected = Number(group.dataset.index);
      drag = { mode: "move", origin: [...boxes[selected].bbox], startX: x, startY: y };
      render();
    } else {
      selected = -1;
      drag = { mode: "draw", startX: x, startY: y, preview: null };
      render();
    }
    overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
  });

  function continueDrag(event, x, y) {
    if (drag.mode === "pan") {
      stage.scrollLeft = drag.left - (event.clientX - drag.startX);
      stage.scrollTop = drag.top - (event.clientY - drag.startY);
      return;
    }
    const dx = x - drag.startX;
    const dy = y - drag.startY;
    if (drag.mode === "draw") {
      if (!drag.preview) {
        drag.preview = svg("rect", { class: "bbox-preview", "stroke-width": 2 / zoom, stroke: colourOf(currentLabel) });
        boxLayer.append(drag.preview);
      }
      drag.preview.setAttribute("x", Math.min(x, drag.startX));
      drag.preview.setAttribute("y", Math.min(y, drag.startY));
      drag.preview.setAttribute("width", Math.abs(dx));
      drag.preview.setAttribute("height", Math.abs(dy));
      return;
    }
    const [ox, oy, ow, oh] = drag.origin;
    let bbox;
    if (drag.mode === "move") {
      bbox = [clamp(ox + dx, 0, width - ow), clamp(oy + dy, 0, height - oh), ow, oh];
    } else {
      let [x0, y0, x1, y1] = [ox, oy, ox + ow, oy + oh];
      if (drag.handle.includes("w")) x0 = clamp(ox + dx, 0, width);
      if (drag.handle.includes("e")) x1 = clamp(ox + ow + dx, 0, width);
      if (drag.handle.includes("n")) y0 = clamp(oy + dy, 0, height);
      if (drag.handle.includes("s")) y1 = clamp(oy + oh + dy, 0, height);
      bbox = [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
    }
    boxes[selected].bbox = bbox;
    drag.changed = true;
    render();
  }

  overlay.addEventListener("pointerup", (event) => {
    if (!drag) return;
    const [x, y] = toImage(event);
    const finished = drag;
    drag = null;
    if (finished.mode === "draw") {
      finished.preview?.remove();
      const w = Math.abs(x - finished.startX);
      const h = Math.abs(y - finished.startY);
      if (w * zoom >= MIN_DRAG && h * zoom >= MIN_DRAG) {
        addBox([Math.min(x, finished.startX), Math.min(y, finished.startY), w, h]);
      }
    } else if (finished.changed && (finished.mode === "move" || finished.mode === "resize")) {
      const next = cloneBoxes();
      next[selected].bbox = normalise(next[selected].bbox);
      commit(next, `Box ${selected + 1} ${finished.mode === "move" ? "moved" : "resized"}`);
    }
  });

  stage.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    stepZoom(event.deltaY < 0 ? 1 : -1, event);
  }, { passive: false });

  // Keyboard
  function nudge(dx, dy, grow) {
    if (selected < 0 || readOnly) return;
    const next = cloneBoxes();
    const [x, y, w, h] = next[selected].bbox;
    next[selected].bbox = grow
      ? normalise([x, y, Math.max(1, w + dx), Math.max(1, h + dy)])
      : normalise([clamp(x + dx, 0, width - w), clamp(y + dy, 0, height - h), w, h]);
    commit(next);
  }

  root.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement || target instanceof HTMLInputElement) return;
    const key = event.key;
    const ctrl = event.ctrlKey || event.metaKey;
    if (key === " ") { spaceDown = true; if (target === root) event.preventDefault(); return; }
    if (ctrl && (key === "z" || key === "Z")) { event.preventDefault(); event.shiftKey ? redo() : undo(); return; }
    if (ctrl && (key === "y" || key === "Y")) { event.preventDefault(); redo(); return; }
    if (ctrl) return;
    if (/^[1-9]$/.test(key) && Number(key) <= labels.length) { chooseLabel(labels[Number(key) - 1]); return; }
    if ((key === "Delete" || key === "Backspace") && selected >= 0) { event.preventDefault(); removeBox(selected); return; }
    if (key === "Escape") { select(-1); return; }
    if (key === "Tab" && target === root && boxes.length) {
      event.preventDefault();
      select((selected + (event.shiftKey ? -1 : 1) + boxes.length) % boxes.length);
      return;
    }
    if ((key === "n" || key === "N") && !readOnly) {
      const w = Math.min(80, width), h = Math.min(60, height);
      const cx = (stage.scrollLeft + stage.clientWidth / 2) / zoom;
      const cy = (stage.scrollTop + stage.clientHeight / 2) / zoom;
      addBox([clamp(cx - w / 2, 0, width - w), clamp(cy - h / 2, 0, height - h), w, h]);
      return;
    }
    if (key === "+" || key === "=") { stepZoom(1); return; }
    if (key === "-" || key === "_") { stepZoom(-1); return; }
    if (key === "0") { fit(); return; }
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[key] && selected >= 0) {
      event.preventDefault();
      const step = event.shiftKey ? 10 : 1;
      nudge(arrows[key][0] * step, arrows[key][1] * step, event.altKey);
    }
  });
  root.addEventListener("keyup", (event) => { if (event.key === " ") spaceDown = false; });

  zoomIn.addEventListener("click", () => stepZoom(1));
  zoomOut.addEventListener("click", () => stepZoom(-1));
  zoomFit.addEventListener("click", fit);
  undoButton.addEventListener("click", undo);
  redoButton.addEventListener("click", redo);
  image.addEventListener("load", fit, { once: true });
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  render();

  // Result overlay after submission: gold dashed, answers coloured by outcome.
  function showResult(result) {
    resultLayer.replaceChildren();
    const matchedGold = new Map(result.matches.map((match) => [match.gold, match]));
    const matchedAnswer = new Map(result.matches.map((match) => [match.answer, match]));
    result.gold.objects.forEach((object, index) => {
      const [x, y, w, h] = object.bbox;
      const hit = matchedGold.has(index);
      resultLayer.append(svg("rect", { x, y, width: w, height: h, class: hit ? "result-gold" : "result-missed",
        "stroke-width": 2.5 / zoom }));
      if (!hit) {
        const text = svg("text", { x: x + 3, y: y + h - 5, class: "result-label result-label-missed", "font-size": 13 / zoom });
        text.textContent = `missed ${object.label}`;
        resultLayer.append(text);
      }
    });
    boxes.forEach((box, index) => {
      const match = matchedAnswer.get(index);
      const [x, y] = box.bbox;
      const text = svg("text", { x: x + 3, y: y > 30 ? y - 18 / zoom : y + 28 / zoom,
        class: "result-label " + (match ? "result-label-ok" : "result-label-bad"), "font-size": 13 / zoom });
      text.textContent = match ? `IoU ${match.iou.toFixed(2)}` : "✗ wrong";
      resultLayer.append(text);
    });
    root.classList.add("has-result");
  }

  return {
    getAnswer() {
      return { objects: boxes.map((box) => ({ bbox: box.bbox.map((v) => Math.round(v * 100) / 100), label: box.label })) };
    },
    setAnswer(answer) {
      boxes = (answer?.objects || []).map((object) => ({ bbox: [...object.bbox], label: object.label }));
      history.past = [];
      history.future = [];
      history.present = boxes.map((box) => ({ bbox: [...box.bbox], label: box.label }));
      selected = -1;
      render();
    },
    showResult,
    setReadOnly(flag) {
      readOnly = Boolean(flag);
      root.classList.toggle("is-readonly", readOnly);
      selected = -1;
      render();
    },
    destroy() {
      container.replaceChildren();
    },
  };
}
