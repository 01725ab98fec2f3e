// Installed in every frame before the page's own scripts (`palaestra.envs.page_supply`): keeps the
// short timers that an event handler starts, so that the step's settling (settle.js) waits for
// them. A result shown 300 ms after a click, a spinner swapped for the answer, a search debounced
// by 250 ms after typing: the DOM is quiet when the action returns, and without this the
// observation showed the page before the change. Kept: `setTimeout` calls made while an event is
// being dispatched (`window.event`, so a user's click or key, or the page's load events), with a
// delay of at most LONGEST_MS, and those their callbacks start in turn, up to CHAIN levels (a
// spinner shown at once, then the result). Not kept: anything else (a poll that a page runs from
// its own timers, an interval), so a background timer never holds a step. Wrapped with Proxies,
// which keep the functions' native look (`setTimeout.toString()`); nothing else changes for the
// page. The timers are listed under a symbol settle.js reads: id -> when it is due.
(() => {
  const KEY = Symbol.for("palaestra.pendingTimers");
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const LONGEST_MS = 1000;
  const CHAIN = 3;
  const pending = new Map();
  let level = 0; // while a kept timer's callback runs: how deep in its chain it is
  Object.defineProperty(window, KEY, { value: pending });
  window.setTimeout = new Proxy(window.setTimeout, {
    apply(target, self, args) {
      const [callback, ms] = args;
      const delay = Math.max(0, Number(ms) || 0);
      const depth = window.event !== undefined ? 1 : level > 0 ? level + 1 : 0;
      if (typeof callback !== "function" || delay > LONGEST_MS || depth === 0 || depth > CHAIN) {
        return Reflect.apply(target, self, args);
      }
      let id;
      const kept = [function (...rest) {
        pending.delete(id);
        level = depth;
        try { return callback.apply(this, rest); } finally { level = 0; }
      }, ...args.slice(1)];
      id = Reflect.apply(target, self, kept);
      pending.set(id, performance.now() + delay);
      return id;
    },
  });
  window.clearTimeout = new Proxy(window.clearTimeout, {
    apply(target, self, args) {
      pending.delete(args[0]);
      return Reflect.apply(target, self, args);
    },
  });
})();
