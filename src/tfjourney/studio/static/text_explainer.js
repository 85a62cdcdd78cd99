// Text Explainer: a text run's words coloured by their contribution to a class (occlusion, computed by the server).
"use strict";
markNav("text-explainer");
const errorBox = document.getElementById("error");
let runs = [];

function selected() { return runs.find(r => r.id === document.getElementById("run").value); }

function wordSpan(word, largest) {
  const t = largest > 0 ? word.contribution / largest : 0, [r, g, b] = diverging(t);
  const sign = word.contribution >= 0 ? "+" : "";
  return el("span", {class: "word", style: `background:rgb(${r},${g},${b});color:${Math.abs(t) > 0.6 ? "#fff" : "#111"}`,
                     title: `${sign}${(100 * word.contribution).toFixed(1)} points`, text: word.word});
}

function show(result) {
  const largest = Math.max(...result.words.map(w => Math.abs(w.contribution)), 1e-9);
  const chances = Object.entries(result.probabilities).map(([name, p]) => `${name} ${(100 * p).toFixed(1)}%`).join(", ");
  document.getElementById("summary").textContent =
    `Predicted ${result.predicted} (${chances}); explaining class ${result["class"]} at ${(100 * result.probability).toFixed(1)}%.`;
  document.getElementById("words").replaceChildren(...result.words.map(w => wordSpan(w, largest)));
  document.getElementById("for").textContent = `for class ${result["class"]}:`;
  document.getElementById("result").hidden = false;
}

async function explain() {
  showError(errorBox, null);
  const run = selected();
  if (!run) { showError(errorBox, new Error("no text runs in the studio's runs folder yet")); return; }
  const body = {text: document.getElementById("text").value, target_class: document.getElementById("class").value || null};
  try {
    const result = await api(`/api/explain-text/${run.id}`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const classes = document.getElementById("class");
    if (classes.options.length !== result.class_names.length + 1) {
      classes.replaceChildren(el("option", {value: "", text: "predicted"}), ...result.class_names.map(c => el("option", {value: c, text: c})));
    }
    show(result);
  } catch (error) { document.getElementById("result").hidden = true; showError(errorBox, error); }
}

api("/api/runs").then(data => {
  runs = data.runs.filter(r => r.kind && r.kind.explainer === "text");
  const select = document.getElementById("run");
  select.replaceChildren(...runs.map(r => el("option", {value: r.id, text: `${r.name} (${r.data})`})));
  const wanted = new URLSearchParams(window.location.search).get("run");
  if (wanted && runs.some(r => r.id === wanted)) select.value = wanted;
  if (!runs.length) showError(errorBox, new Error("no text runs in the studio's runs folder yet; train one with `tfjourney train text`"));
}).catch(error => showError(errorBox, error));
document.getElementById("go").addEventListener("click", explain);
document.getElementById("run").addEventListener("change", () => {
  document.getElementById("class").replaceChildren(el("option", {value: "", text: "predicted"}));
});
