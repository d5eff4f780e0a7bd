// Painting highlights and thread counts, one passage at a time: after a write only the
// passages it touched are repainted (the others keep their DOM nodes).

import { cpToUtf16, passageById, passages } from "./passages.js";
import { S, colourOf, startingOn, visibleOn } from "./store.js";

function paintOne(p) {
  const ranges = [];
  for (const a of visibleOn(p.id)) {
    const s = Math.max(a.anchor.start, p.start), e = Math.min(a.anchor.end, p.end);
    if (e > s) ranges.push({ a, s: cpToUtf16(p.text, s - p.start), e: cpToUtf16(p.text, e - p.start) });
  }
  if (ranges.length || p.painted) {
    const cuts = new Set([0, p.text.length]);
    ranges.forEach((r) => { cuts.add(r.s); cuts.add(r.e); });
    const points = Array.from(cuts).sort((x, y) => x - y);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const from = points[i], to = points[i + 1];
      const piece = p.text.slice(from, to);
      const covering = ranges.filter((r) => r.s <= from && r.e >= to);
      if (!covering.length) {
        fragment.appendChild(document.createTextNode(piece));
        continue;
      }
      const mark = document.createElement("mark");
      mark.className = "hl hl--" + colourOf(covering[0].a) + (covering.length > 1 ? " hl--overlap" : "");
      mark.dataset.ids = covering.map((r) => r.a.id).join(",");
      mark.tabIndex = 0;
      mark.setAttribute("role", "button");
      // The whole visible text, then the count: a name that cut the text short would
      // not contain what a speech-input user reads on screen (axe: label-content-name-mismatch).
      mark.setAttribute("aria-label", piece + " — " + covering.length + " " + S.threadLabel.toLowerCase());
      mark.textContent = piece;
      fragment.appendChild(mark);
    }
    p.textEl.replaceChildren(fragment);
    p.painted = ranges.length > 0;
    // How often this passage was repainted (tests check that writes touch only theirs).
    p.el.dataset.paints = String(Number(p.el.dataset.paints || 0) + 1);
  }
  paintCount(p);
}

function paintCount(p) {
  const tools = p.el.querySelector(".passage__tools");
  if (!tools) return;
  let button = tools.querySelector(".passage-count");
  const n = startingOn(p).length;
  if (!n) {
    if (button) button.remove();
    return;
  }
  if (!button) {
    button = document.createElement("button");
    button.type = "button";
    button.className = "passage-count";
    button.dataset.openPassage = String(p.id);
    tools.insertBefore(button, tools.querySelector(".annotate-passage"));
  }
  button.textContent = String(n);
  button.setAttribute("aria-label", S.threadsOnPassage.replace("%(n)s", String(n)));
}

// Repaints the passages with these ids (any iterable), or every passage when null.
export function paint(passageIds = null) {
  const targets = passageIds === null
    ? passages
    : Array.from(new Set(passageIds), (id) => passageById.get(id)).filter(Boolean);
  targets.forEach(paintOne);
  // Painting rebuilds the passages' text: other layers (search-highlight.js) re-apply
  // on the passages listed (all when null).
  document.dispatchEvent(new CustomEvent("annotations:painted", {
    detail: { passages: passageIds === null ? null : targets.map((p) => p.id) },
  }));
}
