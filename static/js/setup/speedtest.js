// The in-browser speed test, measured against the portal's LibreSpeed-style endpoints:
//   GET  <garbage>?ckSize=N  streams N MiB of incompressible bytes (download)
//   GET  <empty>             answers with nothing (latency round trips)
//   POST <empty>             discards the body and says what it received, in X-Received-Bytes and
//                            X-Receive-Seconds (upload as the server saw it)
// Latency: the median of sequential round trips; jitter: the mean absolute difference between
// consecutive ones. Download and upload run several streams for a fixed time and only count what
// arrives after a grace period (slow start and connection set-up would otherwise drag the rate
// down); round trips measured meanwhile give latency under load. Upload is the rate the server
// received, from its receipts (see serverUploadMbps). No dependency, no build step.

const MIB = 1024 * 1024;
const PHASE_WEIGHTS = { ping: 0.1, download: 0.45, upload: 0.45 };
const LOADED_PROBE_GAP_MS = 200;      // pause between round trips measured under load
const GAUGE_WINDOW_MS = 1000;         // the live reading is the rate over the last second
const TICK_MS = 200;
const DOWNLOAD_CHUNK_MIB = 25;        // each download request; streams start a new one when it ends
const UPLOAD_START_BYTES = MIB / 4;   // small, so even a slow uplink completes requests within the test
const UPLOAD_MAX_BYTES = 32 * MIB;
// Bodies double while a request takes less than this: each request ends with a round trip in which
// its stream sends nothing, which costs a fast link several per cent when requests are short.
const QUICK_REQUEST_MS = 1000;
const MIN_UPLOAD_WINDOW_MS = 500;     // a shorter window after the grace period: count from the start

// Browsers open at most 6 HTTP/1.1 connections to one host: one is kept free for latency probes.
export const DEFAULTS = { seconds: 10, streamsDown: 5, streamsUp: 3, graceDown: 1.5, graceUp: 3, pings: 10 };

/** A failure to show as it is: `message` is plain words for the person running the test. */
export class SpeedTestError extends Error {}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Mean absolute difference between consecutive samples (0 for fewer than two). */
export function jitterOf(samples) {
  if (samples.length < 2) return 0;
  let total = 0;
  for (let i = 1; i < samples.length; i += 1) total += Math.abs(samples[i] - samples[i - 1]);
  return total / (samples.length - 1);
}

const round = (value, places = 2) => (value === null ? null : Number(value.toFixed(places)));
const sleep = (ms, signal) => new Promise((resolve) => {
  if (signal.aborted) {
    resolve();
    return;
  }
  const done = () => {
    clearTimeout(timer);
    signal.removeEventListener("abort", done);
    resolve();
  };
  const timer = setTimeout(done, ms);
  signal.addEventListener("abort", done, { once: true });
});

function withNonce(url) {
  const parsed = new URL(url, window.location.href);
  parsed.searchParams.set("r", `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  return parsed.toString();
}

async function failureFrom(response, what) {
  const payload = await response.json().catch(() => null);
  const reason = payload?.error || `the server answered ${response.status}`;
  return new SpeedTestError(`The ${what} could not run: ${reason}`);
}

function networkFailure(error, what, signal) {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof SpeedTestError) return error;
  return new SpeedTestError(`The connection to the test server was lost during the ${what}. ` +
    "Check that you are online and try again.");
}

/** One HTTP round trip to the empty endpoint, in milliseconds. */
async function roundTrip(emptyUrl, signal) {
  const started = performance.now();
  const response = await fetch(withNonce(emptyUrl), { cache: "no-store", signal, credentials: "omit" });
  await response.arrayBuffer();
  if (!response.ok) throw await failureFrom(response, "latency test");
  return performance.now() - started;
}

/**
 * Upload bodies cut from one random (incompressible) mebibyte: a slice of it below a mebibyte, else
 * whole mebibytes referencing it as often as needed. A Blob made of Blobs shares their bytes, so
 * memory stays at one mebibyte whatever the sizes; building bodies from the byte array instead
 * copies it each time and runs out of blob memory.
 */
function uploadBodies() {
  const block = new Uint8Array(MIB);
  for (let offset = 0; offset < MIB; offset += 65536) crypto.getRandomValues(block.subarray(offset, offset + 65536));
  const unit = new Blob([block], { type: "application/octet-stream" });
  const bodies = new Map();
  return (size) => {
    if (!bodies.has(size)) {
      bodies.set(size, size < MIB ? unit.slice(0, size, unit.type)
        : new Blob(Array(size / MIB).fill(unit), { type: unit.type }));
    }
    return bodies.get(size);
  };
}

/** Round trips measured one after another until `stop.done`; only those after the grace period count. */
async function probeUnderLoad(emptyUrl, signal, stop, graceEnds) {
  const samples = [];
  while (!stop.done && !signal.aborted) {
    try {
      const rtt = await roundTrip(emptyUrl, signal);
      if (performance.now() >= graceEnds) samples.push(rtt);
    } catch (error) {
      if (signal.aborted || stop.done) break;
      throw networkFailure(error, "latency probe", signal);
    }
    await sleep(LOADED_PROBE_GAP_MS, signal);
  }
  return samples;
}

/** A byte counter shared by streams, with a rate since the grace period and over the last second. */
class Meter {
  constructor(graceMs) {
    this.total = 0;
    this.start = performance.now();
    this.graceEnds = this.start + graceMs;
    this.baseline = null;
    this.history = [];
  }

  add(bytes) {
    this.total += bytes;
  }

  tick() {
    const now = performance.now();
    if (this.baseline === null && now >= this.graceEnds) this.baseline = { at: now, total: this.total };
    this.history.push({ at: now, total: this.total });
    while (this.history.length > 2 && now - this.history[1].at > GAUGE_WINDOW_MS) this.history.shift();
  }

  liveMbps() {
    const first = this.history[0];
    const last = this.history[this.history.length - 1];
    if (!first || last.at === first.at) return 0;
    return ((last.total - first.total) * 8) / ((last.at - first.at) / 1000) / 1e6;
  }

  countedMbps() {
    const now = performance.now();
    const since = this.baseline ?? { at: this.start, total: 0 };
    const seconds = (now - since.at) / 1000;
    return seconds > 0 ? ((this.total - since.total) * 8) / seconds / 1e6 : 0;
  }
}

/** Run one transfer phase: streams, a latency probe and a ticking meter, for `seconds`. */
async function timedPhase({ name, seconds, graceMs, streams, stream, emptyUrl, signal, report }) {
  const phase = new AbortController();
  const onAbort = () => phase.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const meter = new Meter(graceMs);
  const stop = { done: false };
  const started = performance.now();
  const ticker = setInterval(() => {
    meter.tick();
    report(Math.min(1, (performance.now() - started) / (seconds * 1000)), meter.liveMbps());
  }, TICK_MS);
  const workers = Array.from({ length: streams }, (_, index) => stream(index, meter, phase.signal, stop));
  const probe = probeUnderLoad(emptyUrl, phase.signal, stop, meter.graceEnds);
  let failure = null;
  const watch = Promise.all([...workers, probe]).catch((error) => { failure = error; phase.abort(); });
  await Promise.race([sleep(seconds * 1000, phase.signal), watch]);
  meter.tick();
  stop.done = true;
  const mbps = meter.countedMbps();
  phase.abort();
  clearInterval(ticker);
  const [loaded] = await Promise.allSettled([probe]);
  await watch;
  signal.removeEventListener("abort", onAbort);
  if (signal.aborted) throw signal.reason;
  if (failure) throw networkFailure(failure, name, signal);
  return { mbps, graceEnds: meter.graceEnds, loaded: loaded.status === "fulfilled" ? loaded.value : [] };
}

function downloadStream(garbageUrl) {
  return async (index, meter, signal, stop) => {
    while (!stop.done) {
      let response;
      try {
        response = await fetch(withNonce(`${garbageUrl}?ckSize=${DOWNLOAD_CHUNK_MIB}`),
          { cache: "no-store", signal, credentials: "omit" });
      } catch (error) {
        if (stop.done) return;
        throw error;
      }
      if (!response.ok) throw await failureFrom(response, "download test");
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          meter.add(value.byteLength);
        }
      } catch (error) {
        if (stop.done) return;
        throw error;
      }
    }
  };
}

/**
 * One upload request by XHR (for progress events). Resolves to the server's receipt (bytes, seconds
 * and `end`, when it arrived on this page's clock) or null without one; to undefined when aborted.
 */
function uploadOnce(emptyUrl, body, meter, signal) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let sent = 0;
    const abort = () => xhr.abort();
    signal.addEventListener("abort", abort, { once: true });
    xhr.open("POST", withNonce(emptyUrl));
    xhr.upload.onprogress = (event) => {
      meter.add(event.loaded - sent);
      sent = event.loaded;
    };
    xhr.onload = () => {
      signal.removeEventListener("abort", abort);
      if (xhr.status >= 400) {
        reject(new SpeedTestError(`The upload test could not run: the server answered ${xhr.status}.`));
        return;
      }
      meter.add(body.size - sent);
      const bytes = Number(xhr.getResponseHeader("X-Received-Bytes"));
      const seconds = Number(xhr.getResponseHeader("X-Receive-Seconds"));
      resolve(bytes > 0 && seconds > 0 ? { bytes, seconds, end: performance.now() } : null);
    };
    xhr.onerror = () => { signal.removeEventListener("abort", abort); reject(new Error("upload dropped")); };
    xhr.onabort = () => { signal.removeEventListener("abort", abort); resolve(undefined); };
    xhr.send(body);
  });
}

function uploadStream(emptyUrl, receipts) {
  const bodyOfSize = uploadBodies();
  return async (index, meter, signal, stop) => {
    let size = UPLOAD_START_BYTES;
    receipts[index] = [];
    while (!stop.done) {
      const body = bodyOfSize(size);
      const started = performance.now();
      const receipt = await uploadOnce(emptyUrl, body, meter, signal);
      if (receipt === undefined) return;  // cut short by the end of the phase
      if (receipt) receipts[index].push(receipt);
      if (stop.done) return;
      if (performance.now() - started < QUICK_REQUEST_MS && size < UPLOAD_MAX_BYTES) size *= 2;
    }
  };
}

/**
 * The rate the server received, in Mbit/s, over one window of the page's clock (null without receipts).
 *
 * `receipts` holds each stream's receipts in order; a receipt covers the span from `end - seconds`
 * to `end`. The window runs from `windowStart` (the grace period's end) to the earliest of the
 * streams' last receipts: up to there every stream's requests all finished, so every byte the link
 * carried in the window is in a receipt (a request cut off by the end of the phase never gets one).
 * Requests straddling an edge count in proportion to their overlap. The window is one span for all
 * streams together, so the idle moments between one stream's requests count against the rate, as
 * they should, and no stretch of time is counted twice.
 */
export function serverUploadMbps(receipts, windowStart) {
  const streams = receipts.filter((stream) => stream.length > 0);
  if (!streams.length) return null;
  const spans = streams.flat().map(({ bytes, seconds, end }) => ({ bytes, from: end - seconds * 1000, end }));
  const windowEnd = Math.min(...streams.map((stream) => stream[stream.length - 1].end));
  // Fallbacks, for tests too short for the grace period: from where every stream has receipts, then all.
  const everyStreamFrom = Math.max(...streams.map(([first]) => first.end - first.seconds * 1000));
  const starts = [windowStart, everyStreamFrom, Math.min(...spans.map((span) => span.from))];
  const from = starts.find((start) => windowEnd - start >= MIN_UPLOAD_WINDOW_MS) ?? starts[2];
  if (windowEnd <= from) return null;
  let bytes = 0;
  for (const span of spans) {
    const overlap = Math.min(span.end, windowEnd) - Math.max(span.from, from);
    if (overlap > 0) bytes += (span.bytes * overlap) / (span.end - span.from);
  }
  return (bytes * 8) / ((windowEnd - from) / 1000) / 1e6;
}

/**
 * Measure latency, jitter, download, upload and latency under load.
 * `onProgress({phase, progress, mbps, pingMs})` hears each step (progress is 0..1 for the whole test).
 * Rejects with SpeedTestError (plain words) or with the abort reason when `signal` aborts.
 */
export async function runSpeedTest({ garbageUrl, emptyUrl, settings = {}, signal, onProgress = () => {} }) {
  const options = { ...DEFAULTS, ...settings };
  const progressBefore = { ping: 0, download: PHASE_WEIGHTS.ping, upload: PHASE_WEIGHTS.ping + PHASE_WEIGHTS.download };
  const report = (phase) => (fraction, mbps = null, pingMs = null) =>
    onProgress({ phase, progress: progressBefore[phase] + PHASE_WEIGHTS[phase] * fraction, mbps, pingMs });

  const pingReport = report("ping");
  pingReport(0);
  const samples = [];
  try {
    await roundTrip(emptyUrl, signal);  // opens the connection; not counted
    for (let i = 0; i < options.pings; i += 1) {
      samples.push(await roundTrip(emptyUrl, signal));
      pingReport((i + 1) / options.pings, null, median(samples));
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof SpeedTestError) throw error;
    throw new SpeedTestError("The test server could not be reached. Check that you are online, " +
      "then reload the page and try again.");
  }
  const pingMs = median(samples);

  const down = await timedPhase({
    name: "download test", seconds: options.seconds, graceMs: options.graceDown * 1000,
    streams: options.streamsDown, stream: downloadStream(garbageUrl), emptyUrl, signal,
    report: (fraction, mbps) => report("download")(fraction, mbps),
  });

  const receipts = [];
  const up = await timedPhase({
    name: "upload test", seconds: options.seconds, graceMs: options.graceUp * 1000,
    streams: options.streamsUp, stream: uploadStream(emptyUrl, receipts), emptyUrl, signal,
    report: (fraction, mbps) => report("upload")(fraction, mbps),
  });
  const serverMbps = serverUploadMbps(receipts, up.graceEnds);
  onProgress({ phase: "done", progress: 1, mbps: null, pingMs: null });

  const downLoaded = down.loaded.length ? median(down.loaded) : null;
  const upLoaded = up.loaded.length ? median(up.loaded) : null;
  const loadedBoth = [downLoaded, upLoaded].filter((value) => value !== null);
  return {
    download_mbps: round(down.mbps),
    upload_mbps: round(serverMbps ?? up.mbps),
    upload_server_mbps: round(serverMbps),
    upload_measured_by: serverMbps === null ? "client" : "server",
    ping_ms: round(pingMs),
    jitter_ms: round(jitterOf(samples)),
    // DSLReports grades bufferbloat on the average of the download and upload rises.
    loaded_latency_ms: loadedBoth.length ? round(loadedBoth.reduce((a, b) => a + b, 0) / loadedBoth.length) : null,
    loaded_latency_down_ms: round(downLoaded),
    loaded_latency_up_ms: round(upLoaded),
    streams_down: options.streamsDown,
    streams_up: options.streamsUp,
    server: window.location.host,
  };
}
