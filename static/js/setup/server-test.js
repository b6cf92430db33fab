// "Run speedtest-cli from this computer": opens the portal's event stream
// (GET /speedtest/server-test/events), lists each phase as the server reports it, then shows the
// figures and readiness verdicts. The server does the measuring; this module only displays it.

const section = document.getElementById("server-test");

function item(text, className) {
  const li = document.createElement("li");
  li.textContent = text;
  if (className) li.className = className;
  return li;
}

function figureLines(result) {
  const loaded = result.loaded_latency_ms === null
    ? "not measured" : `${result.loaded_latency_ms.toFixed(1)} ms`;
  return [
    `Download: ${result.download_mbps.toFixed(1)} Mbit/s`,
    `Upload: ${result.upload_mbps.toFixed(1)} Mbit/s`,
    `Ping: ${result.ping_ms.toFixed(1)} ms, jitter ${result.jitter_ms.toFixed(1)} ms`,
    `Latency under load: ${loaded}`,
    `Server: ${result.server}`,
  ];
}

/** One line per readiness profile: "Video annotation: Ready". */
function verdictLines(readiness) {
  const profiles = Array.isArray(readiness?.profiles) ? readiness.profiles : [];
  return profiles.map((profile) => `${profile.name}: ${profile.verdict_text || profile.verdict}`);
}

function showResult(box, lines, note) {
  box.replaceChildren();
  const list = document.createElement("ul");
  for (const line of lines) list.append(item(line));
  box.append(list);
  if (note) {
    const p = document.createElement("p");
    p.textContent = note;
    box.append(p);
  }
  box.hidden = false;
}

function start(button, phases, box) {
  button.disabled = true;
  phases.replaceChildren();
  box.hidden = true;
  const url = new URL(section.dataset.eventsUrl, window.location.href);
  url.searchParams.set("csrf_token", section.dataset.csrfToken);
  const source = new EventSource(url);
  const rows = new Map();
  let finished = false;

  const stop = () => {
    finished = true;
    source.close();
    button.disabled = false;
  };

  source.addEventListener("phase", (event) => {
    const data = JSON.parse(event.data);
    if (data.state === "started") {
      const row = item(`${data.label}…`, "phase-running");
      rows.set(data.phase, row);
      phases.append(row);
    } else {
      const row = rows.get(data.phase) || phases.appendChild(item(""));
      row.textContent = `${data.label}: done`;
      row.className = "phase-done";
    }
  });
  source.addEventListener("result", (event) => {
    const data = JSON.parse(event.data);
    const lines = [...figureLines(data), ...verdictLines(data.readiness)];
    const note = data.saved ? "Saved to your setup history." : "Log in to keep results in your history.";
    showResult(box, lines, note);
    stop();
  });
  for (const name of ["failed", "busy", "refused"]) {
    source.addEventListener(name, (event) => {
      const data = JSON.parse(event.data);
      showResult(box, [data.message], data.remedy || "");
      stop();
    });
  }
  source.addEventListener("error", () => {
    if (finished) return;
    showResult(box, ["The connection to the portal was lost before the test finished."],
      "Check that the portal is still running, then try again.");
    stop();
  });
}

if (section) {
  const button = section.querySelector("[data-server-test-start]");
  const phases = section.querySelector("[data-server-test-phases]");
  const box = section.querySelector("[data-server-test-result]");
  button.addEventListener("click", () => start(button, phases, box));
}
