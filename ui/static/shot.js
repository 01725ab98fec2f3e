// A screenshot with element boxes over it: boxes are placed in percent of the page's viewport, so
// they follow the image at any size. The element under the pointer is named; acted ones stand out.
import {h} from "./core.js";

/** The smallest visible element whose box holds (x, y), in viewport pixels (as agents.demos.element_at). */
export function elementAt(elements, x, y) {
  let best = null, area = Infinity;
  for (const el of elements) {
    const [ex, ey, w, hgt] = el.bbox;
    if (el.visible && ex <= x && x <= ex + w && ey <= y && y <= ey + hgt && w * hgt < area) { best = el; area = w * hgt; }
  }
  return best;
}

export function describe(el) {
  if (!el) return "";
  const words = [el.role || el.tag, el.name || el.text].filter(Boolean).join(" ");
  return `[${el.id}] ${words.length > 80 ? words.slice(0, 79) + "…" : words}`;
}

/** {root, image, setPointer(fn)}: `elements` with bbox; `acted` ids drawn as acted; `points` [[x, y]]. */
export function screenshot({src, alt, elements = [], acted = [], points = [], viewport = null, showBoxes = true, onPoint = null, onPick = null}) {
  const image = h("img", {src, alt, class: "shot", draggable: "false"});
  const layer = h("div", {class: "boxes" + (showBoxes ? "" : " hidden")});
  const hover = h("div", {class: "box hover hidden"});
  const label = h("p", {class: "under-pointer muted"}, "Point at the page to name the element under the pointer.");
  const root = h("div", {class: "shot-wrap"}, h("div", {class: "shot-frame"}, image, layer, hover), label);
  let size = viewport && viewport[0] ? viewport : null;

  const place = (box, [x, y, w, hgt]) => {
    box.style.left = `${(100 * x) / size[0]}%`; box.style.top = `${(100 * y) / size[1]}%`;
    box.style.width = `${(100 * w) / size[0]}%`; box.style.height = `${(100 * hgt) / size[1]}%`;
  };
  const draw = () => {
    layer.replaceChildren();
    if (!size) return;
    for (const el of elements) {
      if ((!el.in_viewport && el.in_viewport !== undefined) || el.tag === "html" || el.tag === "body") continue;
      const isActed = acted.includes(el.id);
      const box = h("div", {class: "box" + (isActed ? " acted" : el.clickable || el.editable ? " control" : ""), title: describe(el)},
        isActed ? h("span", {class: "tag"}, el.id) : null);
      place(box, el.bbox);
      layer.append(box);
    }
    for (const [x, y] of points) {
      const dot = h("div", {class: "point", title: `(${x}, ${y})`});
      dot.style.left = `${(100 * x) / size[0]}%`; dot.style.top = `${(100 * y) / size[1]}%`;
      layer.append(dot);
    }
  };
  const toViewport = (event) => {
    const rect = image.getBoundingClientRect();
    return [Math.round(((event.clientX - rect.left) / rect.width) * size[0]), Math.round(((event.clientY - rect.top) / rect.height) * size[1])];
  };
  const zoom = () => {  // small pages (MiniWoB++ draws in 160×210 px) read better twice as large
    const on = localStorage.getItem("shot-zoom") === "on";
    image.style.width = on && image.naturalWidth ? `${2 * image.naturalWidth}px` : "";
    image.style.maxWidth = on ? "none" : "";
    if (image.parentElement) image.parentElement.style.maxWidth = on ? "none" : "";
  };
  image.addEventListener("load", () => {
    if (!size) size = [image.naturalWidth, image.naturalHeight];
    zoom();
    draw();
  });
  const frame = root.firstChild;
  frame.addEventListener("mousemove", (event) => {
    if (!size) return;
    const [x, y] = toViewport(event);
    const el = elementAt(elements, x, y);
    hover.classList.toggle("hidden", !el);
    if (el) place(hover, el.bbox);
    label.textContent = el ? `Under the pointer: ${describe(el)}  (${x}, ${y})` : `(${x}, ${y}): no element here`;
    if (onPoint) onPoint(el, x, y);
  });
  frame.addEventListener("mouseleave", () => hover.classList.add("hidden"));
  if (onPick) {
    frame.classList.add("pickable");
    frame.addEventListener("click", (event) => { if (!size) return; const [x, y] = toViewport(event); onPick(elementAt(elements, x, y), x, y); });
  }
  const toggleZoom = () => { localStorage.setItem("shot-zoom", localStorage.getItem("shot-zoom") === "on" ? "off" : "on"); zoom(); };
  return {root, image, layer, toggleBoxes: () => layer.classList.toggle("hidden"), toggleZoom};
}
