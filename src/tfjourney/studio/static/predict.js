// Predict page: upload what the run's kind of input reads (images, one CSV, ...): the server says which, per run.
"use strict";
markNav("predict");
const errorBox = document.getElementById("error");
let runs = [];

function selected() { return runs.find(r => r.id === document.getElementById("run").value); }

function describe() {
  const run = selected();
  if (!run) return;
  const upload = run.kind ? run.kind.upload : {hint: "Files", accept: "", multiple: true};
  document.getElementById("what").textContent = upload.hint;
  document.getElementById("files").accept = upload.accept;
  document.getElementById("files").multiple = upload.multiple;
  document.getElementById("top_k").disabled = !upload.multiple;
  document.getElementById("typed_label").hidden = !(run.kind && run.kind.explainer === "text");
  if (!document.getElementById("typed_label").hidden) document.getElementById("top_k").disabled = true;  // every class is a column
  const params = new URLSearchParams(window.location.search);
  params.set("run", run.id);
  window.history.replaceState(null, "", `${window.location.pathname}?${params}`);
}

async function predict() {
  showError(errorBox, null);
  const typed = document.getElementById("typed_label").hidden ? [] :
    document.getElementById("typed").value.split("\n").filter(line => line.trim()).map((line, i) => new File([line], `typed-${i + 1}.txt`, {type: "text/plain"}));
  const files = [...document.getElementById("files").files, ...typed];  // a typed text goes as a .txt file of its own
  if (!files.length) { showError(errorBox, new Error("choose one or more files first")); return; }
  const form = new FormData();
  for (const file of files) form.append("files", file);
  form.append("top_k", document.getElementById("top_k").value || "1");
  const table = document.getElementById("result");
  try {
    const result = await api(`/api/predict/${selected().id}`, {method: "POST", body: form});
    const numeric = result.columns.map((_, i) => result.data.length > 0 && typeof result.data[0][i] === "number");
    const text = v => typeof v !== "number" ? String(v) : Number.isInteger(v) ? String(v) : fmt(v, 4);
    table.querySelector("thead").replaceChildren(el("tr", {}, ...result.columns.map((c, i) => el("th", {text: c, style: numeric[i] ? "text-align:right" : ""}))));
    table.querySelector("tbody").replaceChildren(...result.data.map(row => el("tr", {},
      ...row.map((v, i) => el("td", {class: numeric[i] ? "num" : "", text: text(v)})))));
    table.hidden = false;
    const chart = document.getElementById("chart");
    chart.hidden = !result.chart;
    if (result.chart) chart.src = result.chart;  // a forecast: the series' end, the forecast and its 80%/95% bands
    document.getElementById("warnings").textContent = result.warnings.join(" ");
  } catch (error) { table.hidden = true; document.getElementById("chart").hidden = true; showError(errorBox, error); }
}

api("/api/runs").then(data => {
  runs = data.runs;
  const select = document.getElementById("run");
  select.replaceChildren(...runs.map(r => el("option", {value: r.id, text: `${r.name} (${r.blueprint}, ${r.data})`})));
  const wanted = new URLSearchParams(window.location.search).get("run");
  if (wanted && runs.some(r => r.id === wanted)) select.value = wanted;
  if (!runs.length) showError(errorBox, new Error("no runs in the studio's runs folder yet"));
  describe();
}).catch(error => showError(errorBox, error));
document.getElementById("run").addEventListener("change", describe);
document.getElementById("go").addEventListener("click", predict);
