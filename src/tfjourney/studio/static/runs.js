// Runs page: the sortable table of every run under the studio's runs folder.
"use strict";
markNav("runs");
let runs = [], sortKey = "created", sortDesc = true;
const ticked = new Set();

function metricText(run) {
  if (run.value === null) return "–";
  return run.metric === "accuracy" ? `accuracy ${(run.value * 100).toFixed(1)}%` : `${run.metric.toUpperCase()} ${fmt(run.value)}`;
}

function baselineText(run) {
  if (run.baseline === null) return "–";
  return run.metric === "accuracy" ? `${(run.baseline * 100).toFixed(1)}%` : fmt(run.baseline);
}

function render() {
  const body = document.querySelector("#runs tbody");
  body.replaceChildren();
  const sorted = [...runs].sort((a, b) => {
    const x = a[sortKey] ?? "", y = b[sortKey] ?? "";
    return (x < y ? -1 : x > y ? 1 : 0) * (sortDesc ? -1 : 1);
  });
  for (const run of sorted) {
    const box = el("input", {type: "checkbox", "data-id": run.id, "aria-label": `select ${run.name}`});
    box.checked = ticked.has(run.id);
    box.addEventListener("change", () => { box.checked ? ticked.add(run.id) : ticked.delete(run.id); update(); });
    const open = el("td", {});
    if (run.has_report) open.append(el("a", {href: `/runs/${run.id}/report`, text: "report"}), " · ");
    if (run.kind && run.kind.explainer === "images") open.append(el("a", {href: `/explainer?run=${run.id}`, text: "explain"}), " · ");
    if (run.kind && run.kind.explainer === "text") open.append(el("a", {href: `/text-explainer?run=${run.id}`, text: "explain"}), " · ");
    open.append(el("a", {href: `/predict?run=${run.id}`, text: "predict"}));
    body.append(el("tr", {"data-id": run.id},
      el("td", {}, box),
      el("td", {title: run.relative}, el("b", {text: run.name}), el("div", {class: "small muted", text: run.headline})),
      el("td", {}, el("span", {class: "pill", text: run.blueprint})),
      el("td", {text: run.data}),
      el("td", {class: "num", text: metricText(run)}),
      el("td", {class: "num", text: baselineText(run)}),
      el("td", {text: run.created.replace("T", " ")}),
      open));
  }
  for (const th of document.querySelectorAll("#runs th")) {
    th.classList.toggle("sorted-asc", th.dataset.key === sortKey && !sortDesc);
    th.classList.toggle("sorted-desc", th.dataset.key === sortKey && sortDesc);
  }
  document.getElementById("empty").hidden = runs.length > 0;
  update();
}

function update() {
  document.getElementById("compare").disabled = ticked.size < 2;
  document.getElementById("count").textContent = `${runs.length} runs, ${ticked.size} ticked`;
}

for (const th of document.querySelectorAll("#runs th")) {
  th.addEventListener("click", () => {
    if (!th.dataset.key) return;
    sortDesc = th.dataset.key === sortKey ? !sortDesc : false;
    sortKey = th.dataset.key;
    render();
  });
}
document.getElementById("compare").addEventListener("click", () => {
  window.location.href = `/compare?ids=${[...ticked].join(",")}`;
});

function renderStudies(studies) {
  const body = document.querySelector("#studies tbody");
  body.replaceChildren();
  for (const study of studies) {
    const open = el("td", {});
    if (study.has_report) open.append(el("a", {href: `/studies/${study.id}/report`, text: "study report"}));
    if (study.best_run_id) open.append(" · ", el("a", {href: `/runs/${study.best_run_id}/report`, text: "best run"}));
    const trials = study.trials || {};
    body.append(el("tr", {"data-id": study.id},
      el("td", {title: study.relative}, el("b", {text: study.name})),
      el("td", {}, el("span", {class: "pill", text: study.blueprint})),
      el("td", {class: "num", text: study.best_value === null ? "–" : `${study.metric} ${fmt(study.best_value)} (trial ${study.best_trial})`}),
      el("td", {class: "num", text: study.default_value === null ? "–" : fmt(study.default_value)}),
      el("td", {text: `${trials.complete ?? 0} complete, ${trials.pruned ?? 0} pruned, ${trials.failed ?? 0} failed`}),
      open));
  }
  document.getElementById("studies-section").hidden = studies.length === 0;
}

api("/api/studies").then(data => renderStudies(data.studies)).catch(error => showError(document.getElementById("error"), error));

api("/api/runs").then(data => {
  runs = data.runs;
  document.getElementById("where").textContent = `in ${data.runs_dir}/`;
  render();
}).catch(error => showError(document.getElementById("error"), error));
