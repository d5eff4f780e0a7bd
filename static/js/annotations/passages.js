// The reader's passages and text offsets. Offsets are Unicode code points of the
// version's canonical text (the server's unit); JavaScript strings count UTF-16 units,
// so they are converted here and nowhere else.

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
    painted: false,  // whether its text holds highlights (else it is the page's own text)
  };
});

export const passageById = new Map(passages.map((p) => [p.id, p]));

// The passage holding ``offset`` (passages are in text order: binary search).
export function passageAt(offset) {
  let low = 0, high = passages.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (passages[middle].end <= offset) low = middle + 1;
    else high = middle - 1;
  }
  return low < passages.length ? passages[low] : null;
}

// Ids of the passages that [start, end) overlaps.
export function passageIdsBetween(start, end) {
  const ids = [];
  for (let p = passageAt(start), i = passages.indexOf(p); p && p.start < end; p = passages[++i]) {
    ids.push(p.id);
  }
  return ids;
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
