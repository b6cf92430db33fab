// Draws the download and upload lines of /setup/history from the results table itself, so the
// table stays the accessible record and the chart only adds the picture.

const SVG = "http://www.w3.org/2000/svg";
const chart = document.getElementById("history-chart");
const rows = [...document.querySelectorAll("#history-table tbody tr")].reverse();  // oldest first
const PAD = { left: 48, right: 16, top: 16, bottom: 28 };
const WIDTH = 640;
const HEIGHT = 240;
const SERIES = [["download", "series-download"], ["upload", "series-upload"]];

function node(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function niceMax(value) {
  const step = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return Math.ceil(value / step) * step;
}

function draw() {
  const points = rows.map((row) => ({ download: Number(row.dataset.download), upload: Number(row.dataset.upload),
    at: new Date(row.dataset.at) }));
  const top = niceMax(Math.max(...points.flatMap((p) => [p.download, p.upload])));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (index) => PAD.left + (points.length > 1 ? (index * innerW) / (points.length - 1) : innerW / 2);
  const y = (value) => PAD.top + innerH * (1 - value / top);
  for (const fraction of [0, 0.5, 1]) {
    chart.append(node("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(top * fraction), y2: y(top * fraction), class: "grid" }));
    chart.append(node("text", { x: PAD.left - 6, y: y(top * fraction) + 4, "text-anchor": "end", class: "axis" },
      String(Math.round(top * fraction))));
  }
  chart.append(node("text", { x: PAD.left, y: HEIGHT - 8, class: "axis" }, points[0].at.toLocaleDateString()));
  chart.append(node("text", { x: WIDTH - PAD.right, y: HEIGHT - 8, "text-anchor": "end", class: "axis" },
    points[points.length - 1].at.toLocaleDateString()));
  for (const [key, className] of SERIES) {
    chart.append(node("polyline", { points: points.map((p, i) => `${x(i).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" "),
      class: className }));
    points.forEach((p, i) => {
      const dot = node("circle", { cx: x(i).toFixed(1), cy: y(p[key]).toFixed(1), r: 3.5, class: className });
      dot.append(node("title", {}, `${key} ${p[key].toFixed(1)} Mbps, ${p.at.toLocaleString()}`));
      chart.append(dot);
    });
  }
}

if (chart && rows.length) draw();
