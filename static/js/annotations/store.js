// What the reader knows: the page's payload, the texts annotated on it (its sides), who
// is reading (from mine.json) and the annotations by id and by passage. Every change goes
// through put() or drop(), which say which passages must be repainted, so nothing else is.

import { passageAt, passageIdsBetween } from "./passages.js";

const payload = document.getElementById("annotation-data");

export const state = {
  data: payload ? JSON.parse(payload.textContent) : null,
  user: null,  // the viewer's username once mine.json said so
  canModerate: false,
  groups: new Map(),  // the viewer's reading groups by slug: {slug, name, manages}
};

export const S = state.data ? state.data.strings : {};

// The texts annotated on this page, by side: one ("") on a reader of one version; on
// the side-by-side reader (apps/sources/reader_parallel.py) "original" and
// "translation", each with its source, version, language and its own threads and
// mine JSON (public and private as on any reader). ``first`` is the side the page's
// payload describes (its preloaded threads page).
const parallelText = document.querySelector(".reader__text--parallel");
export const sides = new Map();
export const parallel = Boolean(parallelText && state.data);

function readerUrl(pattern, documentId) {
  return pattern.replace("/0/", "/" + documentId + "/");
}

if (parallel) {
  const d = parallelText.dataset;
  ["original", "translation"].forEach((key) => {
    const first = key === d.activeSide;
    const documentId = Number(d[key + "Document"]);
    sides.set(key, {
      key,
      first,
      source: d[key + "Source"],
      version: Number(d[key + "Version"]),
      lang: d[key + "Lang"],
      name: d[key + "Name"],
      isCurrent: d[key + "Current"] === "true",
      threads: first ? state.data.threads : readerUrl(state.data.readerThreads, documentId),
      mine: first ? state.data.mine : readerUrl(state.data.readerMine, documentId),
    });
  });
} else if (state.data) {
  const { data } = state;
  sides.set("", {
    key: "", first: true, source: data.source, version: data.version, lang: "", name: "",
    isCurrent: data.isCurrent, threads: data.threads, mine: data.mine,
  });
}

// The side ``a`` is on (put() records it), or the page's first side.
export function sideOf(a) {
  return sides.get(a && a.side) || Array.from(sides.values()).find((side) => side.first);
}

// The side an API answer belongs to: its source names it (each side is its own source).
function sideFromSource(a) {
  for (const side of sides.values()) if (side.source === a.source) return side.key;
  return undefined;
}

export const byId = new Map();  // insertion order: the order highlights overlap in
const byPassage = new Map();  // passage id -> Set of root ids whose anchor overlaps it

const filters = {
  tag: document.getElementById("filter-tag"),
  author: document.getElementById("filter-author"),
  mine: document.getElementById("filter-mine"),
  audience: document.getElementById("filter-audience"),
};

export function filterControls() {
  return [filters.tag, filters.author, filters.mine, filters.audience].filter(Boolean);
}

// "public", "private" or "group:<slug>": who can see ``a`` (the public threads JSON's rows
// are all public).
export function audienceOf(a) {
  const visibility = a.visibility || "public";
  return visibility === "group" ? "group:" + a.group : visibility;
}

export function isRoot(a) { return a.parent === null; }

// "[deleted]" or "[hidden by a moderator]": kept only because it has replies.
export function isPlaceholder(a) { return a.deleted || (a.hidden && !a.author); }

export function placed(a) {
  return isRoot(a) && a.anchor && a.anchor.status !== "orphaned" && a.anchor.start !== null;
}

function legendEntries() {
  return (state.data && state.data.legend) || [];
}

export function colourOf(a) {
  if (isPlaceholder(a)) return "placeholder";
  // The moderators' legend first (payload.legend: [match, tag, colour], in order; the
  // first entry any of the note's tags matches wins, wherever the tag is in its list).
  for (const [match, tag, colour] of legendEntries()) {
    if (a.tags.some((t) => (match === "exact" ? t === tag : t.indexOf(tag) === 0))) return "c-" + colour;
  }
  // Any country tag, wherever it is in the list (issue 14: it used to count only first).
  if (a.tags.some((tag) => tag.toLowerCase().indexOf("country:") === 0)) return "country";
  return a.motivation;
}

export function passesFilters(a) {
  if (filters.tag && filters.tag.value && a.tags.indexOf(filters.tag.value) === -1) return false;
  if (filters.author && filters.author.value && (!a.author || a.author.username !== filters.author.value)) return false;
  if (filters.mine && filters.mine.checked && (!a.author || a.author.username !== state.user)) return false;
  if (filters.audience && filters.audience.value && audienceOf(a) !== filters.audience.value) return false;
  return true;
}

function spanOf(a) {
  return placed(a) ? passageIdsBetween(a.anchor.start, a.anchor.end, a.side) : [];
}

function index(a, add) {
  for (const pid of spanOf(a)) {
    if (!byPassage.has(pid)) byPassage.set(pid, new Set());
    if (add) byPassage.get(pid).add(a.id);
    else byPassage.get(pid).delete(a.id);
  }
}

// Adds or replaces ``a``; returns the ids of the passages whose highlights it changed.
// ``anchorsHere``: its anchor describes its side's version on this page (the public
// threads JSON, mine.json); otherwise it is an API answer, whose anchor may describe
// another version. ``side``: the side it was loaded for (else its source says, else
// what was known of it).
export function put(a, { anchorsHere = false, side } = {}) {
  const old = byId.get(a.id);
  a.side = side !== undefined ? side : (sideFromSource(a) ?? (old ? old.side : sideOf(null).key));
  const { version } = sides.get(a.side);
  if (!anchorsHere) {
    if (a.target && a.target.selector.length && a.version === version) {
      // Made on this version: its own target is exact here.
      const position = a.target.selector[1];
      a.anchor = { status: "anchored", score: 1, start: position.start, end: position.end };
    } else if (old && a.version !== version) {
      a.anchor = old.anchor;
    }
  }
  const changed = new Set(old ? spanOf(old) : []);
  if (old) index(old, false);
  byId.set(a.id, a);
  index(a, true);
  spanOf(a).forEach((pid) => changed.add(pid));
  return changed;
}

// Forgets annotation ``id``; returns the passages it was painted on.
export function drop(id) {
  const old = byId.get(id);
  if (!old) return new Set();
  index(old, false);
  byId.delete(id);
  return new Set(spanOf(old));
}

// The visible, placed roots overlapping passage ``pid``, in the order they were learnt.
export function visibleOn(pid) {
  const ids = byPassage.get(pid);
  if (!ids) return [];
  const roots = [];
  for (const id of ids) {
    const a = byId.get(id);
    if (a && placed(a) && passesFilters(a)) roots.push(a);
  }
  return roots.sort((x, y) => x.id - y.id);
}

// The visible roots whose highlight starts in passage ``p`` (its count and thread list).
export function startingOn(p) {
  return visibleOn(p.id).filter((a) => a.side === p.side && passageAt(a.anchor.start, p.side) === p);
}

export function annotations() { return byId.values(); }

export function parseTags(value) {
  return value.split(",").map((t) => t.trim()).filter(Boolean);
}
