// Playground page: controls <-> URL, a server-side Keras session, live updates over server-sent events.
"use strict";
markNav("playground");

const URL_KEYS = {dataset: "data", noise: "noise", train_percent: "train", features: "features", hidden: "hidden",
  activation: "act", learning_rate: "lr", regularization: "reg", regularization_rate: "rate", batch_size: "batch", seed: "seed", csv: "csv"};
const LIST_KEYS = new Set(["features", "hidden"]);
const NUMBER_KEYS = new Set(["noise", "train_percent", "learning_rate", "regularization_rate", "batch_size", "seed"]);

let meta = null, cfg = {}, showTest = false;
let session = null, points = null, source = null, playing = false, history = {loss: [], test: []};
let lines = [];  // [{line, layer, i, j}]
const errorBox = document.getElementById("error");

// ------------------------------------------------------------------ URL <-> configuration
function readURL() {
  const params = new URLSearchParams(window.location.search);
  const out = {...meta.defaults, csv: null};
  for (const [key, short] of Object.entries(URL_KEYS)) {
    if (!params.has(short)) continue;
    const raw = params.get(short);
    if (LIST_KEYS.has(key)) out[key] = raw === "" ? [] : raw.split(",").map(v => key === "hidden" ? Number(v) : v);
    else if (NUMBER_KEYS.has(key)) out[key] = Number(raw);
    else out[key] = raw;
  }
  showTest = params.get("test") === "1";
  return out;
}

function writeURL() {
  const params = new URLSearchParams();
  for (const [key, short] of Object.entries(URL_KEYS)) {
    const value = cfg[key];
    if (value === null || value === undefined) continue;
    params.set(short, Array.isArray(value) ? value.join(",") : String(value));
  }
  if (showTest) params.set("test", "1");
  const url = `${window.location.pathname}?${params.toString()}`;
  if (url !== window.location.pathname + window.location.search) history_replace(url);
}
function history_replace(url) { window.history.replaceState(null, "", url); }

// ------------------------------------------------------------------ controls
function fillSelect(id, values, label = v => String(v)) {
  const select = document.getElementById(id);
  select.replaceChildren(...values.map(v => el("option", {value: String(v), text: label(v)})));
  select.addEventListener("change", () => change(id, NUMBER_KEYS.has(id) ? Number(select.value) : select.value));
}

function buildControls() {
  fillSelect("learning_rate", meta.choices.learning_rate);
  fillSelect("activation", meta.choices.activation, v => ({relu: "ReLU", tanh: "Tanh", sigmoid: "Sigmoid", linear: "Linear"}[v] || v));
  fillSelect("regularization", meta.choices.regularization, v => v === "none" ? "None" : v.toUpperCase());
  fillSelect("regularization_rate", meta.choices.regularization_rate);
  const box = document.getElementById("datasets");
  for (const name of meta.choices.dataset.filter(n => n !== "csv")) {
    box.append(el("button", {class: "ds", "data-dataset": name, title: name, onclick: () => change("dataset", name, {csv: null})},
      el("span", {class: "small", text: name})));
  }
  for (const id of ["train_percent", "noise", "batch_size"]) {
    const input = document.getElementById(id);
    input.addEventListener("input", () => { document.getElementById(`${id}-value`).textContent = input.value; });
    input.addEventListener("change", () => change(id, Number(input.value)));
  }
  document.getElementById("regenerate").addEventListener("click", () => change("seed", (cfg.seed || 0) + 1));
  document.getElementById("add-layer").addEventListener("click", () => {
    if (cfg.hidden.length < meta.max_layers) change("hidden", [...cfg.hidden, 2]);
  });
  document.getElementById("remove-layer").addEventListener("click", () => {
    if (cfg.hidden.length > 0) change("hidden", cfg.hidden.slice(0, -1));
  });
  document.getElementById("show-test").addEventListener("change", event => { showTest = event.target.checked; writeURL(); drawHeatmap(); });
  document.getElementById("play").addEventListener("click", () => playing ? pause() : play());
  document.getElementById("step").addEventListener("click", stepOnce);
  document.getElementById("reset").addEventListener("click", () => newSession());
  document.getElementById("save").addEventListener("click", save);
  document.getElementById("csv-file").addEventListener("change", uploadCSV);
}

function syncControls() {
  for (const id of ["learning_rate", "activation", "regularization", "regularization_rate"]) document.getElementById(id).value = String(cfg[id]);
  for (const id of ["train_percent", "noise", "batch_size"]) {
    document.getElementById(id).value = cfg[id];
    document.getElementById(`${id}-value`).textContent = cfg[id];
  }
  for (const button of document.querySelectorAll("button.ds")) button.classList.toggle("on", button.dataset.dataset === cfg.dataset);
  document.getElementById("noise").disabled = cfg.dataset === "csv";
  document.getElementById("show-test").checked = showTest;
  document.getElementById("layer-count").textContent = `${cfg.hidden.length} hidden layer${cfg.hidden.length === 1 ? "" : "s"}`;
}

function change(key, value, extra = {}) {
  cfg = {...cfg, [key]: value, ...extra};
  if (key === "dataset" && value !== "csv") cfg.csv = null;
  writeURL();
  newSession();
}

// ------------------------------------------------------------------ network drawing
function neuronBox(id) {
  return el("div", {class: "pg-neuron", id}, el("canvas", {width: 1, height: 1}));
}

function buildNetwork() {
  const net = document.getElementById("network");
  net.replaceChildren();
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  net.append(svg);
  const features = el("div", {class: "pg-col"}, el("div", {class: "head", text: "Features"}));
  for (const name of meta.features) {
    const on = cfg.features.includes(name);
    const item = el("label", {class: `pg-feature${on ? " on" : ""}`, "data-feature": name, title: on ? "click to switch off" : "click to switch on"},
      el("span", {text: name.replace("^2", "²").replace("*", "·").replace("sin(", "sin ").replace(")", "")}),
      neuronBox(on ? `n-0-${cfg.features.indexOf(name)}` : `off-${name}`));
    item.addEventListener("click", event => {
      event.preventDefault();
      const next = on ? cfg.features.filter(f => f !== name) : [...cfg.features, name];
      if (next.length) change("features", meta.features.filter(f => next.includes(f)));
    });
    features.append(item);
  }
  net.append(features);
  cfg.hidden.forEach((units, layer) => {
    const head = el("div", {class: "head"},
      el("button", {text: "+", title: "add a neuron", onclick: () => units < meta.max_neurons && change("hidden", cfg.hidden.map((u, k) => k === layer ? u + 1 : u))}),
      el("button", {text: "−", title: "remove a neuron", onclick: () => units > 1 && change("hidden", cfg.hidden.map((u, k) => k === layer ? u - 1 : u))}),
      el("div", {text: `${units} neuron${units === 1 ? "" : "s"}`}));
    const column = el("div", {class: "pg-col"}, head);
    for (let j = 0; j < units; j++) column.append(neuronBox(`n-${layer + 1}-${j}`));
    net.append(column);
  });
  net.append(el("div", {class: "pg-col"}, el("div", {class: "head", text: "Output"}), neuronBox(`n-${cfg.hidden.length + 1}-0`)));
  requestAnimationFrame(buildLines);
}

function center(node, net, side) {
  const a = node.getBoundingClientRect(), b = net.getBoundingClientRect();
  return [a.left - b.left + net.scrollLeft + (side === "right" ? a.width : 0), a.top - b.top + a.height / 2];
}

function buildLines() {
  const net = document.getElementById("network"), svg = net.querySelector("svg");
  svg.setAttribute("width", net.scrollWidth); svg.setAttribute("height", net.scrollHeight);
  svg.replaceChildren(); lines = [];
  const sizes = [cfg.features.length, ...cfg.hidden, 1];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    for (let i = 0; i < sizes[layer]; i++) {
      for (let j = 0; j < sizes[layer + 1]; j++) {
        const from = document.getElementById(`n-${layer}-${i}`), to = document.getElementById(`n-${layer + 1}-${j}`);
        if (!from || !to) continue;
        const [x1, y1] = center(from, net, "right"), [x2, y2] = center(to, net, "left");
        const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
        Object.entries({x1, y1, x2, y2, stroke: "#bbb", "stroke-width": 1}).forEach(([k, v]) => line.setAttribute(k, v));
        svg.append(line);
        lines.push({line, layer, i, j});
      }
    }
  }
  if (lastUpdate) drawWeights(lastUpdate.weights);
}

function drawWeights(weights) {
  for (const {line, layer, i, j} of lines) {
    const w = weights[layer] && weights[layer][i] ? weights[layer][i][j] : 0;
    line.setAttribute("stroke", w >= 0 ? "#0877bd" : "#f59322");
    line.setAttribute("stroke-width", Math.min(8, 0.4 + Math.abs(w) * 1.6).toFixed(2));
    line.setAttribute("stroke-opacity", Math.min(1, 0.25 + Math.abs(w) / 2).toFixed(2));
  }
}

// ------------------------------------------------------------------ updates
let lastUpdate = null;
const offscreen = document.createElement("canvas");

function drawHeatmap() {
  if (!lastUpdate) return;
  paintDiverging(offscreen, bytesOf(lastUpdate.output), lastUpdate.grid);
  const canvas = document.getElementById("heatmap"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(offscreen, 0, 0, W, H);
  ctx.fillStyle = "rgba(255, 255, 255, 0.4)";  // a lighter field, so the points (full colour) stand out
  ctx.fillRect(0, 0, W, H);
  const drawSet = (set, stroke) => {
    set.x.forEach(([x1, x2], k) => {
      const [r, g, b] = diverging(set.label[k]);
      ctx.beginPath();
      ctx.arc((x1 + 6) / 12 * W, (6 - x2) / 12 * H, 5, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${b})`; ctx.fill();
      ctx.lineWidth = 1.5; ctx.strokeStyle = stroke; ctx.stroke();
    });
  };
  if (points) { drawSet(points.train, "#fff"); if (showTest) drawSet(points.test, "#000"); }
}

function drawLoss() {
  const canvas = document.getElementById("loss"), ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const all = [...history.loss, ...history.test];
  if (all.length < 2) return;
  const top = Math.max(...all) || 1, n = history.loss.length;
  for (const [series, colour] of [[history.loss, "#999"], [history.test, "#000"]]) {
    ctx.beginPath();
    series.forEach((v, k) => { const x = n > 1 ? k / (n - 1) * (W - 4) + 2 : 2, y = H - 4 - v / top * (H - 8); k ? ctx.lineTo(x, y) : ctx.moveTo(x, y); });
    ctx.strokeStyle = colour; ctx.lineWidth = 2; ctx.stroke();
  }
}

function draw(update) {
  lastUpdate = update;
  document.getElementById("epoch").textContent = String(update.epoch).padStart(6, "0").replace(/(\d{3})(\d{3})$/, "$1,$2");
  document.getElementById("loss-test").textContent = update.test_loss.toFixed(3);
  document.getElementById("loss-train").textContent = update.loss.toFixed(3);
  document.getElementById("accuracy").textContent = update.test_accuracy !== undefined ? `· test accuracy ${(update.test_accuracy * 100).toFixed(1)}%` : "";
  if (update.epoch === 0) history = {loss: [update.loss], test: [update.test_loss]};
  else { history.loss.push(update.loss); history.test.push(update.test_loss); }
  drawLoss();
  drawHeatmap();
  update.neurons.forEach((layer, l) => layer.forEach((map, j) => {
    const box = document.getElementById(`n-${l}-${j}`);
    if (box) paintDiverging(box.querySelector("canvas"), bytesOf(map), update.neuron_grid);
  }));
  const out = document.getElementById(`n-${cfg.hidden.length + 1}-0`);
  if (out) paintDiverging(out.querySelector("canvas"), bytesOf(update.output), update.grid);
  drawWeights(update.weights);
}

// ------------------------------------------------------------------ session life cycle
async function newSession() {
  pause();
  showError(errorBox, null);
  syncControls();
  buildNetwork();
  try {
    const created = await api("/api/playground/sessions", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(cfg)});
    session = created.id; points = created.points;
    document.getElementById("task").textContent = points.task === "binary" ? "Classification" : "Regression";
    const [neg, pos] = points.class_names.length ? points.class_names : ["−1", "+1"];
    document.getElementById("neg-name").textContent = neg; document.getElementById("pos-name").textContent = pos;
    draw(created.update);
  } catch (error) { session = null; showError(errorBox, error); }
}

function play() {
  if (!session) return;
  playing = true;
  document.getElementById("play").innerHTML = "&#x2016; Pause";
  source = new EventSource(`/api/playground/sessions/${session}/stream`);
  source.onmessage = event => draw(JSON.parse(event.data));
  source.addEventListener("done", () => { source.close(); if (playing) play(); });
  source.onerror = () => { if (playing) { pause(); showError(errorBox, new Error("the live stream stopped; press play to continue")); } };
}

function pause() {
  playing = false;
  if (source) { source.close(); source = null; }
  document.getElementById("play").innerHTML = "&#x25B6; Play";
}

async function stepOnce() {
  if (!session) return;
  pause();
  try { draw(await api(`/api/playground/sessions/${session}/step`, {method: "POST"})); } catch (error) { showError(errorBox, error); }
}

async function save() {
  const status = document.getElementById("save-status");
  if (!session) return;
  status.textContent = "saving…";
  try {
    const run = await api(`/api/playground/sessions/${session}/save`, {method: "POST"});
    const metric = run.metrics.accuracy !== undefined ? `test accuracy ${(run.metrics.accuracy * 100).toFixed(1)}%` : `test MAE ${fmt(run.metrics.mae)}`;
    status.replaceChildren(`Saved ${run.name} (${metric}): `, el("a", {href: run.report, text: "open its report"}), " · ", el("a", {href: "/runs", text: "all runs"}));
  } catch (error) { status.textContent = ""; showError(errorBox, error); }
}

async function uploadCSV(event) {
  const file = event.target.files[0], status = document.getElementById("csv-status");
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  try {
    const table = await api("/api/playground/csv", {method: "POST", body: form});
    status.textContent = `${table.name}: ${table.rows} rows, features ${table.columns.join(", ")}, target ${table.target}`;
    change("dataset", "csv", {csv: table.csv});
  } catch (error) { status.textContent = ""; showError(errorBox, error); }
}

api("/api/playground/defaults").then(data => {
  meta = data;
  cfg = readURL();
  buildControls();
  writeURL();
  newSession();
}).catch(error => showError(errorBox, error));
window.addEventListener("resize", () => requestAnimationFrame(buildLines));
