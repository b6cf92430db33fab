// The practice page shell shared by every task type (contract: docs/practice-widgets.md). It reads
// #exercise's data attributes, imports the task's widget module and talks to the JSON API:
//   practice mode   - load an item, submit the answer, show the score and feedback;
//   assessment mode - a timed test: one item at a time, autosaved answers, submit at the end.
// The widget only draws and edits answers; everything about the server lives here.

const section = document.getElementById("exercise");
const widgetRoot = document.getElementById("widget-root");
const resultPanel = document.getElementById("result");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";

const SAVE_DELAY_MS = 800;        // autosave this long after the last edit
const SAVE_RETRY_MS = 5000;       // retry a failed autosave (network or server trouble) after this
const FINAL_SAVE_SECONDS = 10;    // flush pending answers this close to the deadline
const WARNING_SECONDS = 60;      // the timer turns to its warning style below this
const WARN_AT_SECONDS = [300, 60]; // screen readers hear "5 minutes left", "1 minute left"
const MAX_ELAPSED_MS = 24 * 3600 * 1000;

// ---------------------------------------------------------------------------------------------
// HTTP

/** An API failure: the server's own message, the field it names, and the HTTP status (0: network). */
class ApiError extends Error {
  constructor(message, status = 0, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

/** Call the JSON API; resolves to the parsed body, rejects with an ApiError carrying its "error". */
async function api(url, { method = "GET", body, signal, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken;
  let response;
  try {
    response = await fetch(url, {
      method, headers, signal, keepalive, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("the server could not be reached; check your connection and try again");
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const message = payload?.error || `the server answered ${response.status} ${response.statusText}`.trim();
    throw new ApiError(message, response.status, payload?.field ?? null);
  }
  if (payload === null) throw new ApiError("the server's answer was not valid JSON", response.status);
  return payload;
}

// ---------------------------------------------------------------------------------------------
// DOM helpers

const byId = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text, never markup). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function percent(value) {
  return `${Math.round((Number(value) || 0) * 100)}%`;
}

/** "m:ss", or "h:mm:ss" from an hour up. */
function formatClock(totalSeconds) {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** An error in #result, in the error style, announced at once and scrolled into view. */
function showError(message, field = null) {
  const named = field && !message.includes(field);
  const text = el("span", {}, message, named ? el("span", { class: "result-error-field" }, ` (${field})`) : null);
  resultPanel.replaceChildren(el("p", { class: "result-error", role: "alert" }, text));
  resultPanel.scrollIntoView({ behavior: "smooth", block: "nearest" });
}

function clearResult() {
  resultPanel.replaceChildren();
}

/** A placeholder in the widget area: a busy "Loading…" or a plain message. */
function showPlaceholder(message, busy) {
  widgetRoot.setAttribute("aria-busy", String(busy));
  widgetRoot.replaceChildren(el("p", { class: "loading" }, message));
}

/** A live region of our own for announcements that have no visible home (timer warnings). */
function announcer() {
  const region = el("p", { class: "visually-hidden", "aria-live": "assertive" });
  section.append(region);
  return (message) => { region.textContent = message; };
}

async function loadWidget() {
  return import(new URL(section.dataset.widget, document.baseURI).href);
}

// ---------------------------------------------------------------------------------------------
// Practice mode

class PracticeSession {
  constructor(widgetModule) {
    this.widgetModule = widgetModule;
    this.difficulty = byId("difficulty");
    this.newItemButton = byId("new-item");
    this.submitButton = byId("submit-answer");
    this.itemMeta = byId("item-meta");
    this.widget = null;
    this.item = null;
    this.startedAt = 0;
    this.edited = false;
    this.submitted = false;
    this.submitting = false;
    this.loading = null;  // AbortController of the item request in flight
    this.lastDifficulty = null;  // to put the select back when the user keeps the current item
  }

  start() {
    const initial = section.dataset.difficulty;
    if (this.difficulty && initial && [...this.difficulty.options].some((option) => option.value === initial)) {
      this.difficulty.value = initial;
    }
    this.lastDifficulty = this.difficulty?.value || initial || "easy";
    this.difficulty?.addEventListener("change", () => this.onDifficultyChange());
    this.newItemButton?.addEventListener("click", () => this.onNewItem());
    this.submitButton?.addEventListener("click", () => this.submit());
    this.updateButtons();
    return this.load(section.dataset.seed);
  }

  currentDifficulty() {
    return this.difficulty?.value || section.dataset.difficulty || "easy";
  }

  /** Fetch an item (a given seed, or a random one) and mount it; the old item stays on failure. */
  async load(seed) {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    const params = new URLSearchParams({ difficulty: this.currentDifficulty() });
    if (seed !== undefined && seed !== null && seed !== "") params.set("seed", seed);
    this.setLoading(true);
    try {
      const item = await api(`${section.dataset.itemUrl}?${params}`, { signal: controller.signal });
      if (this.loading !== controller) return;
      this.mountItem(item);
    } catch (error) {
      if (error.name === "AbortError" || this.loading !== controller) return;
      showError(`Could not load an item: ${error.message}.`, error.field);
      if (!this.widget) showPlaceholder("No item loaded. Press New item to try again.", false);
      if (this.item && this.difficulty) {  // the item on screen stays, so does its difficulty
        this.difficulty.value = this.item.difficulty;
        this.lastDifficulty = this.item.difficulty;
      }
    } finally {
      if (this.loading === controller) {
        this.loading = null;
        this.setLoading(false);
      }
    }
  }

  setLoading(busy) {
    widgetRoot.setAttribute("aria-busy", String(busy));
    if (busy && !this.widget) showPlaceholder("Loading the item…", true);
    if (busy && this.itemMeta) this.itemMeta.textContent = "Loading…";
    if (!busy && this.itemMeta) this.itemMeta.textContent = this.item ? this.describeItem(this.item) : "";
    this.updateButtons();
  }

  describeItem(item) {
    return `Item ${item.item_id} · ${item.difficulty}`;
  }

  mountItem(item) {
    this.widget?.destroy();
    widgetRoot.replaceChildren();
    this.item = item;
    this.edited = false;
    this.submitted = false;
    clearResult();
    this.widget = this.widgetModule.mount(widgetRoot, item, { onChange: () => this.onWidgetChange() });
    this.startedAt = performance.now();
    if (this.difficulty && item.difficulty) this.difficulty.value = item.difficulty;
    this.lastDifficulty = this.currentDifficulty();
    this.rememberInUrl(item);
  }

  /** Put ?difficulty=&seed= in the address bar, so a reload shows the same item. */
  rememberInUrl(item) {
    const url = new URL(window.location.href);
    url.searchParams.set("difficulty", item.difficulty);
    url.searchParams.set("seed", String(item.seed));
    history.replaceState(history.state, "", url);
  }

  onWidgetChange() {
    this.edited = true;
    this.updateButtons();
  }

  updateButtons() {
    const busy = Boolean(this.loading);
    if (this.submitButton) {
      this.submitButton.disabled = busy || this.submitting || this.submitted || !this.widget || !this.edited;
    }
    if (this.newItemButton) this.newItemButton.disabled = this.submitting;
  }

  /** True when leaving the item loses nothing, or the user agreed to drop their boxes. */
  confirmDiscard() {
    if (!this.widget || this.submitted || !this.edited) return true;
    const count = this.widget.getAnswer()?.objects?.length || 0;
    if (!count) return true;
    return window.confirm(`Discard your ${count} unsubmitted box${count === 1 ? "" : "es"} and load a new item?`);
  }

  onNewItem() {
    if (!this.confirmDiscard()) return;
    this.load();
  }

  onDifficultyChange() {
    if (!this.confirmDiscard()) {
      this.difficulty.value = this.lastDifficulty;
      return;
    }
    this.lastDifficulty = this.currentDifficulty();
    this.load();
  }

  async submit() {
    if (!this.widget || !this.item || this.submitting || this.submitted) return;
    const answer = this.widget.getAnswer();
    if (Array.isArray(answer?.objects) && !answer.objects.length &&
        !window.confirm("You have not drawn any boxes. Submit an empty answer?")) return;
    this.submitting = true;
    this.updateButtons();
    const label = this.submitButton?.textContent;
    if (this.submitButton) this.submitButton.textContent = "Scoring…";
    resultPanel.setAttribute("aria-busy", "true");
    try {
      const elapsed = Math.min(MAX_ELAPSED_MS, Math.max(0, Math.round(performance.now() - this.startedAt)));
      const result = await api(section.dataset.submitUrl, {
        method: "POST", body: { item_id: this.item.item_id, answer, elapsed_ms: elapsed },
      });
      this.showScored(result);
    } catch (error) {
      // The boxes stay as they are and editable: fix the problem and submit again.
      showError(`Not scored: ${error.message}. Your boxes are kept; you can edit them and submit again.`, error.field);
    } finally {
      this.submitting = false;
      if (this.submitButton) this.submitButton.textContent = label;
      resultPanel.setAttribute("aria-busy", "false");
      this.updateButtons();
    }
  }

  showScored(result) {
    this.submitted = true;
    this.widget.showResult(result);
    this.widget.setReadOnly(true);
    resultPanel.replaceChildren(renderScore(result, section.dataset.guideUrl, {
      onRetry: () => this.editAgain(),
      onNext: () => this.load(),
    }));
    resultPanel.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }

  /** Back to editing the same boxes after seeing the result (the overlay goes away). */
  editAgain() {
    this.submitted = false;
    this.widget.setReadOnly(false);
    clearResult();
    this.startedAt = performance.now();
    this.updateButtons();
    widgetRoot.querySelector("[tabindex='0']")?.focus();
  }
}

/** The result card: verdict, metrics table, feedback list, guide link and next steps. */
function renderScore(result, fallbackGuideUrl, { onRetry, onNext }) {
  const passMark = Number(result.pass_mark);
  const passed = result.passed ?? Number(result.score) >= passMark;
  const verdict = el("div", { class: `verdict ${passed ? "verdict-pass" : "verdict-fail"}` },
    el("p", { class: "verdict-score" }, percent(result.score)),
    el("div", { class: "result-verdict-text" },
      el("p", { class: "verdict-title" }, passed ? "✓ Pass" : "✗ Below the pass mark"),
      el("p", {}, `Score ${percent(result.score)} (F1); the pass mark is ${percent(passMark)}.`)));
  const grid = el("div", { class: "result-grid" },
    el("section", {}, el("h3", {}, "Metrics"), metricsTable(result.metrics || {})),
    el("section", {}, el("h3", {}, "Feedback"), feedbackList(result.feedback || [])));
  const retry = el("button", { type: "button", class: "button button-secondary" }, "Edit my boxes and resubmit");
  const next = el("button", { type: "button", class: "button" }, "Next item");
  retry.addEventListener("click", onRetry);
  next.addEventListener("click", onNext);
  const actions = el("p", { class: "result-actions" },
    el("a", { href: result.guide_url || fallbackGuideUrl || "#" }, "Review the guide"), retry, next);
  return el("div", { class: "result-card" }, verdict, grid, actions);
}

function metricsTable(metrics) {
  const decimal = (value) => (Number.isFinite(Number(value)) ? Number(value).toFixed(2) : "–");
  const rows = [
    ["Precision", percent(metrics.precision), "your boxes that are right"],
    ["Recall", percent(metrics.recall), "objects you found"],
    ["F1", percent(metrics.f1), "the score: precision and recall together"],
    ["Mean IoU", decimal(metrics.mean_iou), "overlap of matched boxes (1 = perfect)"],
    ["TP", metrics.tp ?? "–", "matched boxes"],
    ["FP", metrics.fp ?? "–", "boxes that match nothing"],
    ["FN", metrics.fn ?? "–", "objects missed"],
  ];
  if (metrics.f1_at_075 !== undefined) rows.push(["F1 at IoU 0.75", percent(metrics.f1_at_075), "the stricter bar"]);
  const body = el("tbody", {}, ...rows.map(([name, value, note]) => el("tr", {},
    el("th", { scope: "row" }, name, el("span", { class: "metric-note" }, note)), el("td", {}, String(value)))));
  return el("table", { class: "data-table metrics-table" },
    el("caption", { class: "visually-hidden" }, "Metrics for this answer"), body);
}

function feedbackList(feedback) {
  if (!feedback.length) return el("p", {}, "No objects to find here, and no boxes drawn: correct.");
  return el("ul", { class: "feedback-list" }, ...feedback.map((note) => {
    const kind = /^[a-z_]+$/.test(note.kind || "") ? note.kind : "info";
    const prefix = Number.isInteger(note.answer) ? `Box ${note.answer + 1}: ` : "";
    return el("li", { class: `feedback feedback-${kind}` }, prefix + (note.message || ""));
  }));
}

// ---------------------------------------------------------------------------------------------
// Assessment mode

class AssessmentSession {
  constructor(widgetModule) {
    this.widgetModule = widgetModule;
    this.url = section.dataset.assessmentUrl;
    this.reviewUrl = section.dataset.reviewUrl;
    this.ui = {
      prev: byId("prev-item"), next: byId("next-item"), position: byId("item-position"),
      saveStatus: byId("save-status"), timer: byId("timer"), finish: byId("finish-test"),
    };
    this.items = [];
    this.answers = new Map();    // position -> latest answer in this browser
    this.versions = new Map();   // position -> edit counter, to spot edits made during a save
    this.dirty = new Set();      // positions whose latest answer the server does not have yet
    this.position = 0;
    this.widget = null;
    this.closed = false;         // time is up or the test was handed in: no more edits or saves
    this.saveQueue = Promise.resolve();
    this.saveTimer = null;
    this.retryTimer = null;
    this.clock = null;
    this.deadline = 0;           // performance.now() at which the time runs out
    this.shownSeconds = null;
    this.warned = new Set();     // the "minutes left" announcements already made
    this.finalFlushDone = false;
    this.finalSaveAllowed = false;  // at time-up, pending answers get one last try
    this.announce = announcer();
  }

  async start() {
    let test;
    try {
      test = await api(this.url);
    } catch (error) {
      showPlaceholder("The test could not be loaded.", false);
      showError(`Could not load the test: ${error.message}. Reload the page to try again.`, error.field);
      return;
    }
    if (test.status !== "in_progress") {
      window.location.assign(test.review_url || this.reviewUrl);
      return;
    }
    if (test.review_url) this.reviewUrl = test.review_url;
    this.items = test.items || [];
    for (const [key, answer] of Object.entries(test.answers || {})) this.answers.set(Number(key), answer);
    if (!this.items.length) {
      showPlaceholder("This test has no items.", false);
      return;
    }
    this.bindControls();
    this.startClock(Number(test.seconds_left) || 0);
    this.show(0);
  }

  bindControls() {
    this.ui.prev?.addEventListener("click", () => this.move(-1));
    this.ui.next?.addEventListener("click", () => this.move(1));
    this.ui.finish?.addEventListener("click", () => this.finish());
    window.addEventListener("beforeunload", (event) => {
      if (this.closed || !this.hasUnsaved()) return;
      event.preventDefault();
      event.returnValue = "";
    });
    window.addEventListener("pagehide", () => this.saveOnExit());
  }

  // --- items ---

  show(index) {
    this.widget?.destroy();
    widgetRoot.replaceChildren();
    this.position = index;
    const item = this.items[index];
    this.widget = this.widgetModule.mount(widgetRoot, item, { onChange: () => this.onWidgetChange() });
    if (this.answers.has(index)) this.widget.setAnswer(this.answers.get(index));
    if (this.closed) this.widget.setReadOnly(true);
    widgetRoot.setAttribute("aria-busy", "false");
    if (this.ui.position) this.ui.position.textContent = `Item ${index + 1} of ${this.items.length}`;
    if (this.ui.prev) this.ui.prev.disabled = index === 0;
    if (this.ui.next) this.ui.next.disabled = index === this.items.length - 1;
  }

  move(step) {
    const target = Math.min(this.items.length - 1, Math.max(0, this.position + step));
    if (target === this.position) return;
    this.captureCurrent();
    this.saveNow();
    this.show(target);
  }

  /** Copy the widget's answer into `answers` (only when it changed: see onWidgetChange). */
  captureCurrent() {
    if (this.widget && this.dirty.has(this.position) && !this.closed) {
      this.answers.set(this.position, this.widget.getAnswer());
    }
  }

  onWidgetChange() {
    if (this.closed) return;
    const position = this.position;
    this.answers.set(position, this.widget.getAnswer());
    this.versions.set(position, (this.versions.get(position) || 0) + 1);
    this.dirty.add(position);
    this.setSaveStatus("saving");
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }

  // --- saving ---

  hasUnsaved() {
    return this.dirty.size > 0;
  }

  /** Save every unsaved answer now, one request at a time; resolves when the queue is done. */
  saveNow() {
    clearTimeout(this.saveTimer);
    clearTimeout(this.retryTimer);
    this.saveQueue = this.saveQueue.then(() => this.saveDirty());
    return this.saveQueue;
  }

  async saveDirty() {
    for (const position of [...this.dirty].sort((a, b) => a - b)) {
      if (this.closed && !this.finalSaveAllowed) return;
      const version = this.versions.get(position) || 0;
      const answer = this.answers.get(position);
      this.setSaveStatus("saving");
      try {
        await api(`${this.url}/answers/${position}`, { method: "PUT", body: { answer } });
        if ((this.versions.get(position) || 0) === version) this.dirty.delete(position);
      } catch (error) {
        this.onSaveFailed(error, position);
        return;
      }
    }
    if (!this.dirty.size) this.setSaveStatus("saved");
  }

  onSaveFailed(error, position) {
    const where = position === this.position ? "" : ` (item ${position + 1})`;
    this.setSaveStatus("error", `${error.message}${where}`);
    if (error.status === 403 || error.status === 409) {
      this.closeTest(error.status === 409 ? "submitted" : "expired", error.message);
    } else if (!this.closed && (error.status === 0 || error.status >= 500)) {
      this.retryTimer = setTimeout(() => this.saveNow(), SAVE_RETRY_MS);
    }
  }

  setSaveStatus(state, reason = "") {
    const status = this.ui.saveStatus;
    if (!status) return;
    status.classList.remove("is-saved", "is-saving", "is-error");
    status.classList.add(`is-${state === "error" ? "error" : state}`);
    status.textContent = { saved: "Saved", saving: "Saving…", error: `Not saved: ${reason}` }[state];
  }

  /** Last chance on leaving the page: hand unsaved answers to the browser to deliver. */
  saveOnExit() {
    if (this.closed) return;
    this.captureCurrent();
    for (const position of this.dirty) {
      api(`${this.url}/answers/${position}`, {
        method: "PUT", body: { answer: this.answers.get(position) }, keepalive: true,
      }).catch(() => {});
    }
  }

  // --- clock ---

  startClock(secondsLeft) {
    this.deadline = performance.now() + secondsLeft * 1000;
    // Announce only the marks still ahead: a test resumed with 2 minutes left skips "5 minutes".
    for (const mark of WARN_AT_SECONDS) {
      if (secondsLeft <= mark) this.warned.add(mark);
    }
    this.clock = setInterval(() => this.tick(), 250);
    this.tick();
  }

  tick() {
    const left = Math.max(0, Math.ceil((this.deadline - performance.now()) / 1000));
    const timer = this.ui.timer;
    if (timer && left !== this.shownSeconds) {
      this.shownSeconds = left;
      timer.textContent = formatClock(left);
      timer.classList.toggle("is-warning", left < WARNING_SECONDS && left > 0);
    }
    for (const mark of WARN_AT_SECONDS) {
      if (left <= mark && left > 0 && !this.warned.has(mark)) {
        this.warned.add(mark);
        this.announce(`${mark / 60} minute${mark === 60 ? "" : "s"} left`);
      }
    }
    if (left <= FINAL_SAVE_SECONDS && left > 0 && this.hasUnsaved() && !this.finalFlushDone) {
      this.finalFlushDone = true;
      this.captureCurrent();
      this.saveNow();
    }
    if (left === 0) this.timeUp();
  }

  timeUp() {
    if (this.closed) return;
    this.captureCurrent();
    // Whatever is still unsaved gets one try: the server decides if it arrived in time.
    this.finalSaveAllowed = true;
    if (this.hasUnsaved()) this.saveNow();
    this.closeTest("expired", "Answers saved before the limit are graded.");
  }

  /** Freeze the test: no more edits or autosaves; point the user to the review page. */
  closeTest(reason, message) {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.clock);
    clearTimeout(this.saveTimer);
    clearTimeout(this.retryTimer);
    this.widget?.setReadOnly(true);
    if (reason === "expired" && this.ui.timer) {
      this.ui.timer.textContent = formatClock(0);
      this.ui.timer.classList.remove("is-warning");
      this.ui.timer.classList.add("is-expired");
    }
    if (this.ui.finish) this.ui.finish.textContent = "See your results";
    const link = el("a", { href: this.reviewUrl }, "See your results");
    resultPanel.replaceChildren(el("p", { class: "result-notice", role: "alert" },
      `${reason === "expired" ? "Time is up. " : ""}${message} `, link));
  }

  // --- handing in ---

  async finish() {
    if (this.closed) {
      window.location.assign(this.reviewUrl);
      return;
    }
    this.captureCurrent();
    if (this.ui.finish) this.ui.finish.disabled = true;
    try {
      await this.saveNow();
      if (this.closed) return;
      if (!window.confirm(this.finishQuestion())) return;
      await this.submitTest();
    } finally {
      if (this.ui.finish) this.ui.finish.disabled = false;
    }
  }

  finishQuestion() {
    const empty = this.items.map((_, index) => index)
      .filter((index) => !(this.answers.get(index)?.objects?.length))
      .map((index) => index + 1);
    const unsaved = [...this.dirty].map((index) => index + 1).sort((a, b) => a - b);
    const lines = ["Submit the test now? You cannot change your answers afterwards."];
    if (empty.length) {
      lines.push(`Unanswered: item${empty.length === 1 ? "" : "s"} ${empty.join(", ")} (no boxes; will score 0).`);
    }
    if (unsaved.length) lines.push(`Not saved yet: item${unsaved.length === 1 ? "" : "s"} ${unsaved.join(", ")}.`);
    return lines.join("\n\n");
  }

  async submitTest() {
    this.closed = true;  // no autosave may race the hand-in
    clearInterval(this.clock);
    try {
      const outcome = await api(`${this.url}/submit`, { method: "POST", body: {} });
      window.location.assign(outcome.review_url || this.reviewUrl);
    } catch (error) {
      if (error.status === 403 || error.status === 409) {
        window.location.assign(this.reviewUrl);
        return;
      }
      this.closed = false;
      this.clock = setInterval(() => this.tick(), 250);
      showError(`The test was not submitted: ${error.message}. Your saved answers are safe; try again.`, error.field);
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function start() {
  if (!section || !widgetRoot || !resultPanel) return;
  let widgetModule;
  try {
    widgetModule = await loadWidget();
  } catch (error) {
    showPlaceholder("The annotation tool could not be loaded.", false);
    showError("The annotation tool could not be loaded. Reload the page to try again.");
    console.error(error);
    return;
  }
  const session = section.dataset.mode === "assessment"
    ? new AssessmentSession(widgetModule) : new PracticeSession(widgetModule);
  await session.start();
}

start();
