// WebArena's verdict on one episode, as the run recorded it (`extra.columns`, `extra.verdict`): the
// three evaluator columns (the paper's evaluators, Palaestra's corrected ones, WebArena-Verified's),
// what each evaluator part of a column scored and what it wanted and read (`extra.verdict.values`),
// a column's error, and Verified's own status.
import {h, num, table} from "./core.js";

const KNOWN = ["paper", "corrected", "verified"];
const WHAT = {paper: "WebArena's evaluators as published", corrected: "the same, with their known faults fixed",
  verified: "WebArena-Verified's evaluator"};

/** The verdict section, or null for an episode without evaluator columns. */
export function verdictSection(extra) {
  const columns = extra && extra.columns;
  if (!columns || typeof columns !== "object" || !Object.keys(columns).length) return evaluatorParts(extra);
  const v = extra.verdict || {};
  const parts = v.details || {}, errors = v.errors || {}, values = v.values || {};
  const names = [...KNOWN.filter((c) => c in columns), ...Object.keys(columns).filter((c) => !KNOWN.includes(c)).sort()];
  const rows = names.map((c) => h("tr", {dataset: {column: c}},
    h("th", {title: WHAT[c] || ""}, c),
    h("td", {class: "num"}, score(columns[c])),
    h("td", {}, c === "verified" ? verifiedParts(v.verified) : partList(parts[c], values[c])),
    h("td", {}, errors[c] ? h("span", {class: "error"}, String(errors[c])) : h("span", {class: "muted"}, "none"))));
  return h("section", {class: "verdict"},
    h("h2", {}, "WebArena verdict"),
    table(["column", "score", "evaluator parts", "error"], rows, [1]),
    v.early_stop ? h("p", {class: "early-stop"}, "Judged without an answer from the agent",
      extra.early_stop ? ` (${extra.early_stop})` : "", ", as WebArena's harness judges every episode: the paper column was given the answer ",
      h("code", {}, v.early_stop), "; the corrected and verified columns saw no answer.") : null,
    v.stand_ins && v.stand_ins.length ? h("p", {class: "muted"}, `Ran on Palaestra's stand-ins for ${v.stand_ins.join(", ")}: `
      + "their data differ from WebArena's images, so this checks the harness, not the agent.") : null);
}

// A site task's verdict without columns: what each evaluator part scored (`string_match 0.00`).
function evaluatorParts(extra) {
  const v = (extra && extra.verdict) || {};
  const parts = v.details && v.details.evaluator;
  if (!parts || typeof parts !== "object" || !Object.keys(parts).length) return null;
  return h("section", {class: "verdict"}, h("h2", {}, "Verdict"),
    h("p", {}, "What each of the task's evaluator parts scored, wanted and read:"),
    partList(parts, (v.values || {}).evaluator));
}

function score(x) {
  if (x === null || x === undefined) return h("span", {class: "muted", title: "this evaluator could not judge the episode"}, "–");
  return h("span", {class: x >= 1 ? "ok" : "error"}, num(x));
}

function partList(parts, values) {
  if (!parts || typeof parts !== "object" || !Object.keys(parts).length) return h("span", {class: "muted"}, "–");
  const read = values && typeof values === "object" ? values : {};
  return h("ul", {class: "parts"}, Object.entries(parts).map(([name, value]) => h("li", {},
    h("code", {}, name), " ", typeof value === "number" ? num(value) : JSON.stringify(value),
    wantedAndRead(read[name]))));
}

// What a part wanted and what it read, as text (a page's value may hold markup: never parsed).
function wantedAndRead(values) {
  if (!values || typeof values !== "object" || !("wanted" in values)) return null;
  return h("dl", {class: "part-values"},
    h("dt", {}, "wanted"), h("dd", {}, h("code", {class: "wanted"}, String(values.wanted))),
    h("dt", {}, "read"), h("dd", {}, h("code", {class: "found"}, String(values.found ?? ""))),
    // The rule that refused an answer holding the reference (it lists candidates: `candidates.py`).
    values.why ? [h("dt", {}, "why"), h("dd", {class: "why"}, String(values.why))] : null);
}

function verifiedParts(verified) {
  if (!verified || typeof verified !== "object") return h("span", {class: "muted"}, "–");
  const shown = Object.entries(verified).filter(([k]) => k !== "error");
  if (!shown.length) return h("span", {class: "muted"}, "–");
  return h("ul", {class: "parts"}, shown.map(([k, value]) => h("li", {},
    k === "status" ? "status " : `${k} `, h("code", {class: k === "status" ? `status-${value}` : null},
      typeof value === "number" ? num(value) : String(value)))));
}
