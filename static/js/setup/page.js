// The /setup page: runs the speed test (speedtest.js), draws the gauge and progress, announces each
// phase, posts the result to the API and shows the readiness report it returns; fills in what the
// browser can detect about the workspace. The judging itself happens on the server.

import { runSpeedTest } from "./speedtest.js";

const section = document.getElementById("speedtest");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content || "";
const byId = (id) => document.getElementById(id);

const PHASE_TEXT = {
  ping: "Measuring latency…",
  download: "Measuring download speed…",
  upload: "Measuring upload speed…",
  done: "Judging the result…",
};
const GAUGE_MAX_MBPS = 1000;          // the gauge is logarithmic up to 1 Gbit/s
const GAUGE = { cx: 100, cy: 100, r: 80 };

/** An element with attributes and children (strings become text, never markup). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function formatNumber(value, unit) {
  if (value === null || value === undefined) return "not measured";
  const places = value >= 100 ? 0 : 1;
  return `${value.toFixed(places)} ${unit}`;
}

// ---------------------------------------------------------------------------------------------
// Gauge: a half circle; the coloured arc grows with the live reading on a log scale.

function arcPath(fraction) {
  const angle = Math.PI * (1 - Math.max(0, Math.min(1, fraction)));
  const x = GAUGE.cx + GAUGE.r * Math.cos(angle);
  const y = GAUGE.cy - GAUGE.r * Math.sin(angle);
  return `M ${GAUGE.cx - GAUGE.r} ${GAUGE.cy} A ${GAUGE.r} ${GAUGE.r} 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

function drawGauge(mbps, label) {
  const fraction = mbps > 0 ? Math.log10(1 + mbps) / Math.log10(1 + GAUGE_MAX_MBPS) : 0;
  byId("gauge-track").setAttribute("d", arcPath(1));
  byId("gauge-value").setAttribute("d", fraction > 0 ? arcPath(fraction) : "");
  byId("gauge-number").textContent = mbps === null ? "–" : mbps.toFixed(mbps >= 100 ? 0 : 1);
  byId("gauge-label").textContent = label;
}

// ---------------------------------------------------------------------------------------------
// Results and the readiness report

const FIGURE_ROWS = [
  ["download_mbps", "Download", "Mbps"], ["upload_mbps", "Upload", "Mbps"], ["ping_ms", "Latency (idle)", "ms"],
  ["jitter_ms", "Jitter", "ms"], ["loaded_latency_ms", "Latency under load", "ms"],
];

function showFigures(figures) {
  const list = byId("speedtest-figures");
  list.replaceChildren(...FIGURE_ROWS.flatMap(([key, label, unit]) => [
    el("dt", {}, label), el("dd", { "data-figure": key }, formatNumber(figures[key], unit))]));
  list.hidden = false;
  byId("speedtest-method").textContent = figures.upload_measured_by === "server"
    ? "Upload speed is what the portal itself received, added up over the parallel streams."
    : "Upload speed is what your browser counted as sent (the server did not report what it received).";
}

function chip(status, text) {
  return el("span", { class: `chip chip-${status}` }, text);
}

const STATUS_TEXT = { pass: "Pass", borderline: "Borderline", fail: "Fail", unmeasured: "Not measured" };

function profileCard(profile) {
  const checks = el("ul", { class: "check-list" }, ...profile.checks.map((check) => el("li", {},
    chip(check.status, STATUS_TEXT[check.status]), " ",
    el("strong", {}, check.label), `: ${formatNumber(check.value, check.unit)} (needs ${check.requirement}). `,
    el("details", { class: "check-source" },
      el("summary", {}, "Why this limit"),
      el("p", {}, check.source.says, " ", el("a", { href: check.source.url, rel: "noopener" }, check.source.title)),
      ...check.also.map((source) => el("p", {}, "See also: ", el("a", { href: source.url, rel: "noopener" }, source.title)))))));
  const advice = profile.advice.length
    ? el("div", { class: "advice" }, el("h4", {}, "What to do"),
      el("ul", {}, ...profile.advice.map((item) => el("li", {}, el("strong", {}, `${item.label}: `), item.text))))
    : null;
  return el("article", { class: `card profile-card verdict-${profile.verdict}`, "data-profile": profile.id },
    el("h3", {}, profile.name, " ", chip(profile.verdict, profile.verdict_text)),
    el("p", { class: "hint" }, profile.summary), checks, advice);
}

function showReadiness(readiness) {
  byId("readiness-profiles").replaceChildren(...readiness.profiles.map(profileCard));
  byId("quality-list").replaceChildren(...readiness.quality.use_cases.map((useCase) => el("li", {},
    el("strong", {}, useCase.name), useCase.ours ? " (our own check)" : "", ": ",
    useCase.grade ? chip(`grade-${useCase.grade}`, useCase.grade) : "not measured",
    useCase.grade ? ` (${useCase.points} points)` : "")));
  const bloat = readiness.bufferbloat;
  byId("bufferbloat-grade").replaceChildren(bloat.grade
    ? el("span", {}, chip(`bloat-${bloat.grade === "A+" ? "aplus" : bloat.grade.toLowerCase()}`, bloat.grade),
      ` Latency rose by ${bloat.added_latency_ms.toFixed(1)} ms under load.`)
    : "Latency under load was not measured, so there is no grade.");
  byId("readiness").hidden = false;
}

async function postResult(figures) {
  const response = await fetch(section.dataset.resultsUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    credentials: "same-origin",
    body: JSON.stringify(figures),
  });
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new Error(payload?.error || `the server answered ${response.status}`);
  return payload;
}

// ---------------------------------------------------------------------------------------------
// Running the test

let controller = null;

function setRunning(running) {
  byId("speedtest-start").hidden = running;
  byId("speedtest-cancel").hidden = !running;
  section.setAttribute("aria-busy", running ? "true" : "false");
}

function announce(text) {
  const status = byId("speedtest-phase");
  if (status.textContent !== text) status.textContent = text;
}

function showError(message) {
  const box = byId("speedtest-error");
  box.textContent = message;
  box.hidden = !message;
}

function settings() {
  const data = section.dataset;
  return {
    seconds: Number(data.seconds), streamsDown: Number(data.streamsDown), streamsUp: Number(data.streamsUp),
    graceDown: Number(data.graceDown), graceUp: Number(data.graceUp), pings: Number(data.pings),
  };
}

async function start() {
  controller = new AbortController();
  showError("");
  setRunning(true);
  byId("readiness").hidden = true;
  byId("speedtest-figures").hidden = true;
  byId("speedtest-saved").textContent = "";
  const progress = byId("speedtest-progress");
  let lastPhase = null;
  try {
    const figures = await runSpeedTest({
      garbageUrl: section.dataset.garbageUrl, emptyUrl: section.dataset.emptyUrl,
      settings: settings(), signal: controller.signal,
      onProgress: ({ phase, progress: fraction, mbps, pingMs }) => {
        progress.value = Math.round(fraction * 100);
        progress.textContent = `${Math.round(fraction * 100)}%`;
        if (phase !== lastPhase) {
          lastPhase = phase;
          announce(PHASE_TEXT[phase]);
        }
        if (phase === "ping") drawGauge(null, pingMs ? `latency ${pingMs.toFixed(0)} ms` : "latency");
        else if (phase !== "done") drawGauge(mbps ?? 0, `Mbps ${phase}`);
      },
    });
    showFigures(figures);
    drawGauge(figures.download_mbps, "Mbps download");
    const payload = await postResult(figures);
    showReadiness(payload.readiness);
    announce("Test finished: the readiness report is below.");
    byId("speedtest-saved").replaceChildren(payload.saved
      ? el("span", {}, "Saved to ", el("a", { href: section.dataset.historyUrl }, "your setup history"), ".")
      : el("span", {}, "Not saved: ", el("a", { href: section.dataset.loginUrl }, "log in"),
        " to keep your results and compare them over time."));
  } catch (error) {
    if (controller.signal.aborted) {
      announce("Test cancelled. Start it again when you are ready.");
    } else {
      announce("The test stopped.");
      showError(error.message || "The test failed. Try again.");
    }
    progress.value = 0;
  } finally {
    setRunning(false);
    controller = null;
  }
}

function cancel() {
  controller?.abort(new DOMException("cancelled", "AbortError"));
}

// ---------------------------------------------------------------------------------------------
// Workspace: only what the browser can honestly tell.

const detected = {};

function describeDetected() {
  const facts = [
    ["Processor cores", detected.cpu_cores ?? "not shared by this browser"],
    ["Memory", detected.device_memory_gb ? `about ${detected.device_memory_gb} GB (browsers report a rounded figure)`
      : "not shared by this browser"],
    ["Screen", `${detected.screen_width} × ${detected.screen_height} pixels at ${detected.pixel_ratio}× scaling`],
    ["More than one monitor", detected.extended_display === undefined ? "this browser cannot tell"
      : detected.extended_display ? "yes" : "no"],
    ["Microphones and headsets", detected.microphones === undefined ? "not checked yet"
      : `${detected.microphones} microphone(s), ${detected.speakers} speaker or headphone output(s)`],
  ];
  byId("detected-facts").replaceChildren(...facts.flatMap(([label, value]) => [
    el("dt", {}, label), el("dd", {}, String(value))]));
  const field = byId("detected");
  if (field) field.value = JSON.stringify(detected);
}

function detectWorkspace() {
  if (navigator.hardwareConcurrency) detected.cpu_cores = navigator.hardwareConcurrency;
  if (navigator.deviceMemory) detected.device_memory_gb = navigator.deviceMemory;
  detected.screen_width = window.screen.width;
  detected.screen_height = window.screen.height;
  detected.pixel_ratio = Number((window.devicePixelRatio || 1).toFixed(2));
  if (typeof window.screen.isExtended === "boolean") detected.extended_display = window.screen.isExtended;
  describeDetected();
}

async function detectAudio() {
  const status = byId("audio-status");
  if (!navigator.mediaDevices?.getUserMedia) {
    status.textContent = "This browser cannot list audio devices here (it needs a secure https:// page).";
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const devices = await navigator.mediaDevices.enumerateDevices();
    stream.getTracks().forEach((track) => track.stop());
    detected.microphones = devices.filter((device) => device.kind === "audioinput").length;
    detected.speakers = devices.filter((device) => device.kind === "audiooutput").length;
    status.textContent = "Audio devices listed. The microphone was switched off again straight away.";
    describeDetected();
  } catch (error) {
    status.textContent = error.name === "NotAllowedError"
      ? "You did not allow microphone access, so we cannot tell whether a headset is attached."
      : "No microphone was found, or it is in use by another program.";
  }
}

if (section) {
  drawGauge(null, "Mbps");
  byId("speedtest-start").addEventListener("click", start);
  byId("speedtest-cancel").addEventListener("click", cancel);
  window.addEventListener("pagehide", cancel);
}
if (byId("detected-facts")) {
  detectWorkspace();
  byId("detect-audio").addEventListener("click", detectAudio);
}
