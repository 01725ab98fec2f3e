// The episode viewer: the step timeline; per step what the agent saw, what it answered, what that
// parsed to and did, what it cost; the diff from the step before. j/k or arrows move between steps.
import {api, details, fail, fill, go, h, int, keys, link, num, page, pre, resultBadge, table} from "./core.js";
import {openLive} from "./live.js";
import {screenshot} from "./shot.js";
import {verdictSection} from "./verdict.js";

const TABS = ["Prompt & answer", "AXTree", "DOM", "Abstracted state", "Elements", "Tools", "Diff", "Text"];

page("episode", async (view, params) => {
  const runId = params.get("run"), key = params.get("key");
  const ep = await api("episode?" + new URLSearchParams({run: runId, key}));
  const e = ep.episode;
  const count = ep.steps.length + (ep.final ? 1 : 0);
  let at = Math.max(0, Math.min(count - 1, Number(params.get("step") || 0)));
  let tab = Number(sessionStorage.getItem("episode-tab") || 0);
  let showBoxes = sessionStorage.getItem("episode-boxes") !== "off";
  const strip = h("ol", {class: "timeline", "aria-label": "steps"});
  const stage = h("div", {class: "stage"});
  const file = (name) => "api/file?" + new URLSearchParams({run: runId, key, name});
  const sentImage = (name) => "api/call-image?" + new URLSearchParams({run: runId, key, name});

  const chips = [];
  ep.steps.forEach((s, i) => chips.push(h("li", {}, h("button", {type: "button", class: "chip" + (s.error ? " has-error" : ""), title: s.action, onclick: () => show(i)}, String(i)))));
  if (ep.final) chips.push(h("li", {}, h("button", {type: "button", class: "chip final", title: "the page after the last step", onclick: () => show(count - 1)}, "end")));
  fill(strip, chips);

  let showing = 0;
  let currentShot = null;
  async function show(i) {
    const ticket = ++showing;
    at = Math.max(0, Math.min(count - 1, i));
    history.replaceState(null, "", link("episode", {run: runId, key, step: at}));
    chips.forEach((c, j) => c.firstChild.classList.toggle("current", j === at));
    chips[at]?.firstChild.scrollIntoView({block: "nearest", inline: "nearest"});
    const isFinal = ep.final && at === count - 1;
    const step = isFinal ? null : ep.steps[at];
    fill(stage, h("p", {class: "muted"}, "Loading the observation…"));
    let obs;
    try { obs = await api("observation?" + new URLSearchParams({run: runId, key, step: isFinal ? "final" : at})); }
    catch (error) { fail(error); obs = {text: "", record: null, problem: error.message, diff: null}; }
    if (ticket !== showing) return; // a later keypress won
    const shotName = isFinal ? ep.final.screenshot : step.screenshot;
    currentShot = null;
    const rec = obs.record;
    const shot = shotName ? screenshot({
      src: file(shotName), alt: isFinal ? "the final page" : `what the agent saw at step ${at}`,
      elements: rec ? rec.elements : [], acted: step ? step.parsed.targets : [], points: step ? step.parsed.points : [], showBoxes,
    }) : null;
    currentShot = shot;
    const seen = ep.observed === "before" ? (isFinal ? (ep.steps.length ? "The page after the last action." : "The page at reset: the episode ended before its first action.") : `The page the agent acted on at step ${at}.`)
      : `Recorded after step ${at} (an older run: it recorded each page after its action).`;
    fill(stage,
      h("div", {class: "columns"},
        h("div", {class: "left"}, h("p", {class: "muted"}, seen),
          shot ? shot.root : h("p", {class: "muted"}, "No screenshot recorded."),
          rec && rec.url ? h("p", {class: "url"}, rec.url, rec.shown_url && rec.shown_url !== rec.url
            ? h("span", {class: "hidden-from-agent"}, ` (agents are shown “${rec.shown_url}”: the path names the task)`) : null) : null,
          shot ? h("label", {class: "toggle"}, h("input", {type: "checkbox", checked: showBoxes, onchange: () => { showBoxes = !showBoxes; sessionStorage.setItem("episode-boxes", showBoxes ? "on" : "off"); shot.toggleBoxes(); }}), " element boxes (b)") : null),
        h("div", {class: "right"}, step ? stepFacts(step, at) : [h("h2", {}, "Final page"), replayButton(ep.steps.length)], tabs(step, obs))));
    keys(pageKeys());
  }

  function stepFacts(s, i) {
    const p = s.parsed;
    return h("section", {class: "facts"},
      h("h2", {}, `Step ${i}`),
      h("dl", {class: "record"},
        h("dt", {}, "Action"), h("dd", {}, h("code", {class: "action"}, s.action || "(none)")),
        h("dt", {}, "Parsed"), h("dd", {}, p.error ? h("span", {class: "error"}, p.error) : p.calls.length ? h("ul", {class: "calls"}, p.calls.map((c) => h("li", {}, h("code", {}, c.call)))) : "–"),
        h("dt", {}, "Error"), h("dd", {}, s.error ? h("span", {class: "error"}, s.error) : h("span", {class: "muted"}, "none")),
        h("dt", {}, "Reward"), h("dd", {}, num(s.reward)),
        h("dt", {}, "Tokens"), h("dd", {}, `${int(s.tokens_in)} in · ${int(s.tokens_out)} out · cost ${num(s.cost, 4)}`),
        h("dt", {}, "Latency"), h("dd", {}, `agent ${num(s.agent_s, 3)} s · environment ${num(s.env_s, 3)} s · recording ${num(s.overhead_s, 3)} s`)),
      s.messages.length ? h("p", {}, h("a", {class: "button", href: link("playground", {run: runId, key, step: i})}, "Open this prompt in the playground (p)")) : null,
      replayButton(i));
  }

  // Reproduce: the task live on the episode's seed, its actions before step `i` taken again, so the
  // page is the one the agent acted on at step `i`; then take over by hand or with an agent.
  function replayButton(i) {
    return h("p", {}, h("button", {type: "button", class: "replay", onclick: () => replayTo(i)}, `Replay live up to step ${i} (l)`));
  }
  async function replayTo(i) {
    try { await openLive({replay: {run: runId, key, steps: i}}, `Replaying ${i} recorded actions live…`); }
    catch (error) { fail(error); }
  }

  function tabs(step, obs) {
    const rec = obs.record || {};
    const bodies = [
      () => prompt(step, sentImage),
      () => pre(rec.axtree || obs.text || "(not recorded)", "tree"),
      () => pre(rec.dom || "(not recorded)", "tree"),
      () => pre(rec.abstract_state || "(no element records for this step)", "tree"),
      () => (rec.elements && rec.elements.length ? table(["id", "tag", "role", "name / text", "box", "flags"], rec.elements.map((el) => [el.id, el.tag, el.role, el.name || el.text, el.bbox.map((v) => Math.round(v)).join(", "), [el.clickable ? "clickable" : "", el.editable ? "editable" : "", el.focused ? "focused" : "", el.checked ? "checked" : ""].filter(Boolean).join(" ")])) : h("p", {class: "muted"}, "No element records.")),
      () => h("div", {}, pre(rec.tools || "(this task offers no tools)"), rec.tool_results ? details("Tool results", pre(rec.tool_results), true) : null),
      () => diff(obs.diff),
      () => h("div", {}, obs.problem ? h("p", {class: "error"}, obs.problem) : null,
        h("p", {class: "muted"}, "The environment's observation as recorded, its page address included; what the model was sent is under Prompt & answer."),
        pre(obs.text || "(not recorded)", "tree")),
    ];
    const panel = h("div", {class: "tab-panel", role: "tabpanel"});
    const buttons = TABS.map((name, i) => h("button", {type: "button", role: "tab", class: "tab", onclick: () => select(i)}, `${i + 1} ${name}`));
    const select = (i) => {
      tab = i; sessionStorage.setItem("episode-tab", String(i));
      buttons.forEach((b, j) => b.setAttribute("aria-selected", String(j === i)));
      fill(panel, bodies[i]());
    };
    select(Math.min(tab, TABS.length - 1));
    tabs.select = select;
    return h("section", {class: "tabs"}, h("div", {role: "tablist"}, buttons), panel);
  }

  function pageKeys() {
    const map = {
      j: ["Next step", () => show(at + 1)], k: ["Previous step", () => show(at - 1)],
      ArrowRight: ["Next step", () => show(at + 1)], ArrowLeft: ["Previous step", () => show(at - 1)],
      Home: ["First step", () => show(0)], End: ["Last step (final page)", () => show(count - 1)],
      b: ["Show or hide element boxes", () => stage.querySelector(".toggle input")?.click()],
      z: ["Zoom the screenshot (twice as large, or back)", () => currentShot?.toggleZoom()],
      p: ["Open the step's prompt in the playground", () => { if (ep.steps[at]) go("playground", {run: runId, key, step: at}); }],
      l: ["Replay the episode live up to this step, to take over", () => replayTo(Math.min(at, ep.steps.length))],
      n: ["Next episode", () => ep.next_episode && go("episode", {run: runId, key: ep.next_episode})],
      N: ["Previous episode", () => ep.previous_episode && go("episode", {run: runId, key: ep.previous_episode})],
      u: ["Up to the run", () => go("run", {run: runId})],
    };
    TABS.forEach((name, i) => { map[String(i + 1)] = [`Show ${name}`, () => tabs.select(i)]; });
    return map;
  }

  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/runs"}, "Runs"), " › ", h("a", {href: link("run", {run: runId})}, "run"), " › episode",
      h("span", {class: "nav-episodes"}, ep.previous_episode ? h("a", {href: link("episode", {run: runId, key: ep.previous_episode})}, "← previous episode (N)") : null,
        ep.next_episode ? h("a", {href: link("episode", {run: runId, key: ep.next_episode})}, "next episode (n) →") : null)),
    h("h1", {}, `${e.agent} · ${e.task} · seed ${e.seed} `, resultBadge(ep.result, e.error_kind)),
    h("div", {class: "goal"}, e.goal || "(no goal recorded)"),
    unrecorded(ep.result),
    h("p", {class: "stats"}, `reward ${num(e.reward)} · ${e.steps} steps${e.extra && e.extra.step_limit_counts === "answers" ? ` (${int(e.extra.answers)} answers)` : ""} · ${num(e.elapsed_s, 2)} s (reset ${num(e.reset_s, 2)} s) · ${int(e.tokens_in)} tokens in, ${int(e.tokens_out)} out · cost ${num(e.cost, 4)} · attempts ${e.attempts}`),
    ep.resources ? h("p", {class: "resources", title: "what the episode's own processes used (desktop episodes)"}, `resources: ${ep.resources}`) : null,
    e.error_message ? pre(e.error_message, "error-message") : null,
    refusedPrompt(ep.refused_prompt),
    verdictSection(e.extra),
    traceSection(ep.trace, file),
    ep.attempts.length ? details(`Errored attempts (${ep.attempts.length})`, table(["attempt", "error", "message"], ep.attempts.map((a) => [a.attempt, a.error_kind, pre(a.error_message)]))) : null,
    ep.artifacts_problem ? h("p", {class: "error"}, `Artifacts: ${ep.artifacts_problem}`) : null,
    count ? [h("h2", {}, `Timeline (${ep.steps.length} steps)`), strip, stage] : h("p", {class: "muted"}, "No step was taken."));
  if (count) await show(at);
});

// An episode the run started and has not recorded (`ui/in_progress.py`): its steps so far, read-only.
function unrecorded(result) {
  if (result === "in_progress") {
    return h("p", {class: "in-progress note"}, "In progress: the run is playing this episode; these are its steps so far "
      + "(the last screenshot is the page the agent acts on now). Its verdict, time and attempts come when it ends. Reload to follow.");
  }
  if (result === "unfinished") {
    return h("p", {class: "in-progress note"}, "Unfinished: the run stopped during this episode and recorded no result; "
      + "these are the steps it took. Resuming the run plays it again from the start.");
  }
  return null;
}

// A `context_length` episode's last prompt, the one the model refused as longer than its window:
// how large each message was (characters, estimated tokens) and what it said, to see what filled it.
function refusedPrompt(r) {
  if (!r) return null;
  const parts = r.parts || [];
  return h("section", {class: "refused-prompt"},
    h("h2", {}, "The prompt the model refused"),
    h("p", {}, `The agent's last prompt (after its shrinking) was longer than the model's window: ${int(r.messages)} messages, `
      + `${int(r.chars)} characters, about ${int(r.tokens_est)} tokens (four characters a token).`),
    table(["message", "role", "characters", "≈ tokens", "images"], parts.map((p, i) => [String(i), p.role, int(p.chars), int(p.tokens_est), p.images ? int(p.images) : "–"]), [0, 2, 3, 4]),
    (r.sent || []).length ? details("What was sent", (r.sent || []).map((m) => h("div", {class: `message role-${m.role}`},
      h("div", {class: "role"}, m.role), pre(m.content)))) : h("p", {class: "muted"}, "The messages were not kept."));
}

function prompt(step, sentImage) {
  if (!step) return h("p", {class: "muted"}, "The final page has no prompt.");
  return h("div", {class: "prompt"},
    step.thoughts ? details("Thoughts", pre(step.thoughts), true) : null,
    h("h3", {}, "Answer"), pre(step.raw_response || "(no raw answer recorded)", "answer"),
    h("h3", {}, `Prompt (${step.messages.length} messages)`),
    step.messages.length ? step.messages.map((m) => h("div", {class: `message role-${m.role}`}, h("div", {class: "role"}, m.role),
      messageContent(m.content, sentImage))) : h("p", {class: "muted"}, "This agent sends no prompt (it needs no model)."),
    Object.keys(step.agent_extra || {}).length ? details("Agent's notes", pre(JSON.stringify(step.agent_extra, null, 1))) : null);
}

// A message's content in the order it was sent: its text, and each image where its part was (the
// run keeps the image a call sent beside the episode, named by the part's `file`).
function messageContent(content, sentImage) {
  if (typeof content === "string") return pre(content);
  if (!Array.isArray(content)) return pre(JSON.stringify(content, null, 1));
  return content.map((part) => part && part.type === "text" ? pre(String(part.text ?? ""))
    : part && part.type === "image_url" ? imagePart(part, sentImage) : pre(JSON.stringify(part, null, 1)));
}

function imagePart(part, sentImage) {
  const sent = typeof part.image_url === "string" ? {url: part.image_url} : (part.image_url || {});
  const url = String(sent.url || "no address recorded").replace(/^\((.*)\)$/s, "$1"); // runs record "(PNG, 81234 characters)"
  const what = `${url}${sent.detail ? `, detail ${sent.detail}` : ""}`;
  if (typeof part.file !== "string" || !part.file) {
    return h("p", {class: "sent-image muted"}, `An image was sent here (${what}); this run did not keep it.`);
  }
  const src = sentImage(part.file);
  const note = h("figcaption", {}, `The image sent to the model here (${what}). `, h("a", {href: src, target: "_blank", rel: "noopener"}, "Full size"));
  const img = h("img", {src, alt: "the image sent to the model", onerror: () => fill(note, h("span", {class: "error"}, `The image ${part.file} the call sent cannot be shown (moved, or not a file of the episode's folder).`))});
  return h("figure", {class: "sent-image"}, h("a", {href: src, target: "_blank", rel: "noopener"}, img), note);
}

function diff(d) {
  if (!d) return h("p", {class: "muted"}, "The first observation: nothing before it to compare.");
  if (!d.lines.length) return h("p", {class: "muted"}, "Nothing changed on the page since the step before.");
  return h("div", {},
    h("p", {class: "muted"}, `${d.added} lines added, ${d.removed} removed since the step before${d.clipped ? " (clipped)" : ""}.`),
    h("pre", {class: "diff"}, d.lines.map((line) => h("span", {class: line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@@") ? "hunk" : "ctx"}, line + "\n"))));
}

// The episode's Playwright trace (`palaestra eval --trace`): a download, and the command that opens it.
function traceSection(trace, file) {
  if (!trace) return null;
  if (!trace.name) return h("p", {class: "error"}, `Playwright trace: not written (${trace.problem}).`);
  const mb = (trace.bytes / 1e6).toFixed(trace.bytes < 1e7 ? 2 : 0);
  return h("section", {class: "trace"},
    h("h2", {}, "Playwright trace"),
    h("p", {}, h("a", {class: "button", href: file(trace.name), download: ""}, `Download trace.zip (${mb} MB)`),
      " — every browser call of the episode, with DOM snapshots and the screencast. Open it offline with ",
      h("code", {class: "command"}, trace.command),
      " (without Playwright's own Chromium installed, add ", h("code", {}, "--port 9322"),
      " and open the address it prints in any browser), or load the downloaded file in trace.playwright.dev (it stays in your browser)."));
}
