// The practice page shell, shared by every task type: loads items, mounts the task's widget,
// submits answers and shows results (practice mode), or runs a timed test (assessment mode).

const section = document.getElementById("exercise");
const widgetRoot = document.getElementById("widget-root");
const resultPanel = document.getElementById("result");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const $ = (id) => document.getElementById(id);

async function api(url, { method = "GET", body } = {}) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = { error: `The server answered ${response.status} without details.` };
  }
  if (!response.ok) {
    const error = new Error(payload?.error || `Request failed (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return payload;
}

function showError(message) {
  resultPanel.replaceChildren();
  const box = document.createElement("p");
  box.className = "result-error";
  box.setAttribute("role", "alert");
  box.textContent = message;
  resultPanel.append(box);
}

function setBusy(busy, message = "Loading…") {
  widgetRoot.setAttribute("aria-busy", String(busy));
  if (busy) {
    const note = document.createElement("p");
    note.className = "loading";
    note.textContent = message;
    widgetRoot.replaceChildren(note);
  }
}

function percent(value) {
  return `${Math.round(value * 100)}%`;
}

function renderResult(result) {
  resultPanel.replaceChildren();
  const verdict = document.createElement("div");
  verdict.className = `verdict ${result.passed ? "verdict-pass" : "verdict-fail"}`;
  const score = document.createElement("p");
  score.className = "verdict-score";
  score.textContent = percent(result.score);
  const text = document.createElement("div");
  const title = document.createElement("p");
  title.className = "verdict-title";
  title.textContent = result.passed ? "Pass" : "Below the pass mark";
  const detail = document.createElement("p");
  detail.textContent = `F1 score; pass mark ${percent(result.pass_mark)}.`;
  text.append(title, detail);
  verdict.append(score, text);

  const metrics = result.metrics;
  const table = document.createElement("table");
  table.className = "data-table metrics-table";
  const rows = [["Precision", percent(metrics.precision)], ["Recall", percent(metrics.recall)],
    ["F1", percent(metrics.f1)], ["Mean IoU of matches", metrics.mean_iou.toFixed(2)],
    ["Matched / wrong / missed", `${metrics.tp} / ${metrics.fp} / ${metrics.fn}`],
    ["F1 at IoU 0.75", percent(metrics.f1_at_075)]];
  for (const [name, value] of rows) {
    const row = table.insertRow();
    const head = document.createElement("th");
    head.scope = "row";
    head.textContent = name;
    row.append(head);
    row.insertCell().textContent = value;
  }

  const list = document.createElement("ul");
  list.className = "feedback-list";
  for (const note of result.feedback) {
    const item = document.createElement("li");
    item.className = `feedback feedback-${note.kind}`;
    item.textContent = note.message;
    list.append(item);
  }
  const guide = document.createElement("p");
  const link = document.createElement("a");
  link.href = result.guide_url;
  link.textContent = "Review the guide";
  guide.append(link, document.createTextNode(" · press New item to keep practising."));
  const grid = document.createElement("div");
  grid.className = "result-grid";
  const left = document.createElement("div");
  left.append(verdict, table);
  const right = document.createElement("div");
  const heading = document.createElement("h2");
  heading.textContent = "Feedback";
  right.append(heading, list, guide);
  grid.append(left, right);
  resultPanel.append(grid);
}

async function loadWidgetModule() {
  return import(section.dataset.widget);
}

async function runPractice(widgetModule) {
  const submitButton = $("submit-answer");
  const difficultySelect = $("difficulty");
  let widget = null;
  let item = null;
  let startedAt = 0;

  async function load(seed) {
    submitButton.disabled = true;
    resultPanel.replaceChildren();
    setBusy(true, "Loading the item…");
    const params = new URLSearchParams({ difficulty: difficultySelect.value });
    if (seed !== undefined && seed !== null && seed !== "") params.set("seed", seed);
    try {
      item = await api(`${section.dataset.itemUrl}?${params}`);
    } catch (error) {
      setBusy(false);
      widgetRoot.replaceChildren();
      showError(`Could not load an item: ${error.message}`);
      return;
    }
    widget?.destroy();
    setBusy(false);
    widget = widgetModule.mount(widgetRoot, item, { onChange: () => { submitButton.disabled = false; } });
    submitButton.disabled = false;
    startedAt = performance.now();
    $("item-meta").textContent = `Item ${item.item_id} · ${item.difficulty}`;
    const url = new URL(window.location);
    url.searchParams.set("difficulty", item.difficulty);
    url.searchParams.set("seed", item.seed);
    history.replaceState(null, "", url);
  }

  submitButton.addEventListener("click", async () => {
    if (!widget || !item) return;
    submitButton.disabled = true;
    resultPanel.setAttribute("aria-busy", "true");
    try {
      const result = await api(section.dataset.submitUrl, {
        method: "POST",
        body: { item_id: item.item_id, answer: widget.getAnswer(),
          elapsed_ms: Math.min(86_400_000, Math.round(performance.now() - startedAt)) },
      });
      widget.showResult(result);
      widget.setReadOnly(true);
      renderResult(result);
      resultPanel.scrollIntoView({ behavior: "smooth", block: "nearest" });
    } catch (error) {
      submitButton.disabled = false;  // keep the boxes: the user can fix and resubmit
      showError(`Not scored: ${error.message}`);
    } finally {
      resultPanel.setAttribute("aria-busy", "false");
    }
  });
  $("new-item").addEventListener("click", () => load());
  difficultySelect.addEventListener("change", () => load());
  await load(section.dataset.seed);
}

async function runAssessment(widgetModule) {
  const url = section.dataset.assessmentUrl;
  const saveStatus = $("save-status");
  const timer = $("timer");
  let test;
  try {
    test = await api(url);
  } catch (error) {
    showError(error.message);
    return;
  }
  if (test.status !== "in_progress") {
    window.location.assign(section.dataset.reviewUrl);
    return;
  }
  const answers = { ...test.answers };
  let position = 0;
  let widget = null;
  let saveTimer = null;
  let closed = false;

  function unanswered() {
    return test.items.map((_, index) => index).filter((index) => !answers[index]);
  }

  async function save() {
    clearTimeout(saveTimer);
    if (!widget || closed) return;
    const answer = widget.getAnswer();
    answers[position] = answer;
    saveStatus.textContent = "Saving…";
    try {
      await api(`${url}/answers/${position}`, { method: "PUT", body: { answer } });
      saveStatus.textContent = "Saved";
      saveStatus.className = "save-status is-saved";
    } catch (error) {
      saveStatus.textContent = `Not saved: ${error.message}`;
      saveStatus.className = "save-status is-error";
      if (error.status === 403 || error.status === 409) timeUp(error.message);
    }
  }

  function show(index) {
    position = index;
    widget?.destroy();
    widget = widgetModule.mount(widgetRoot, test.items[index], {
      onChange: () => {
        saveStatus.textContent = "Unsaved changes";
        clearTimeout(saveTimer);
        saveTimer = setTimeout(save, 800);
      },
    });
    if (answers[index]) widget.setAnswer(answers[index]);
    widgetRoot.setAttribute("aria-busy", "false");
    $("item-position").textContent = `Item ${index + 1} of ${test.items.length}`;
    $("prev-item").disabled = index === 0;
    $("next-item").disabled = index === test.items.length - 1;
    if (closed) widget.setReadOnly(true);
  }

  async function move(step) {
    await save();
    show(Math.min(test.items.length - 1, Math.max(0, position + step)));
  }

  function timeUp(message) {
    closed = true;
    widget?.setReadOnly(true);
    showError(message || "Time is up: your saved answers are being graded.");
    setTimeout(() => window.location.assign(section.dataset.reviewUrl), 2500);
  }

  const deadline = Date.now() + test.seconds_left * 1000;
  const tick = () => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    timer.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
    timer.classList.toggle("is-warning", left < 60);
    if (left === 0 && !closed) {
      clearInterval(clock);
      timeUp("Time is up: answers saved before the limit are graded.");
    }
  };
  const clock = setInterval(tick, 1000);
  tick();

  $("prev-item").addEventListener("click", () => move(-1));
  $("next-item").addEventListener("click", () => move(1));
  $("finish-test").addEventListener("click", async () => {
    await save();
    const missing = unanswered().map((index) => index + 1);
    const question = missing.length
      ? `Items ${missing.join(", ")} have no saved answer and will score 0. Submit the test now?`
      : "Submit the whole test now? You cannot change answers afterwards.";
    if (!window.confirm(question)) return;
    closed = true;  // no more autosaves: the test is being handed in
    try {
      const outcome = await api(`${url}/submit`, { method: "POST", body: {} });
      window.location.assign(outcome.review_url);
    } catch (error) {
      if (error.status === 403 || error.status === 409) {
        window.location.assign(section.dataset.reviewUrl);
      } else {
        closed = false;
        showError(`Not submitted: ${error.message}`);
      }
    }
  });
  window.addEventListener("beforeunload", () => { if (!closed) save(); });
  show(0);
}

async function start() {
  if (!section) return;
  let widgetModule;
  try {
    widgetModule = await loadWidgetModule();
  } catch (error) {
    showError("The annotation tool could not be loaded. Reload the page to try again.");
    return;
  }
  if (section.dataset.mode === "assessment") await runAssessment(widgetModule);
  else await runPractice(widgetModule);
}

start();
