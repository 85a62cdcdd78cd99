// Explainer page: every number is computed by the server's Keras model; this file only draws.
"use strict";
markNav("explainer");
const errorBox = document.getElementById("error");
let current = null, runs = [];

function selectedRun() { return document.getElementById("run").value; }

function setRunInURL(id) {
  const params = new URLSearchParams(window.location.search);
  params.set("run", id);
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

async function loadRuns() {
  const data = await api("/api/runs");
  runs = data.runs.filter(r => r.kind && r.kind.explainer === "images");
  const select = document.getElementById("run");
  select.replaceChildren(...runs.map(r => el("option", {value: r.id, text: `${r.name} (${r.blueprint}, ${r.data})`})));
  if (!runs.length) { showError(errorBox, new Error("no image runs in the studio's runs folder; train one with `tfjourney train cnn ...`")); return; }
  const wanted = new URLSearchParams(window.location.search).get("run");
  if (wanted && runs.some(r => r.id === wanted)) select.value = wanted;
  await loadInfo();
}

async function loadInfo() {
  showError(errorBox, null);
  setRunInURL(selectedRun());
  const info = await api(`/api/explain/${selectedRun()}/info`);
  const samples = document.getElementById("sample");
  samples.replaceChildren(el("option", {value: "", text: info.samples.length ? "–" : "(none recorded)"}),
    ...info.samples.filter(s => s.available).map(s => el("option", {value: String(s.index), text: `${s.name} (true ${s.true}, predicted ${s.predicted})`})));
  for (const [key, value] of Object.entries(info.config)) {
    const input = document.getElementById(`w-${key}`);
    if (input) input.value = String(value);
  }
  document.getElementById("w-n_classes").value = info.class_names.length;
  whatIf();
}

async function explain(form) {
  showError(errorBox, null);
  const started = performance.now();
  try {
    const data = await api(`/api/explain/${selectedRun()}`, {method: "POST", body: form});
    current = data;
    draw(data);
    document.getElementById("timing").textContent = `maps drawn ${((performance.now() - started) / 1000).toFixed(2)} s after the upload (model: ${data.seconds.toFixed(2)} s)`;
  } catch (error) {
    document.getElementById("result").hidden = true;
    document.getElementById("timing").textContent = "";
    showError(errorBox, error);
  }
}

// ------------------------------------------------------------------ drawing
function mapValues(layer, index) {
  const [h, w] = layer.shape, size = h * w, bytes = layer.bytes.subarray(index * size, (index + 1) * size);
  const lo = layer.lo[index], hi = layer.hi[index], out = new Float32Array(size);
  for (let k = 0; k < size; k++) out[k] = lo + bytes[k] / 255 * (hi - lo);
  return out;
}

function paintMap(canvas, layer, index, perChannel) {
  const [h, w] = layer.shape, values = mapValues(layer, index);
  const lo = perChannel ? layer.lo[index] : layer.layerLo, hi = perChannel ? layer.hi[index] : layer.layerHi, span = hi > lo ? hi - lo : 1;
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(w, h);
  for (let k = 0; k < h * w; k++) image.data.set([...viridis((values[k] - lo) / span), 255], k * 4);
  ctx.putImageData(image, 0, 0);
}

function drawLayers() {
  const perChannel = document.getElementById("per-channel").checked, box = document.getElementById("layers");
  box.replaceChildren();
  for (const layer of current.layers) {
    const maps = el("div", {class: "ex-maps"});
    layer.channels.forEach((channel, index) => {
      const canvas = el("canvas", {title: layer.kind === "input" ? "RGB"[channel] : `${layer.name} channel ${channel}`, "data-layer": layer.name, "data-channel": String(channel)});
      paintMap(canvas, layer, index, perChannel);
      canvas.addEventListener("click", () => enlarge(layer, index));
      maps.append(canvas);
    });
    const shown = layer.channels.length === layer.shape[2] ? `${layer.shape[2]} channels` : `${layer.channels.length} most active of ${layer.shape[2]} channels`;
    box.append(el("div", {class: "ex-col", "data-layer": layer.name},
      el("h3", {text: layer.kind === "input" ? "input: R, G, B (pixels / 255)" : layer.name}), el("div", {class: "small muted", text: `${layer.kind} · ${layer.shape.join("×")} · ${shown} · range ${fmt(layer.layerLo, 2)}…${fmt(layer.layerHi, 2)}`}), maps));
  }
}

function draw(data) {
  for (const layer of data.layers) {
    layer.bytes = bytesOf(layer.data);
    layer.layerLo = Math.min(...layer.lo); layer.layerHi = Math.max(...layer.hi);
  }
  document.getElementById("result").hidden = false;
  document.getElementById("input").src = data.input;
  document.getElementById("input-size").textContent = `what the model sees: ${data.input_size.join("×")} pixels`;
  const top = document.getElementById("top");
  top.replaceChildren(...data.top.map(t => el("tr", {},
    el("td", {text: t.name}), el("td", {style: "width:180px"}, el("div", {class: "bar", style: `width:${(t.p * 100).toFixed(1)}%`})),
    el("td", {class: "num", text: `${(t.p * 100).toFixed(1)}%`}))));
  const sum = data.probabilities.reduce((a, b) => a + b, 0);
  document.getElementById("prob-sum").textContent = `probabilities sum to ${sum.toFixed(4)}`;
  document.getElementById("prob-sum").dataset.sum = String(sum);
  document.getElementById("softmax").textContent = softmaxText(data);
  const camClass = document.getElementById("cam-class");
  camClass.replaceChildren(...data.class_names.map((name, i) => el("option", {value: String(i), text: name})));
  camClass.value = String(data.cam.class_index);
  drawCam(data.cam);
  drawLayers();
}

function softmaxText(data) {
  const names = data.class_names;
  if (data.output_activation === "sigmoid") {
    const z = data.logits[0];
    return `one sigmoid unit: z = ${z.toFixed(3)}\np(${names[1]}) = 1 / (1 + e^(−z)) = ${data.probabilities[1].toFixed(4)}\np(${names[0]}) = 1 − p = ${data.probabilities[0].toFixed(4)}`;
  }
  const s = data.softmax, lines = [`logits z: ${data.logits.map((z, i) => `${names[i]} ${z.toFixed(3)}`).join(", ")}`,
    `e^(z − max z), max z = ${s.shift.toFixed(3)}:`];
  s.exponentials.forEach((e, i) => lines.push(`  ${names[i]}: ${e.toFixed(4)}  → ${e.toFixed(4)} / ${s.sum.toFixed(4)} = ${data.probabilities[i].toFixed(4)}`));
  lines.push(`sum of exponentials = ${s.sum.toFixed(4)}`);
  return lines.join("\n");
}

function drawCam(cam) {
  document.getElementById("gradcam").src = cam.overlay;
  document.getElementById("cam-note").textContent = `where the evidence for "${cam.class_name}" (p = ${(cam.p * 100).toFixed(1)}%) sits, from ${cam.layer} (${cam.size.join("×")}, upsampled)`;
}

// ------------------------------------------------------------------ enlarge + arithmetic
function enlarge(layer, index) {
  const canvas = document.getElementById("modal-canvas"), channel = layer.channels[index];
  paintMap(canvas, layer, index, document.getElementById("per-channel").checked);
  document.getElementById("modal-title").textContent = `${layer.name}, channel ${channel} (${layer.shape[0]}×${layer.shape[1]})`;
  document.getElementById("modal-note").textContent = layer.arithmetic ? "Click a pixel to see how it is computed." : "";
  document.getElementById("arithmetic").replaceChildren();
  document.getElementById("marker").hidden = true;
  canvas.onclick = layer.arithmetic ? event => {
    const rect = canvas.getBoundingClientRect();
    const col = Math.min(layer.shape[1] - 1, Math.floor((event.clientX - rect.left) / rect.width * layer.shape[1]));
    const row = Math.min(layer.shape[0] - 1, Math.floor((event.clientY - rect.top) / rect.height * layer.shape[0]));
    const marker = document.getElementById("marker");
    Object.assign(marker.style, {left: `${col / layer.shape[1] * 100}%`, top: `${row / layer.shape[0] * 100}%`,
      width: `${100 / layer.shape[1]}%`, height: `${100 / layer.shape[0]}%`});
    marker.hidden = false;
    showArithmetic(layer.name, channel, row, col);
  } : null;
  document.getElementById("modal").hidden = false;
}

function matrix(values) {
  return el("table", {class: "matrix"}, ...values.map(row => el("tr", {}, ...row.map(v => el("td", {text: v.toFixed(3)})))));
}

async function showArithmetic(layer, channel, row, col) {
  const box = document.getElementById("arithmetic");
  try {
    const a = await api(`/api/explanations/${current.token}/arithmetic?layer=${encodeURIComponent(layer)}&channel=${channel}&row=${row}&col=${col}`);
    box.replaceChildren(el("h2", {text: `Output (${row}, ${col}) of ${layer}, channel ${channel}`}));
    const shown = Math.min(3, a.patch[0][0].length);
    for (let c = 0; c < shown; c++) {
      box.append(el("div", {class: "row"},
        el("div", {}, el("div", {class: "small muted", text: `input patch, channel ${c} (${a.input_range})`}), matrix(a.patch.map(r => r.map(v => v[c])))),
        el("div", {}, el("div", {class: "small muted", text: `kernel weights, channel ${c}`}), matrix(a.kernel.map(r => r.map(v => v[c])))),
        el("div", {}, el("div", {class: "small muted", text: "Σ patch × kernel"}), el("b", {text: a.channel_sums[c].toFixed(4)}))));
    }
    const rest = a.channel_sums.length - shown;
    const extra = rest > 0 ? ` + (${rest} more input channels: ${a.channel_sums.slice(shown).reduce((x, y) => x + y, 0).toFixed(4)})` : "";
    box.append(el("div", {class: "formula", text:
      `sum = ${a.channel_sums.slice(0, shown).map(v => v.toFixed(4)).join(" + ")}${extra} + bias ${a.bias.toFixed(4)} = ${a.sum.toFixed(4)}\n` +
      `${a.activation}(${a.sum.toFixed(4)}) = ${a.output.toFixed(4)}\nthe model's own value: ${a.model_output.toFixed(4)}`}));
  } catch (error) { box.replaceChildren(el("div", {class: "error", text: error.message})); }
}

// ------------------------------------------------------------------ what if
async function whatIf() {
  const body = {};
  for (const key of ["image_size", "conv_blocks", "filters", "kernel_size", "strides", "n_classes"]) body[key] = Number(document.getElementById(`w-${key}`).value);
  body.padding = document.getElementById("w-padding").value;
  const tbody = document.querySelector("#whatif tbody"), errorLine = document.getElementById("whatif-error");
  try {
    const result = await api("/api/whatif", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    showError(errorLine, null);
    tbody.replaceChildren(...result.layers.map(l => el("tr", {}, el("td", {text: l.name}), el("td", {text: l.type}),
      el("td", {text: l.output_shape.join(" × ")}), el("td", {class: "num", text: l.params.toLocaleString()}))),
      el("tr", {}, el("td", {}, el("b", {text: "total"})), el("td"), el("td"), el("td", {class: "num"}, el("b", {text: result.params.toLocaleString()}))));
  } catch (error) { tbody.replaceChildren(); showError(errorLine, error); }
}

// ------------------------------------------------------------------ wiring
document.getElementById("run").addEventListener("change", () => loadInfo().catch(error => showError(errorBox, error)));
document.getElementById("file").addEventListener("change", event => {
  const file = event.target.files[0];
  if (!file) return;
  const form = new FormData(); form.append("file", file);
  explain(form);
});
document.getElementById("sample").addEventListener("change", event => {
  if (event.target.value === "") return;
  const form = new FormData(); form.append("sample", event.target.value);
  explain(form);
});
document.getElementById("per-channel").addEventListener("change", () => current && drawLayers());
document.getElementById("cam-class").addEventListener("change", async event => {
  try { drawCam(await api(`/api/explanations/${current.token}/gradcam?class_index=${event.target.value}`)); } catch (error) { showError(errorBox, error); }
});
document.getElementById("modal-close").addEventListener("click", () => { document.getElementById("modal").hidden = true; });
document.getElementById("modal").addEventListener("click", event => { if (event.target.id === "modal") event.target.hidden = true; });
for (const input of document.querySelectorAll("#whatif-form input, #whatif-form select")) input.addEventListener("change", whatIf);
loadRuns().catch(error => showError(errorBox, error));
