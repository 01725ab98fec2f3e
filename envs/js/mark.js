// Gives every element of this frame's document (open shadow roots included) a stable id in the
// attribute data-pal-id. An element keeps its id for as long as it lives; new elements get
// ids above `next`, the counter that Python keeps per frame for the whole episode.
// Returns the next unused counter. `starts` (optional) are the elements to start from instead of
// the document's root: a closed shadow root's children (see closed_shadow.py).
([prefix, next, starts]) => {
  const ATTR = "data-pal-id";
  const stack = starts || [document.documentElement];
  while (stack.length) {
    const el = stack.pop();
    if (!el) continue;
    if (el.nodeType === 1 && !el.hasAttribute(ATTR)) {
      el.setAttribute(ATTR, prefix + next);
      next += 1;
    }
    if (el.shadowRoot) stack.push(...el.shadowRoot.children);
    for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]);
  }
  return next;
}
