// Annotations in the reader (docs/annotations.md, "How the reader loads"). The page is the
// same for everyone; this module fetches
//   1. the public thread roots of this version, page by page (threads.json, cached by
//      shared caches, trimmed to what painting needs), painting each page's passages as
//      it arrives, and
//   2. the viewer's own part (mine.json: who they are, their roots the public set lacks,
//      their orphans), which reveals the personal controls for a signed-in reader.
// A thread's full rows are fetched from the API when it is opened; writes go through the
// API and repaint only the passages they touch. The side-by-side reader does all this
// for each of its two texts (store.js ``sides``).

import { enableSelectionMenu } from "./selection.js";
import { refillFilters } from "./filters.js";
import { el } from "./dom.js";
import {
  editForm, enableWriting, flagForm, moderate, openPassageForm, remove, replyForm, startReattach,
} from "./forms.js";
import { prepareAnnouncer } from "./focus.js";
import { paint } from "./highlights.js";
import { startLive } from "./live.js";
import { enableKeyboard } from "./keyboard.js";
import { attachTagSuggestions } from "./tags.js";
import { passageById, passages } from "./passages.js";
import { S, byId, filterControls, put, sides, startingOn, state } from "./store.js";
import {
  completeOpenRow, openRowThreads, openThreads, refreshOpenThreads, renderThreads, setCardActions, showLoadFailure,
} from "./threads.js";

const reader = document.querySelector(".reader");

// The same request as the page's <link rel="preload"> of the first threads page (no
// extra headers), so the browser reuses it.
async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(S.loadFailed);
  return response.json();
}

// One row of the public threads table (see apps/annotations/reader.py) as the object
// the rest of the script reads (the API's field names).
function threadRoot(page, row) {
  const a = {};
  page.columns.forEach((column, i) => { a[column] = row[i]; });
  const author = a.author === null ? null : page.authors[a.author];
  return {
    id: a.id,
    parent: null,
    thread: a.id,
    anchor: a.status === null ? null : { status: a.status, start: a.start, end: a.end },
    motivation: a.motivation,
    author: author && { username: author[0], name: author[1] },
    tags: a.tags,
    hidden: a.hidden,
    deleted: a.deleted,
    visibility: "public",
    group: null,
  };
}

// The public roots of one side, a page at a time (each page's passages painted as it
// comes).
async function loadPublic(side) {
  for (let url = side.threads; url;) {
    const page = await getJSON(url);
    const changed = new Set();
    page.annotations.forEach((row) => {
      put(threadRoot(page, row), { anchorsHere: true, side: side.key }).forEach((pid) => changed.add(pid));
    });
    paint(changed);
    url = page.next;
  }
}

const NOBODY = { user: null, annotations: [] };

// The viewer's part of one side; {user: null} for an anonymous reader. A visitor with no
// cookie at all cannot be signed in (the session cookie is HttpOnly, but sign-in also
// sets the signed_in=1 hint, and a session older than the hint still carries a
// csrftoken), so the request is skipped for them: most readers, and every crawler, never
// ask for it.
async function loadMine(side) {
  if (!document.cookie) return NOBODY;
  try {
    return await getJSON(side.mine);
  } catch (error) {
    return NOBODY;
  }
}

function revealPersonalControls(mine) {
  state.user = mine.user;
  state.canModerate = Boolean(mine.canModerate);
  document.getElementById("annotation-signin").hidden = true;
  document.getElementById("annotation-hint").hidden = false;
  document.getElementById("filter-mine-label").hidden = false;
  addGroups(mine.groups || []);
  enableWriting();
  attachTagSuggestions(document.getElementById("annotation-tags"));
  // Keyboard path without a selection (visible on focus, see annotations.css).
  passages.forEach((p) => {
    const tools = p.el.querySelector(".passage__tools");
    if (!tools) return;
    const b = el("button", "annotate-passage", "+");
    b.type = "button";
    b.dataset.annotatePassage = String(p.id);
    b.setAttribute("aria-label", S.annotatePassage);
    b.title = S.annotatePassage;
    tools.appendChild(b);
  });
  // Orphans: the viewer's own that the public list lacks, and Re-attach where allowed.
  const list = document.getElementById("annotation-orphans-list");
  (mine.orphans || []).forEach((o) => {
    const item = el("li");
    item.dataset.orphan = String(o.id);
    const open = el("button", "link-button", "“" + o.quote + "”");
    open.type = "button";
    open.dataset.openThread = String(o.id);
    item.append(open, " — " + o.author);
    list.appendChild(item);
  });
  (mine.reattach || []).forEach((id) => {
    const item = list.querySelector("[data-orphan='" + id + "']");
    if (!item) return;
    const b = el("button", "secondary", S.reattach);
    b.type = "button";
    b.dataset.reattach = String(id);
    item.append(" ", b);
  });
  if (list.children.length) {
    document.getElementById("annotation-orphans-summary").textContent = mine.orphansSummary;
    document.getElementById("annotation-orphans").hidden = false;
  }
}

// The viewer's reading groups: choices for writing ("group:<slug>", sent as visibility
// "group" + group) and for the audience filter.
function addGroups(groups) {
  const audience = document.getElementById("filter-audience");
  document.getElementById("filter-audience-label").hidden = false;
  if (!groups.length) return;
  const select = document.getElementById("annotation-visibility");
  const writing = document.createElement("optgroup");
  writing.label = S.yourGroups;
  const reading = document.createElement("optgroup");
  reading.label = S.yourGroups;
  groups.forEach((g) => {
    state.groups.set(g.slug, g);
    writing.appendChild(new Option(g.name, "group:" + g.slug));
    reading.appendChild(new Option(g.name, "group:" + g.slug));
  });
  select.appendChild(writing);
  audience.appendChild(reading);
}

async function start() {
  enableSelectionMenu();
  // Each side's public threads and the viewer's part of it, all at once (one side on a
  // reader of one version). The orphans listed are the first side's (the page's own).
  const all = Array.from(sides.values());
  const minesLoading = Promise.all(all.map((side) => loadMine(side)));
  let failed = false;
  try {
    await Promise.all(all.map((side) => loadPublic(side)));
  } catch (error) {
    failed = true;
  }
  const mines = await minesLoading;
  const changed = new Set();
  const firstIndex = all.findIndex((side) => side.first);
  const mine = mines[firstIndex];
  if (mine.user) {
    // Laid over the public set by id (e.g. the author's own words of a hidden root).
    mines.forEach((part, i) => (part.annotations || []).forEach((a) => {
      put(a, { anchorsHere: true, side: all[i].key }).forEach((pid) => changed.add(pid));
    }));
    revealPersonalControls(mine);
    refreshOpenThreads();
  }
  paint(changed);
  completeOpenRow();
  refillFilters();
  if (failed) showLoadFailure();
  reader.classList.add("has-annotations");
  startLive();
  // Read by bench/bench_annotations.py (time from navigation start to painted highlights).
  if (window.performance && performance.mark) performance.mark("annotations-painted");
  const wanted = Number(new URLSearchParams(location.search).get("thread"));
  if (wanted && byId.has(wanted)) {
    await openThreads([wanted]);
    const target = document.getElementById(location.hash.slice(1)) || document.getElementById("annotation-" + wanted);
    if (target) target.focus();
  }
}

// --- Events ---------------------------------------------------------------------------

function listen() {
  reader.addEventListener("click", (event) => {
    const mark = event.target.closest("mark.hl");
    if (mark && window.getSelection().isCollapsed) {
      // Side by side: with the row's threads on both sides (aligned.js).
      openRowThreads(mark.dataset.ids.split(",").map(Number), mark);
      return;
    }
    const countButton = event.target.closest("[data-open-passage]");
    if (countButton) {
      const p = passageById.get(Number(countButton.dataset.openPassage));
      const ids = startingOn(p).map((a) => a.id);
      openRowThreads(ids, p.el, ids.length ? undefined : S.noThreads);
      return;
    }
    const passageButton = event.target.closest("[data-annotate-passage]");
    if (passageButton) {
      openPassageForm(Number(passageButton.dataset.annotatePassage));
      return;
    }
    const reattachButton = event.target.closest("[data-reattach]");
    if (reattachButton) {
      startReattach(Number(reattachButton.dataset.reattach));
      return;
    }
    const orphan = event.target.closest("[data-open-thread]");
    if (orphan) openThreads([Number(orphan.dataset.openThread)]);
  });

  reader.addEventListener("keydown", (event) => {
    const mark = event.target.closest && event.target.closest("mark.hl");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openRowThreads(mark.dataset.ids.split(",").map(Number), mark);
    }
  });

  // A filter changes what is visible everywhere: every passage is repainted.
  filterControls().forEach((control) => control.addEventListener("change", () => { paint(); renderThreads(); }));
}

if (state.data && reader) {
  setCardActions({ reply: replyForm, edit: editForm, remove, moderate, flag: flagForm });
  prepareAnnouncer();
  enableKeyboard();
  listen();
  start();
}
