// The reader's passages and text offsets. Offsets are Unicode code points of the
// version's canonical text (the server's unit); JavaScript strings count UTF-16 units,
// so they are converted here and nowhere else. The side-by-side reader has two texts,
// one per side (``data-side`` on a column: "original" or "translation"); each passage's
// offsets are into its own side's version, so every lookup by offset names the side
// ("" on a reader of one text).

export function cpToUtf16(text, cp) {
  let units = 0, count = 0;
  for (const ch of text) {
    if (count >= cp) break;
    units += ch.length;
    count += 1;
  }
  return units;
}

export function utf16ToCp(text, units) {
  return Array.from(text.slice(0, units)).length;
}

export const passages = Array.from(document.querySelectorAll(".reader__text .passage"), (el) => {
  const textEl = el.querySelector(".passage__text");
  return {
    el,
    id: Number(el.dataset.passage),
    start: Number(el.dataset.start),
    end: Number(el.dataset.end),
    textEl,
    text: textEl.textContent,
    side: (el.closest("[data-side]") || { dataset: { side: "" } }).dataset.side,
    painted: false,  // whether its text holds highlights (else it is the page's own text)
  };
});

export const passageById = new Map(passages.map((p) => [p.id, p]));

// Each side's passages in its text's order (the page interleaves them row by row).
const bySide = new Map();
passages.forEach((p) => {
  if (!bySide.has(p.side)) bySide.set(p.side, []);
  bySide.get(p.side).push(p);
});
bySide.forEach((list) => list.sort((x, y) => x.start - y.start));

function sidePassages(side) { return bySide.get(side) || []; }

// The passage of side ``side`` holding ``offset`` (binary search).
export function passageAt(offset, side = "") {
  const list = sidePassages(side);
  let low = 0, high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (list[middle].end <= offset) low = middle + 1;
    else high = middle - 1;
  }
  return low < list.length ? list[low] : null;
}

// Ids of the passages of side ``side`` that [start, end) overlaps.
export function passageIdsBetween(start, end, side = "") {
  const list = sidePassages(side);
  const ids = [];
  for (let p = passageAt(start, side), i = list.indexOf(p); p && p.start < end; p = list[++i]) {
    ids.push(p.id);
  }
  return ids;
}

// The text of side ``side`` in [start, end), passage by passage (a selection across
// rows of the side-by-side reader also holds the other column's text between them).
export function quoteBetween(start, end, side = "") {
  const parts = [];
  for (const pid of passageIdsBetween(start, end, side)) {
    const p = passageById.get(pid);
    const chars = Array.from(p.text);
    parts.push(chars.slice(Math.max(start, p.start) - p.start, Math.min(end, p.end) - p.start).join(""));
  }
  return parts.join("\n").trim();
}

// The passage (its record) whose element holds DOM node ``node``, or null.
export function passageOfNode(node) {
  const element = node && (node.nodeType === 1 ? node : node.parentElement);
  const passageEl = element && element.closest(".passage");
  return passageEl ? passageById.get(Number(passageEl.dataset.passage)) || null : null;
}

// A DOM point (node, offset) inside the reader's text, as an offset in the version's text.
export function pointToOffset(node, offset) {
  const element = node.nodeType === 1 ? node : node.parentElement;
  const passageEl = element && element.closest(".passage");
  if (!passageEl) return null;
  const p = passageById.get(Number(passageEl.dataset.passage));
  const range = document.createRange();
  range.selectNodeContents(p.textEl);
  const where = range.comparePoint(node, offset);
  if (where < 0) return p.start;
  if (where > 0) return p.end;
  range.setEnd(node, offset);
  return p.start + utf16ToCp(p.text, range.toString().length);
}
