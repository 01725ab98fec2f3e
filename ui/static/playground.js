// The prompt playground: a step's prompt, editable; send it to the model and compare the answer and
// the action it parses to with what the agent answered in the run.
import {api, fail, fill, h, int, keys, link, num, page, pre, say} from "./core.js";

const ROLES = ["system", "user", "assistant"];

function parsedView(parsed, action) {
  return h("div", {},
    h("h4", {}, "Action"), h("code", {class: "action block"}, action || "(none)"),
    h("h4", {}, "Parses to"),
    parsed.error ? h("p", {class: "error"}, parsed.error)
      : parsed.calls.length ? h("ul", {class: "calls"}, parsed.calls.map((c) => h("li", {}, h("code", {}, c.call)))) : h("p", {class: "muted"}, "no call"));
}

page("playground", async (view, params) => {
  const runId = params.get("run"), key = params.get("key"), step = Number(params.get("step") || 0);
  const p = await api("prompt?" + new URLSearchParams({run: runId, key, step}));
  const list = h("div", {class: "messages"});
  const editors = [];
  const addMessage = (role, content) => {
    const select = h("select", {"aria-label": "role"}, ROLES.map((r) => h("option", {value: r}, r)));
    select.value = ROLES.includes(role) ? role : "user";
    const value = typeof content === "string" ? content : JSON.stringify(content, null, 1);
    const text = h("textarea", {rows: Math.min(24, Math.max(3, value.split("\n").length + 1)), spellcheck: "false", "aria-label": `message ${editors.length + 1}`}, "");
    text.value = value;
    const entry = {select, text, parts: Array.isArray(content)};
    const remove = h("button", {type: "button", class: "link", onclick: () => { editors.splice(editors.indexOf(entry), 1); box.remove(); }}, "remove");
    const box = h("div", {class: "message-editor"}, h("div", {class: "row"}, select, remove), text, ...thumbnails(content));
    editors.push(entry);
    list.append(box);
  };
  // The images a recorded part names, small, under its editor: the server sends each one's bytes in
  // place of its stub, so the page never carries their base64.
  const thumbnails = (content) => (Array.isArray(content) ? content : [])
    .filter((part) => part && part.type === "image_url" && typeof part.file === "string" && part.file)
    .map((part) => {
      const src = "api/call-image?" + new URLSearchParams({run: runId, key, name: part.file});
      return h("figure", {class: "sent-image"}, h("a", {href: src, target: "_blank", rel: "noopener"}, h("img", {src, alt: "an image the step sent"})),
        h("figcaption", {}, `Sent with its image (${part.file}), as the run sent it, while its part names that file.`));
    });
  p.messages.forEach((m) => addMessage(m.role, m.content));
  if (!p.messages.length) addMessage("user", "");

  const field = (name, label, value) => h("label", {}, label, h("input", {name, value: value ?? "", placeholder: "as recorded / from the environment"}));
  const settings = h("fieldset", {class: "settings"}, h("legend", {}, "Model"),
    field("model", "model ", p.model.model), field("base_url", "base URL ", p.model.base_url),
    field("temperature", "temperature ", p.model.temperature ?? 0), field("max_tokens", "max tokens ", p.model.max_tokens));
  const result = h("div", {class: "result"}, h("p", {class: "muted"}, "Send the prompt to see the model's answer here (Ctrl+Enter)."));
  const sendButton = h("button", {type: "submit"}, "Send to the model");

  // A message recorded as content parts (text and images) is edited as their JSON and sent as parts.
  const message = (e, i) => {
    if (!e.parts) return {role: e.select.value, content: e.text.value};
    let content;
    try { content = JSON.parse(e.text.value); } catch (error) { throw new Error(`Message ${i + 1} is a list of content parts, edited as JSON, and its JSON does not parse: ${error.message}`); }
    return {role: e.select.value, content};
  };

  async function send(event) {
    if (event) event.preventDefault();
    const model = {};
    for (const input of settings.querySelectorAll("input")) if (input.value.trim() !== "") model[input.name] = input.value.trim();
    sendButton.disabled = true;
    fill(result, h("p", {class: "muted"}, "Asking the model…"));
    try {
      const answer = await api("playground", {run: runId, key, step, model, messages: editors.map(message)});
      if (!answer.ok) { fill(result, h("h3", {}, "The model failed"), pre(answer.error, "error-message")); return; }
      fill(result,
        h("h3", {}, "Answer"), pre(answer.answer, "answer"),
        parsedView(answer.parsed, answer.action),
        h("p", {class: "muted"}, `${answer.model} · ${int(answer.tokens_in)} tokens in, ${int(answer.tokens_out)} out · cost ${num(answer.cost, 4)} · ${num(answer.latency, 2)} s`),
        answer.action === p.action ? h("p", {class: "ok"}, "Same action as in the run.") : h("p", {class: "warn"}, "A different action from the run's."));
    } catch (error) { fail(error); fill(result, h("p", {class: "error"}, error.message)); }
    finally { sendButton.disabled = false; }
  }

  const form = h("form", {class: "playground-form", onsubmit: send},
    settings, list,
    h("p", {}, h("button", {type: "button", onclick: () => addMessage("user", "")}, "Add a message"), " ", sendButton));
  form.addEventListener("keydown", (event) => { if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send(event); });
  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/runs"}, "Runs"), " › ", h("a", {href: link("run", {run: runId})}, "run"), " › ",
      h("a", {href: link("episode", {run: runId, key, step})}, `episode, step ${step}`), " › playground"),
    h("h1", {}, `Prompt playground: ${p.agent} · step ${step}`),
    h("div", {class: "goal"}, p.goal),
    h("div", {class: "columns playground"},
      h("section", {}, h("h2", {}, "Prompt"), form),
      h("section", {}, h("h2", {}, "In the run"), pre(p.raw_response || "(no answer recorded)", "answer"), parsedView(p.parsed, p.action),
        p.error ? h("p", {class: "error"}, `The environment said: ${p.error}`) : null),
      h("section", {}, h("h2", {}, "Now"), result)));
  keys({s: ["Send the prompt", () => send()], u: ["Back to the episode", () => { location.hash = link("episode", {run: runId, key, step}); }]});
  if (!p.messages.length) say("This step recorded no prompt (its agent needs no model); write one to try.", "info");
});
