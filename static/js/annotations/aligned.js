// The side-by-side reader (?translation=…, ADR 0019): both sides are annotated on the
// page (store.js ``sides``), so a thread opened on a passage is that aligned row's
// combined thread: the threads clicked first, then every other visible thread on the
// row's passages, this side's before the other side's. Each card says its side's
// language (threads.js, ``languageLabel``).

import { el } from "./dom.js";
import { passageById } from "./passages.js";
import { parallel, sideOf, visibleOn } from "./store.js";

// ``ids`` (opened from ``node``: a highlight or a passage) with the other visible roots of
// node's aligned row, both sides; just ``ids`` on a reader of one version.
export function withRow(ids, node) {
  if (!parallel || !node) return ids;
  const row = node.closest(".aligned-row");
  const passageEl = node.closest(".passage");
  if (!row || !passageEl) return ids;
  const here = passageById.get(Number(passageEl.dataset.passage)).side;
  const result = ids.slice();
  const seen = new Set(ids);
  const mineFirst = Array.from(row.querySelectorAll(".passage"), (p) => passageById.get(Number(p.dataset.passage)))
    .sort((x, y) => (x.side === here ? 0 : 1) - (y.side === here ? 0 : 1));
  mineFirst.forEach((p) => visibleOn(p.id).forEach((a) => {
    if (!seen.has(a.id)) {
      seen.add(a.id);
      result.push(a.id);
    }
  }));
  return result;
}

// The visible mark of ``a``'s language on its card: the language's own name, in that
// language. Null on a reader of one version.
export function languageLabel(a) {
  if (!parallel) return null;
  const side = sideOf(a);
  const label = el("span", "annotation-card__language", side.name);
  label.lang = side.lang;
  return label;
}
