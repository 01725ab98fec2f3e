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
//
// The same holds for a `fetch` (or XHR) sent from a kept place (a click's handler, a kept timer):
// its answer is a level of the chain. The step waits for the request itself (navigation.py), but
// a page that fetches and then renders from the answer's `then` callback, or 200 ms later from a
// timer that callback starts, changed after the observation: a promise callback is no event, so
// its timers were not kept. Now, while the callbacks of a kept request's answer run (the fetch's
// promise and its body's `json()`/`text()`... settling, up to the next task), timers are kept one
// level deeper than the request. Until then the request is listed under a second symbol (with
// when it was sent, and when the last settling ended, `since`): settle.js waits for those sent
// since the last observation, so the answer's callbacks have run before the page is read.
(() => {
  const KEY = Symbol.for("palaestra.pendingTimers");
  if (Object.prototype.hasOwnProperty.call(window, KEY)) return;
  const LONGEST_MS = 1000;
  const CHAIN = 3;
  const pending = new Map();
  let level = 0; // while a kept timer's callback runs: how deep in its chain it is
  let answerLevel = 0; // while a kept answer's callbacks run (to the next task): its level
  Object.defineProperty(window, KEY, { value: pending });
  const answers = { pending: new Map(), since: 0 };
  Object.defineProperty(window, Symbol.for("palaestra.pendingAnswers"), { value: answers });
  const nativeSetTimeout = window.setTimeout;
  // How deep in a kept chain the running code is: 0 when it was not started by an event.
  const depthHere = () => (window.event !== undefined ? 1 : Math.max(level, answerLevel));
  window.setTimeout = new Proxy(window.setTimeout, {
    apply(target, self, args) {
      const [callback, ms] = args;
      const delay = Math.max(0, Number(ms) || 0);
      const here = depthHere();
      const depth = window.event !== undefined ? 1 : here > 0 ? here + 1 : 0;
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
  // A kept request's answer: `token` is listed until the task after its callbacks ran.
  let tokens = 0;
  const listAnswer = () => {
    tokens += 1;
    answers.pending.set(tokens, performance.now());
    return tokens;
  };
  const answered = (token, depth) => {
    answerLevel = Math.max(answerLevel, depth);
    // Promise callbacks run before any task: the next task sees them all done.
    Reflect.apply(nativeSetTimeout, window, [() => { answerLevel = 0; answers.pending.delete(token); }, 0]);
  };
  // Wrap a promise-returning function: a call from a kept place has its answer kept, at `step`
  // levels deeper (1 for a request, 0 for reading the body of an answer already kept).
  const keepAnswer = (fn, step) => new Proxy(fn, {
    apply(target, self, args) {
      const depth = depthHere();
      const promise = Reflect.apply(target, self, args);
      if (depth === 0 || depth + step > CHAIN || !(promise instanceof Promise)) return promise;
      const token = listAnswer();
      return promise.then(
        (value) => { answered(token, depth + step); return value; },
        (error) => { answered(token, depth + step); throw error; },
      );
    },
  });
  if (typeof window.fetch === "function") window.fetch = keepAnswer(window.fetch, 1);
  if (window.Response) {
    for (const name of ["json", "text", "arrayBuffer", "blob", "formData", "bytes"]) {
      const proto = window.Response.prototype;
      if (typeof proto[name] === "function") proto[name] = keepAnswer(proto[name], 0);
    }
  }
  // An XHR's answer comes as events (their timers are kept already): listed until they ran.
  if (window.XMLHttpRequest) {
    const proto = window.XMLHttpRequest.prototype;
    proto.send = new Proxy(proto.send, {
      apply(target, self, args) {
        if (depthHere() > 0) {
          const token = listAnswer();
          self.addEventListener("loadend", () => answered(token, 0), { once: true });
        }
        return Reflect.apply(target, self, args);
      },
    });
  }
})();
