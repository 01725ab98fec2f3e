// Resolves once the page has gone one animation frame with no DOM mutation and no running finite
// animation, or after `maxMs`. This replaces fixed sleeps: a quiet page costs one task turn.
(maxMs) => new Promise((resolve) => {
  const started = performance.now();
  let changed = false;
  const observer = new MutationObserver(() => { changed = true; });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
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
  const tick = () => {
    const quiet = !changed && !animating();
    changed = false;
    if (quiet || performance.now() - started > maxMs) {
      observer.disconnect();
      resolve(quiet);
    } else {
      requestAnimationFrame(tick);
    }
  };
  // First look after one task turn (timers set by the action's handlers have run by then); only a
  // page that is still changing costs animation frames.
  setTimeout(tick, 0);
})
