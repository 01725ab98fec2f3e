// The UI's small core: building DOM from data (text nodes only, never innerHTML), calling the JSON
// API, a hash router, keyboard shortcuts, and formatting.

/** h("a", {href: "#/x", class: "c", onclick: fn}, "text", child, [more]) -> Element. Strings are
 *  always text nodes, so page text, goals and model output can never become markup. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Call the API (paths relative to the page, so any mount point works). Throws Error(message). */
export async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch("api/" + path, options);
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== undefined && v !== null && v !== "") q.set(k, v);
  }
  return q.toString();
}

export function link(page, params) {
  const q = query(params || {});
  return `#/${page}${q ? "?" + q : ""}`;
}

// -- messages ---------------------------------------------------------------------------------------

export function say(text, kind = "info") {
  const box = document.getElementById("message");
  fill(box, text ? h("span", {class: kind}, text) : null);
  box.className = text ? "shown " + kind : "";
  if (kind === "info" && text) setTimeout(() => { if (box.textContent === text) fill(box); box.className = ""; }, 4000);
}

export function fail(error) { say(error.message || String(error), "error"); }

// -- keyboard ---------------------------------------------------------------------------------------

let pageKeys = {};
const globalKeys = {
  "g r": ["Runs", () => go("runs")], "g l": ["Live", () => go("live")],
  "g d": ["Demonstrations", () => go("memories")], "?": ["This help", showHelp],
};
let prefix = "";

/** Shortcuts of the current page: {key: [description, fn]}. Cleared on every navigation. */
export function keys(map) { pageKeys = map; }

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (typing(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  const key = prefix ? `${prefix} ${event.key}` : event.key;
  prefix = "";
  const found = pageKeys[key] || globalKeys[key];
  if (found) { event.preventDefault(); found[1](event); return; }
  if (event.key === "g") prefix = "g";
});

function showHelp() {
  const list = document.getElementById("help-keys");
  const rows = [];
  for (const [key, [what]] of Object.entries({...pageKeys, ...globalKeys})) rows.push(h("dt", {}, h("kbd", {}, key)), h("dd", {}, what));
  fill(list, rows);
  document.getElementById("help").showModal();
}

// -- routing ----------------------------------------------------------------------------------------

const pages = {};
export function page(name, render) { pages[name] = render; }
export function go(name, params) { location.hash = link(name, params); }

export function currentRoute() {
  const [path, q] = location.hash.replace(/^#\/?/, "").split("?");
  return {name: path || "runs", params: new URLSearchParams(q || "")};
}

let leaving = null;
/** A page's clean-up, run when the person navigates away (timers, live-session beacons). */
export function onLeave(fn) { leaving = fn; }

export async function route() {
  const {name, params} = currentRoute();
  if (leaving) { const fn = leaving; leaving = null; fn(); }
  keys({});
  const view = document.getElementById("view");
  for (const a of document.querySelectorAll("header nav a")) {
    a.classList.toggle("active", name.startsWith(a.dataset.page) || (a.dataset.page === "runs" && ["run", "compare", "episode", "playground"].includes(name)));
  }
  const render = pages[name];
  if (!render) { fill(view, h("p", {class: "error"}, `No page “${name}”.`), h("a", {href: "#/runs"}, "Runs")); return; }
  try {
    await render(view, params);
  } catch (error) {
    fill(view, h("h1", {}, "Something went wrong"), h("p", {class: "error"}, error.message || String(error)));
  }
}

// -- formatting -------------------------------------------------------------------------------------

export const num = (x, digits = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
export const int = (x) => (x === null || x === undefined ? "–" : Number(x).toLocaleString("en"));
export function when(t) {
  if (!t) return "–";
  return new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}
export function pct(p, se) { return `${num(p)} ± ${num(se)}`; }

export function resultBadge(result, errorKind) {
  const label = {success: "✓ success", failure: "✗ failure", step_limit: "✗ step limit", error: `⚠ ${errorKind || "error"}`,
    in_progress: "… in progress", unfinished: "… unfinished"}[result] || result;
  return h("span", {class: `badge result-${result}`}, label);
}

export function table(headers, rows, numeric = []) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((x, i) => h("th", {class: numeric.includes(i) ? "num" : null}, x)))),
    h("tbody", {}, rows.map((row) => (row instanceof Node ? row :
      h("tr", {}, row.map((cell, i) => h("td", {class: numeric.includes(i) ? "num" : null}, cell)))))));
}

export function details(summary, body, open = false) {
  return h("details", {open}, h("summary", {}, summary), body);
}

export function pre(text, cls) { return h("pre", {class: cls}, text === undefined || text === null ? "" : String(text)); }

/** Move a highlighted row in a table body with j/k and open it with Enter. */
export function rowKeys(tbody, open, extra = {}) {
  let at = -1;
  const rows = () => [...tbody.querySelectorAll("tr")].filter((r) => !r.hidden);
  const move = (d) => {
    const list = rows(); if (!list.length) return;
    list.forEach((r) => r.classList.remove("current"));
    at = Math.max(0, Math.min(list.length - 1, at + d));
    list[at].classList.add("current"); list[at].scrollIntoView({block: "nearest"});
  };
  keys({
    j: ["Next row", () => move(1)], k: ["Previous row", () => move(-1)],
    ArrowDown: ["Next row", () => move(1)], ArrowUp: ["Previous row", () => move(-1)],
    Enter: ["Open the row", () => { const r = rows()[at]; if (r) open(r); }],
    ...extra,
  });
}
