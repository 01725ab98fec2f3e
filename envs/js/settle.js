// Resolves once the page has gone one animation frame with no DOM mutation, no scroll, no
// running finite animation, no short timer an event handler started and no answer to a request
// one sent whose callbacks have yet to run (timers.js), or after
// `maxMs`. This replaces fixed sleeps: a quiet page costs one
// task turn. `minFrames` is how many animation frames to wait at least, for what the browser does
// at a later frame than the action that asked for it: a mouse wheel's scroll is applied by the
// compositor and reaches the page at the next frame, a keyboard scroll starts moving at the second
// and is animated over about ten. A scroll is seen through its `scroll` events (any scroller's:
// the listener captures them at the window), which the browser fires once per frame it moved.
(maxMs, minFrames = 0) => new Promise((resolve) => {
  const started = performance.now();
  // Lay the page out now: the images, style sheets and fonts it draws with are requested then, so
  // the step can wait for them (navigation.py) rather than observe an icon that has no size yet.
  if (document.documentElement) document.documentElement.getBoundingClientRect();
  let changed = false;
  let frames = 0;
  const observer = new MutationObserver(() => { changed = true; });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const scrolled = () => { changed = true; };
  addEventListener("scroll", scrolled, { capture: true, passive: true });
  const animating = () => {
    // jQuery (< 3) animates on its own 13 ms timer, which can leave a frame with no change mid-fade.
    const jq = window.jQuery;
    if (jq && jq.timers && jq.timers.length) return true;
    if (!document.getAnimations) return false;
    return document.getAnimations().some((a) => {
      if (a.playState !== "running") return false;
      const end = a.effect && a.effect.getComputedTiming().endTime;
      return Number.isFinite(end);
    });
  };
  // Short timers an event handler started (timers.js): the page changes when they fire. Only
  // those due before `maxMs` runs out are waited for (longer ones are never kept there).
  const timers = window[Symbol.for("palaestra.pendingTimers")];
  const timing = () => {
    if (!timers || !timers.size) return false;
    const end = started + maxMs;
    for (const due of timers.values()) if (due <= end) return true;
    return false;
  };
  // Requests sent from a kept place (timers.js) since the last settling, whose answers' callbacks
  // have not run yet: the page changes when they do. (The step waited for the answers themselves:
  // navigation.py.) Older ones (a long poll) are not waited for.
  const answers = window[Symbol.for("palaestra.pendingAnswers")];
  const since = answers ? answers.since : 0;
  const answering = () => {
    if (!answers || !answers.pending.size) return false;
    for (const sent of answers.pending.values()) if (sent >= since) return true;
    return false;
  };
  const tick = () => {
    const quiet = !changed && !animating() && !timing() && !answering();
    changed = false;
    if ((quiet && frames >= minFrames) || performance.now() - started > maxMs) {
      observer.disconnect();
      if (answers) answers.since = performance.now();
      removeEventListener("scroll", scrolled, { capture: true });
      resolve(quiet);
    } else {
      requestAnimationFrame(() => { frames += 1; tick(); });
    }
  };
  // First look after one task turn (timers set by the action's handlers have run by then); only a
  // page that is still changing, or a wait for `minFrames`, costs animation frames.
  setTimeout(tick, 0);
})
