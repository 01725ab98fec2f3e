// Demonstrations: the exemplar memories under the UI's memory folders; list, view, delete exemplars.
import {api, fail, fill, h, keys, link, page, pre, rowKeys, say, table} from "./core.js";

page("memories", async (view) => {
  const found = await api("memories");
  fill(view,
    h("h1", {}, "Demonstrations and memories"),
    h("p", {class: "muted"}, `Memories under ${found.roots.join(", ") || "(no memory folder configured: start the UI with --memories DIR)"}. Record a demonstration on the `, h("a", {href: "#/live"}, "Live"), " page."),
    found.memories.length ? h("ul", {class: "memories"}, found.memories.map((m) => h("li", {}, h("a", {href: link("memory", {path: m.path})}, m.label))))
      : h("p", {class: "muted"}, "No memory yet."));
  keys({});
});

page("memory", async (view, params) => {
  const path = params.get("path");
  const m = await api("memory?" + new URLSearchParams({path}));
  const detail = h("div", {class: "exemplar"});
  const rows = m.exemplars.map((e) => {
    const tr = h("tr", {dataset: {id: e.id}},
      h("td", {}, e.goal), h("td", {}, `${e.suite}.${e.task}`), h("td", {}, e.source), h("td", {}, e.success ? "✓" : "✗"),
      h("td", {class: "num"}, e.steps), h("td", {class: "num"}, e.metadata && e.metadata.seed !== undefined ? e.metadata.seed : "–"),
      h("td", {}, h("button", {type: "button", class: "link", onclick: () => show(e.id)}, "view"), " ",
        h("button", {type: "button", class: "link danger", onclick: () => remove(e.id, tr)}, "delete")));
    return tr;
  });
  const body = h("tbody", {}, rows);
  async function show(id) {
    try {
      const e = await api("exemplar?" + new URLSearchParams({path, id}));
      fill(detail, h("h2", {}, "Exemplar"), h("div", {class: "goal"}, e.goal),
        h("p", {class: "muted"}, `${e.suite}.${e.task} · ${e.source} · ${e.success ? "successful" : "unsuccessful"} · id ${e.id}`),
        table(["#", "by", "action", "state the actor saw"], e.steps.map((s, i) => [i, s.by || "–", h("code", {}, s.action), h("details", {}, h("summary", {}, (s.state.split("\n")[0] || "").slice(0, 80)), pre(s.state, "tree"))])));
      detail.scrollIntoView({block: "nearest"});
    } catch (error) { fail(error); }
  }
  async function remove(id, tr) {
    if (!confirm("Delete this exemplar from the memory? Agents will no longer see it.")) return;
    try { const r = await api("exemplar/delete", {path, id}); tr.remove(); say(`Deleted; the memory holds ${r.total}.`); fill(detail); }
    catch (error) { fail(error); }
  }
  fill(view,
    h("p", {class: "crumbs"}, h("a", {href: "#/memories"}, "Demonstrations"), " › ", path),
    h("h1", {}, `Memory: ${path.split("/").pop()}`),
    h("p", {}, `${m.count} exemplars · families: `, Object.entries(m.families).map(([f, n]) => `${f} (${n})`).join(", ") || "none"),
    h("table", {class: "exemplars"}, h("thead", {}, h("tr", {}, ["goal", "task", "source", "ok", "steps", "seed", ""].map((x) => h("th", {}, x)))), body),
    detail);
  rowKeys(body, (tr) => show(tr.dataset.id));
});
