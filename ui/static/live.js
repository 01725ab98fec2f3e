// Live: start any registered environment, see the page after each action, act by typing an action or
// by clicking the screenshot (the action is shown before it runs), or let an agent propose the next
// action and accept, edit or reject it; reset, change seed, see the verdict; save the episode as a
// demonstration into an exemplar memory.
import {api, details, fail, fill, go, h, keys, link, num, onLeave, page, pre, say, table} from "./core.js";
import {describe, screenshot} from "./shot.js";

let tasksCache = null;
const opened = new Set();  // sessions this tab started (its own to close when it goes)
let infoCache = null;

/** Open a live environment (`body` as `api/live` takes it) as this tab's own, and go to it. */
export async function openLive(body, saying) {
  say(saying || "Starting the environment…");
  const s = await api("live", body);
  opened.add(s.id); say(""); go("live", {session: s.id});
}

page("live", async (view, params) => {
  const sid = params.get("session");
  if (sid) return session(view, sid);
  const [tasks, info, open] = await Promise.all([tasksCache || api("tasks"), infoCache || api("info"), api("live")]);
  tasksCache = tasks; infoCache = info;
  const task = h("input", {name: "task", list: "task-names", placeholder: "miniwob.click-button", required: true, autocomplete: "off", value: params.get("task") || "", "aria-label": "task"});
  const seed = h("input", {name: "seed", type: "number", value: params.get("seed") || "0", min: "0", "aria-label": "seed"});
  // The agent to ask, if chosen now: the environment then computes what it reads (a vision agent's marks).
  const agent = h("input", {name: "agent", list: "start-agents", autocomplete: "off", spellcheck: "false", placeholder: "(optional) generic", "aria-label": "agent to ask"});
  const agentArgs = h("input", {name: "args", placeholder: "vision=som", "aria-label": "agent arguments to start with"});
  const start = h("button", {type: "submit"}, "Start");
  const form = h("form", {class: "start", onsubmit: async (event) => {
    event.preventDefault(); start.disabled = true; say("Starting the environment…");
    const body = {task: task.value.trim(), seed: Number(seed.value || 0)};
    if (agent.value.trim()) Object.assign(body, {agent: agent.value.trim(), args: parseArgs(agentArgs.value)});
    try { await openLive(body); }
    catch (error) { fail(error); } finally { start.disabled = false; }
  }}, h("label", {}, "Task ", task), h("label", {}, "Seed ", seed), h("label", {}, "Agent ", agent), h("label", {}, "Arguments ", agentArgs), start,
    h("datalist", {id: "task-names"}, tasks.map((t) => h("option", {value: t}))), h("datalist", {id: "start-agents"}, info.agents.map((a) => h("option", {value: a}))));
  fill(view,
    h("h1", {}, "Live"),
    h("p", {class: "muted"}, `Start any registered environment (${tasks.length} tasks), step it by hand or with an agent, and save what you do as a demonstration. At most ${info.max_live} run at once; one left alone ${Math.round(info.idle_timeout / 60)} minutes is closed.`),
    form,
    h("h2", {}, "Your open environments"),
    h("p", {class: "muted"}, "Sessions opened through the environment API with your token are listed too: attach to watch an agent act."),
    open.length ? table(["task", "seed", "steps", "", ""], open.map((s) => [s.task, s.seed, s.steps,
      h("a", {href: link("live", {session: s.id})}, "attach"),
      h("button", {type: "button", class: "link", onclick: async () => { await api(`live/${s.id}/close`, {}); go("live", {t: Date.now()}); }}, "close")]))
      : h("p", {class: "muted"}, "None."));
  task.focus();
});

// "k=v k2=v2" (or comma-separated) as an object: how agent arguments are typed.
function parseArgs(text) {
  const args = {};
  for (const part of text.split(/[\s,]+/)) { const [k, ...v] = part.split("="); if (k && v.length) args[k] = v.join("="); }
  return args;
}

async function session(view, sid) {
  let state;
  try { state = await api(`live/${sid}`); }
  catch (error) { fill(view, h("h1", {}, "Live"), h("p", {class: "error"}, error.message), h("a", {href: "#/live"}, "Start another")); return; }
  const info = infoCache || (infoCache = await api("info"));
  let by = "person";          // who the next action comes from
  let proposal = null;        // the agent's last proposal
  let latestShot = null;      // the screenshot of the newest state (older ones never replace it)
  const shotBox = h("div", {class: "live-shot"});
  const verdict = h("div", {class: "verdict"});
  const actionInput = h("input", {class: "action-input", name: "action", autocomplete: "off", spellcheck: "false", placeholder: "click('12')  fill('14', 'text')  press('Enter')", "aria-label": "action"});
  const preview = h("p", {class: "preview muted"}, "Type an action, or click on the page.");
  const historyBox = h("div", {class: "history"});
  const axtree = h("div");
  const proposalBox = h("div", {class: "proposal"});
  // A registered agent from the list, or any agent class typed as module:Class (a user's own).
  const agentChoices = h("datalist", {id: "agent-choices"}, info.agents.map((a) => h("option", {value: a})));
  const agentSelect = h("input", {"aria-label": "agent", list: "agent-choices", autocomplete: "off", spellcheck: "false",
    placeholder: "memory, or module:Class", value: state.agent.agent || (info.agents.includes("memory") ? "memory" : (info.agents[0] || ""))});
  const chosenArgs = Object.entries(state.agent.args || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  const agentArgs = h("input", {placeholder: "memory=demos", "aria-label": "agent arguments", value: state.agent.agent ? chosenArgs : "memory=demos"});
  const seedInput = h("input", {type: "number", min: "0", value: String(state.seed), "aria-label": "seed"});
  const memoryInput = h("input", {value: "demos", "aria-label": "memory", placeholder: "memory folder name"});
  const saveResult = h("p", {class: "muted"});
  const title = h("h1", {});
  const goal = h("div", {class: "goal"});
  const replayBox = replayNote(state.replay);

  const previewAction = (action, why) => {
    actionInput.value = action;
    fill(preview, "Will run: ", h("code", {}, action), why ? ` — ${why}` : "", h("span", {class: "muted"}, "  (Enter runs it, Esc cancels)"));
    actionInput.focus();
  };
  const pick = (el, x, y) => {
    by = "person";
    if (el) previewAction(`click('${el.id}')`, describe(el));
    else previewAction(`mouse_click(${x}, ${y})`, "no element here: a click at the point");
  };
  function render() {
    const shot = screenshot({src: `api/live/${sid}/screenshot?v=${state.version}`, alt: `the page of ${state.task}`, elements: state.elements, viewport: state.viewport, showBoxes: false, onPick: pick});
    // The page after an action replaces the one before once it has loaded: no blank flash between.
    latestShot = shot;
    const swap = () => { if (latestShot === shot) fill(shotBox, shot.root); };
    if (shotBox.firstChild) { shot.image.addEventListener("load", swap, {once: true}); shot.image.addEventListener("error", swap, {once: true}); }
    else swap();
    const done = state.done;
    fill(verdict, state.error ? h("span", {class: "badge result-error"}, `⚠ ${state.error.kind}: ${state.error.message}`)
      : done ? (state.success ? h("span", {class: "badge result-success"}, `✓ success · reward ${num(state.reward)}`) : h("span", {class: "badge result-failure"}, `✗ failed · reward ${num(state.reward)}`))
      : h("span", {class: "badge"}, `running · step ${state.history.length}`),
      state.last_action_error ? h("p", {class: "error"}, `Last action's error: ${state.last_action_error}`) : null);
    fill(historyBox, state.history.length ? table(["#", "by", "action", "error"], state.history.map((s) => [s.index, s.by, h("code", {}, s.action), s.error ? h("span", {class: "error"}, s.error) : ""]))
      : h("p", {class: "muted"}, "No step yet."));
    fill(axtree, h("details", {}, h("summary", {}, "Accessibility tree (what a text agent reads)"), pre(state.axtree, "tree")));
    seedInput.value = String(state.seed);
    fill(title, `${state.task} · seed ${state.seed}`);
    fill(goal, state.goal || "(no goal)");
  }
  async function run(event) {
    if (event) event.preventDefault();
    const action = actionInput.value.trim();
    if (!action) return;
    try {
      state = await api(`live/${sid}/step`, {action, by});
      actionInput.value = ""; by = "person"; proposal = null; fill(proposalBox);
      fill(preview, "Done: ", h("code", {}, action));
      render();
    } catch (error) { fail(error); }
  }
  async function reset(seedValue) {
    say("Resetting…");
    try { state = await api(`live/${sid}/reset`, {seed: seedValue}); fill(preview, "New episode."); proposal = null; fill(proposalBox); render(); say(""); }
    catch (error) { fail(error); }
  }
  async function propose() {
    const args = parseArgs(agentArgs.value);
    fill(proposalBox, h("p", {class: "muted"}, `Asking ${agentSelect.value}…`));
    try {
      proposal = await api(`live/${sid}/propose`, {agent: agentSelect.value, args});
      fill(proposalBox, h("p", {}, `${agentSelect.value} proposes `, h("code", {class: "action"}, proposal.action)),
        proposal.parsed.error ? h("p", {class: "error"}, proposal.parsed.error) : null,
        proposal.thoughts ? pre(proposal.thoughts) : null,
        proposalPrompt(proposal),
        h("p", {}, h("button", {type: "button", onclick: accept}, "Accept (y)"), " ", h("button", {type: "button", onclick: edit}, "Edit (e)"), " ",
          h("button", {type: "button", onclick: reject}, "Reject (n)")));
    } catch (error) { fail(error); fill(proposalBox, h("p", {class: "error"}, error.message)); }
  }
  // What the agent sent its model, and its notes (Synapse's exemplars, by goal and id), folded.
  function proposalPrompt(p) {
    const messages = p.messages || [];
    if (!messages.length) return null;
    return h("div", {class: "prompt"},
      details(`Prompt (${messages.length} messages)`, messages.map((m) => h("div", {class: `message role-${m.role}`}, h("div", {class: "role"}, m.role),
        pre(typeof m.content === "string" ? m.content : JSON.stringify(m.content, null, 1))))),
      Object.keys(p.extra || {}).length ? details("Agent's notes", pre(JSON.stringify(p.extra, null, 1))) : null);
  }
  const accept = () => { if (!proposal) return; actionInput.value = proposal.action; by = "agent"; run(); };
  const edit = () => { if (!proposal) return; by = "agent, edited"; previewAction(proposal.action, "the agent's proposal: edit it, then Enter"); };
  const reject = () => { proposal = null; fill(proposalBox, h("p", {class: "muted"}, "Rejected.")); };
  async function save() {
    try {
      const saved = await api(`live/${sid}/save`, {memory: memoryInput.value.trim()});
      fill(saveResult, h("span", {class: saved.success ? "ok" : "warn"}, `Saved ${saved.success ? "a successful" : "an UNSUCCESSFUL"} episode: `),
        h("a", {href: link("memory", {path: saved.memory})}, saved.memory), ` now holds ${saved.total} exemplars (${saved.added} added).`);
    } catch (error) { fail(error); }
  }
  async function close() { await api(`live/${sid}/close`, {}).catch(() => null); go("live", {}); }

  actionInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter") run(event);
    if (event.key === "Escape") { actionInput.value = ""; by = "person"; fill(preview, "Cancelled."); }
  });
  actionInput.addEventListener("input", () => { if (by === "agent") by = "agent, edited"; });

  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/live"}, "Live"), " › ", state.task),
    title, goal, replayBox,
    h("div", {class: "columns"},
      h("div", {class: "left"}, shotBox, verdict),
      h("div", {class: "right"},
        h("section", {}, h("h2", {}, "Act"), preview, h("form", {class: "act", onsubmit: run}, actionInput, h("button", {type: "submit"}, "Run"))),
        h("section", {}, h("h2", {}, "Ask an agent"), h("div", {class: "row"}, agentSelect, agentChoices, agentArgs, h("button", {type: "button", onclick: propose}, "Propose (a)")), proposalBox),
        h("section", {}, h("h2", {}, "Episode"), h("div", {class: "row"},
          h("button", {type: "button", onclick: () => reset(state.seed)}, "Reset (r)"), h("label", {}, " seed ", seedInput),
          h("button", {type: "button", onclick: () => reset(Number(seedInput.value || 0))}, "New seed"), h("button", {type: "button", class: "link", onclick: close}, "Close"))),
        h("section", {}, h("h2", {}, "Save as a demonstration"), h("div", {class: "row"}, h("label", {}, "memory ", memoryInput), h("button", {type: "button", onclick: save}, "Save")), saveResult),
        h("section", {}, h("h2", {}, "Steps"), historyBox), axtree)));
  render();
  keys({
    "/": ["Type an action", () => actionInput.focus()], a: ["Ask the agent for a proposal", propose],
    y: ["Accept the proposal", accept], e: ["Edit the proposal", edit], n: ["Reject the proposal", reject],
    r: ["Reset with the same seed", () => reset(state.seed)], s: ["Save as a demonstration", save],
    b: ["Show or hide element boxes", () => shotBox.querySelector(".boxes")?.classList.toggle("hidden")],
    z: ["Zoom the page (twice as large, or back)", () => latestShot?.toggleZoom()],
  });
  // The session may be driven by other clients too (an agent over the session API, OpenEnv or MCP):
  // follow it while the tab is visible, so a person can watch an agent act.
  const poll = setInterval(async () => {
    if (document.hidden) return;
    try {
      const fresh = await api(`live/${sid}`);
      if (fresh.version !== state.version) { state = fresh; render(); }
    } catch (error) { clearInterval(poll); fail(error); }
  }, 1500);
  // A tab closed (or reloaded) takes its environment with it, unless another client opened it;
  // moving to another page of the UI does not.
  const beacon = () => fetch(`api/live/${sid}/close`, {method: "POST", keepalive: true, headers: {"content-type": "application/json"}, body: "{}"});
  if (opened.has(sid)) window.addEventListener("pagehide", beacon);
  onLeave(() => { clearInterval(poll); window.removeEventListener("pagehide", beacon); });
}

// What a replayed episode says (`api/live` with `replay`): which run's episode, how many of its
// actions were taken again, and the first step whose outcome differs from the recorded one.
function replayNote(replay) {
  if (!replay || !replay.run) return null;
  const back = h("a", {href: link("episode", {run: replay.run, key: replay.key, step: replay.steps.length})}, replay.key);
  const differs = replay.first_difference === null || replay.first_difference === undefined ? null : replay.steps[replay.first_difference];
  return h("section", {class: "replay"},
    h("p", {}, `Replayed ${replay.steps.length} of ${replay.asked} recorded actions of `, back,
      replay.steps.length < replay.asked ? " (the episode ended before the rest)" : "", ". Act from here to take over."),
    replay.settings ? h("p", {class: "settings"}, replay.settings) : null,
    differs ? h("p", {class: "error"}, `Step ${differs.index} (${differs.action}) did not end as recorded: the run's error was `,
      h("code", {}, differs.recorded_error || "none"), ", now ", h("code", {}, differs.error || "none"),
      ". The page may differ from the run's from there (a nondeterministic task, another version).")
      : h("p", {class: "ok"}, "Every replayed action ended as recorded."));
}
