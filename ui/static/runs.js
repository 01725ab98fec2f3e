// Runs: every run under the UI's folders; one run's results with filters; two runs side by side.
import {api, details, fill, go, h, int, keys, link, num, page, pct, pre, resultBadge, rowKeys, say, table, when} from "./core.js";

page("runs", async (view) => {
  const runs = await api("runs");
  const picked = new Set();
  const compareButton = h("button", {type: "button", disabled: true, onclick: () => go("compare", {run: [...picked]})}, "Compare the two picked runs, or one run's agents (c)");
  // One run of several agents (a study) compares its agents, as `palaestra compare RUN` does.
  const severalAgents = new Set(runs.filter((r) => Object.keys(r.agents || {}).length > 1).map((r) => r.id));
  const comparable = () => picked.size === 2 || (picked.size === 1 && severalAgents.has([...picked][0]));
  const pick = (id, box) => {
    if (box.checked) picked.add(id); else picked.delete(id);
    while (picked.size > 2) { const first = picked.values().next().value; picked.delete(first); const other = view.querySelector(`input[data-run="${CSS.escape(first)}"]`); if (other) other.checked = false; }
    compareButton.disabled = !comparable();
  };
  const rows = runs.map((r) => {
    const box = h("input", {type: "checkbox", "aria-label": `pick ${r.label} to compare`, dataset: {run: r.id}});
    box.addEventListener("change", () => pick(r.id, box));
    const agents = Object.entries(r.agents || {}).map(([a, m]) => h("div", {}, `${a}: ${pct(m.success, m.stderr)}`));
    return h("tr", {dataset: {href: link("run", {run: r.id})}},
      h("td", {}, box),
      h("td", {}, h("a", {href: link("run", {run: r.id})}, r.label), r.problem ? h("div", {class: "error"}, r.problem) : null),
      h("td", {class: "num"}, int(r.episodes)), h("td", {class: "num"}, int(r.errored)), h("td", {class: "num"}, int(r.tasks)),
      h("td", {}, agents), h("td", {}, r.status || "–"), h("td", {}, when(r.finished || r.started)));
  });
  const body = h("tbody", {}, rows);
  fill(view,
    h("h1", {}, "Runs"),
    runs.length ? h("p", {class: "muted"}, "Success is over finished episodes (± standard error); errored episodes are counted apart, never as failures.")
      : h("p", {class: "muted"}, "No run found under the UI's folders. Run `palaestra eval --out results/NAME`, then reload."),
    h("table", {class: "runs"},
      h("thead", {}, h("tr", {}, ["", "run", "episodes", "errored", "tasks", "success by agent", "status", "last ran"].map((x, i) => h("th", {class: [2, 3, 4].includes(i) ? "num" : null}, x)))),
      body),
    h("p", {}, compareButton));
  rowKeys(body, (tr) => { location.hash = tr.dataset.href; }, {
    x: ["Pick the row to compare", () => { const tr = body.querySelector("tr.current input"); if (tr) { tr.checked = !tr.checked; tr.dispatchEvent(new Event("change")); } }],
    c: ["Compare the two picked runs, or one run's agents", () => { if (comparable()) compareButton.click(); }],
  });
});

page("run", async (view, params) => {
  const runId = params.get("run");
  const run = await api("run?run=" + encodeURIComponent(runId));
  const filters = {agent: params.get("agent") || "", task: params.get("task") || "", result: params.get("result") || "", error: params.get("error") || "", why: params.get("why") || ""};
  const options = (field) => [...new Set(run.episodes.map((e) => e[field]).filter(Boolean))].sort();
  const select = (name, label, values) => {
    const el = h("select", {name, "aria-label": label, onchange: () => { filters[name] = el.value; apply(); }},
      h("option", {value: ""}, `any ${label}`), values.map((v) => h("option", {value: v}, v)));
    el.value = filters[name];
    return el;
  };
  // A failed episode opens where it went wrong (its first failed action, or where a repeat starts).
  const opens = (e) => link("episode", {run: runId, key: e.key, step: e.first_step});
  const rows = run.episodes.map((e) => h("tr", {dataset: {href: opens(e), agent: e.agent, task: e.task, result: e.result, error: e.error_kind || "", why: e.failure_kind || ""}},
    h("td", {}, e.agent, e.reference ? h("span", {class: "badge"}, "reference") : null), h("td", {}, e.task), h("td", {class: "num"}, e.seed),
    h("td", {}, resultBadge(e.result, e.error_kind), e.why ? h("div", {class: "why muted"}, e.why) : null), h("td", {class: "num"}, e.steps), h("td", {class: "num"}, num(e.reward)),
    h("td", {class: "num"}, num(e.elapsed_s, 1)), h("td", {class: "num"}, int((e.tokens_in || 0) + (e.tokens_out || 0))), h("td", {class: "num"}, num(e.cost, 4)),
    h("td", {}, h("a", {href: opens(e), class: "open"}, e.first_step === null || e.first_step === undefined ? "open" : `open at step ${e.first_step}`),
      e.trace ? h("span", {class: "badge trace", title: "a Playwright trace was kept: the episode page offers it"}, "trace") : null)));
  const body = h("tbody", {}, rows);
  const counter = h("span", {class: "muted"});
  const apply = () => {
    let shown = 0;
    for (const tr of rows) {
      const d = tr.dataset;
      tr.hidden = (filters.agent && d.agent !== filters.agent) || (filters.task && d.task !== filters.task) ||
        (filters.result && d.result !== filters.result) || (filters.error && d.error !== filters.error) || (filters.why && d.why !== filters.why);
      if (!tr.hidden) shown += 1;
    }
    counter.textContent = `${shown} of ${rows.length} episodes`;
    history.replaceState(null, "", link("run", {run: runId, ...filters}));
  };
  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/runs"}, "Runs"), " › ", run.label),
    h("h1", {}, run.label),
    record(run.record, run.invocations),
    h("h2", {}, "Summary"),
    table(["agent", "task", "n", "success", "reward", "steps", "s/episode", "tokens", "cost", "errors"],
      run.summary.map((s) => [s.agent, s.task, s.episodes, pct(s.success, s.stderr), num(s.mean_reward), num(s.mean_steps, 1), num(s.mean_seconds, 1), int(s.tokens), num(s.cost, 4), s.errors]),
      [2, 3, 4, 5, 6, 7, 8, 9]),
    h("h3", {}, "Per agent (mean over tasks, each task weighs the same)"),
    table(["agent", "success"], run.agents.map((a) => [h("span", {}, a.agent, a.reference ? h("span", {class: "badge"}, "reference") : null), pct(a.success, a.stderr)]), [1]),
    h("h2", {}, "Errors"),
    run.errors.length ? table(["kind", "class", "episodes ended", "errored attempts", "sample"],
      run.errors.map((e) => [e.kind, e.class, e.episodes, e.attempts, e.sample ? h("a", {href: link("episode", {run: runId, key: e.sample})}, e.sample) : "–"]), [2, 3])
      : h("p", {class: "ok"}, "No errors."),
    h("p", {class: "muted", id: "error-classes"}, "Errors never count as failures. Retryable ones are the infrastructure's (a browser or site crash, a timeout, a model endpoint down): resuming the run plays them again. "
      + "Permanent ones are not fixed by retrying (an exception in the agent, a prompt longer than the model's window, a request the endpoint rejects): fix the cause, then run again with --rerun-errors."),
    unfinished(run, runId),
    h("h2", {}, "Episodes"),
    h("div", {class: "filters"}, select("agent", "agent", options("agent")), select("task", "task", options("task")),
      select("result", "outcome", ["success", "failure", "step_limit", "error"]), select("error", "error kind", options("error_kind")), select("why", "failure kind", options("failure_kind")), counter),
    h("table", {class: "episodes"}, h("thead", {}, h("tr", {}, ["agent", "task", "seed", "result", "steps", "reward", "s", "tokens", "cost", ""].map((x, i) => h("th", {class: [2, 4, 5, 6, 7, 8].includes(i) ? "num" : null}, x)))), body));
  apply();
  rowKeys(body, (tr) => { location.hash = tr.dataset.href; }, {f: ["Show failures only", () => { filters.result = "failure"; view.querySelector("select[name=result]").value = "failure"; apply(); }]});
});

// Episodes started and not recorded (`ui/unfinished.py`): under way while the run runs, else cut
// short when it stopped (a resume plays them again). Recorded ones are listed below once they end.
function unfinished(run, runId) {
  const list = run.unfinished || [];
  if (!list.length) return null;
  const running = (run.invocations.at(-1) || {}).status === "running";
  return h("section", {class: "unfinished"},
    h("h2", {}, running ? `In progress (${list.length})` : `Unfinished (${list.length})`),
    h("p", {class: "muted"}, running ? "Playing now: each is listed with the episodes once it ends; open one to see its steps so far. Reload to follow."
      : "Started but not recorded: the run stopped during them; resuming it plays them again."),
    table(["agent", "task", "seed", "steps so far", "last action", "its error"], list.map((e) => [e.agent,
      h("a", {href: link("episode", {run: runId, key: e.key}), title: "its steps so far, read-only"}, e.task), e.seed, e.steps,
      e.last_action ? h("code", {}, e.last_action) : "–", e.last_error ? h("span", {class: "error"}, e.last_error) : ""]), [2, 3]));
}

function record(rec, invocations) {
  if (!rec || !Object.keys(rec).length) return h("p", {class: "muted"}, "No reproducibility record.");
  const git = rec.git || {};
  const items = [
    ["Command", h("code", {}, (rec.argv || []).join(" ") || "–")],
    ["Git commit", h("span", {}, git.commit || "unknown", git.dirty ? h("span", {class: "error"}, " (dirty: uncommitted changes)") : null)],
    ["Seeds", (rec.seeds || []).join(", ") || "–"],
    ["Agents", h("div", {}, (rec.agents || []).map((a) => h("div", {}, `${a.label} = ${a.name}`, a.model ? ` (${a.model})` : "", h("span", {class: "muted"}, ` [${a.config_hash || ""}]`))))],
    ["Packages", Object.entries(rec.packages || {}).map(([k, v]) => `${k} ${v}`).join(" · ") || "–"],
    ...Object.entries(rec.side_packages || {}).map(([venv, pkgs]) => [`Packages (${venv})`, Object.entries(pkgs).map(([k, v]) => `${k} ${v}`).join(" · ") || "–"]),
    ["Browser", rec.browser || "–"], ["Python", rec.python || "–"], ["Platform", rec.platform || "–"],
    ["Invocations", invocations.map((i) => `#${i.id} ${i.status || "running"} ${when(i.finished || i.started)}`).join("; ") || "–"],
  ];
  return h("section", {class: "record"}, h("h2", {}, "Configuration and reproducibility"),
    h("dl", {class: "record"}, items.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    rec.config ? details("Configuration (JSON)", pre(JSON.stringify(rec.config, null, 1))) : null);
}

const overall = (tasks) => `overall (${tasks} task${tasks === 1 ? "" : "s"})`;

page("compare", async (view, params) => {
  const runs = params.getAll("run");
  const c = await api("compare?" + runs.map((r) => "run=" + encodeURIComponent(r)).join("&"));
  const cell = (x) => (x ? `${num(x.success)} ± ${num(x.stderr)} (${x.successes}/${x.episodes})${x.errors ? ` +${x.errors} err` : ""}` : "–");
  const delta = (d) => (d ? h("span", {class: d.verdict === "▲" ? "ok" : d.verdict === "▼" ? "error" : "muted"}, `${d.diff >= 0 ? "+" : ""}${num(d.diff)} ${d.verdict} ${d.p_value < 0.001 ? "p<0.001" : "p=" + num(d.p_value, 3)}`) : "–");
  // Desktop runs' figures, as `palaestra compare` prints them: each run's mean CPU s and largest peak MiB.
  const used = (x) => {
    const r = x && x.resources;
    const fixed = (v, digits) => (v === null || v === undefined ? "–" : v.toFixed(digits));
    return r && r.measured ? [fixed(r.mean_cpu_s, 2), fixed(r.max_peak_memory_mb, 0)] : ["–", "–"];
  };
  const headers = [...(c.by_task ? [] : ["agent"]), "task", ...c.runs.map((r, i) => `[${i + 1}] ${r.label}`), ...c.runs.slice(1).map((_, i) => `Δ [${i + 2}]-[1]`),
    ...(c.resources ? c.runs.flatMap((_, i) => [`[${i + 1}] CPU s`, `[${i + 1}] peak MiB`]) : [])];
  const rows = c.rows.map((r) => h("tr", {class: r.overall ? "mean" : null},
    c.by_task ? null : h("td", {}, r.agent), h("td", {}, r.overall ? overall(r.tasks) : r.task),
    r.cells.map((x) => h("td", {class: "num"}, cell(x))), r.deltas.slice(1).map((d) => h("td", {class: "num"}, delta(d))),
    c.resources ? r.cells.flatMap((x) => used(r.overall ? null : x)).map((text) => h("td", {class: "num resources"}, text)) : null));
  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/runs"}, "Runs"), " › compare"),
    h("h1", {}, c.within ? `The agents of ${c.within} side by side` : "Runs side by side"),
    c.within ? h("ol", {}, c.runs.map((r) => h("li", {}, r.label)))
      : h("ol", {}, c.runs.map((r, i) => h("li", {}, h("a", {href: link("run", {run: r.id})}, r.label), h("span", {class: "muted"}, ` agents: ${c.agents[i].join(", ") || "(none)"}`)))),
    (c.notes || []).map((note) => h("p", {class: "warn"}, note)),
    h("p", {class: "muted"}, "Cells: success ± std. error (successes/episodes; errored episodes apart). Δ vs [1]: ▲/▼ beyond noise (two-sided p < 0.05), ≈ within. Per task Fisher's exact test; overall: mean over the tasks every run finished, Cochran–Mantel–Haenszel by task."),
    table(headers, rows),
    c.resources ? h("p", {class: "muted"}, c.resource_legend) : null,
    c.columns ? columnTable(c) : null);
  keys({});
  if (!c.rows.length) say("No task in common: nothing to compare.", "error");
});

// WebArena's evaluator columns, each run's beside the others' (as `palaestra compare` prints them).
function columnTable(c) {
  const {names, rows} = c.columns;
  const mean = (m, episodes) => (m.mean === null ? "–" : `${num(m.mean)}${m.n === episodes ? "" : ` (n=${m.n})`}`);
  const headers = [...(c.by_task ? [] : ["agent"]), "task", ...c.runs.flatMap((_, i) => [...names, "n"].map((name) => `[${i + 1}] ${name}`))];
  const body = rows.map((r) => h("tr", {class: r.overall ? "mean" : null},
    c.by_task ? null : h("td", {}, r.agent), h("td", {}, r.overall ? overall(r.tasks) : r.task),
    r.cells.flatMap((x) => (x ? [...names.map((name) => mean(x.means[name], x.episodes)), String(x.episodes)] : Array(names.length + 1).fill("–")))
      .map((text) => h("td", {class: "num"}, text))));
  const text = c.by_task ? 1 : 2;
  const drawn = table(headers, body, headers.map((_, i) => i).filter((i) => i >= text));
  drawn.classList.add("evaluator-columns");
  return h("section", {},
    h("h2", {}, "Evaluator columns (WebArena)"),
    h("p", {class: "muted"}, "Each run's mean over its episodes with a value; (n=k) where fewer than the run's n; overall: over the episodes of the tasks every run judged. No test here: Δ above is the success of the benchmark's own column."),
    drawn);
}
