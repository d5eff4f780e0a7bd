// The thread panel: opening threads (their replies and the roots' full rows are fetched
// from the API the first time), and the cards with their actions. Side by side, the
// threads of both sides (aligned.js), each card marked with its side's language.

import { languageLabel, withRow } from "./aligned.js";
import { api } from "./api.js";
import { button, el } from "./dom.js";
import { announce } from "./focus.js";
import { showSheet } from "./sheet.js";
import { S, annotations, byId, drop, isRoot, parallel, passesFilters, put, sideOf, sides, state } from "./store.js";

const threadEl = document.getElementById("annotation-thread");
const emptyEl = document.getElementById("annotation-empty");

// What a card's buttons do (forms.js, handed over by main.js: forms.js uses this module,
// so this one may not use it back; a cycle would also defeat the hashed static names).
const actions = {};

export function setCardActions(handlers) { Object.assign(actions, handlers); }

function card(a, depth) {
  const article = el("article", "annotation-card");
  article.id = "annotation-" + a.id;
  article.dataset.depth = String(Math.min(depth, 4));
  article.tabIndex = -1;
  const header = el("header", "annotation-card__meta");
  header.appendChild(el("strong", "", a.author ? a.author.name : (a.deleted ? S.deleted : S.hidden)));
  const time = el("time", "", new Date(a.created).toLocaleString());
  time.dateTime = a.created;
  header.appendChild(document.createTextNode(" · "));
  header.appendChild(time);
  if (a.edited) header.appendChild(el("span", "annotation-card__flag", " (" + S.edited + ")"));
  const language = languageLabel(a);
  if (language) {
    header.append(" · ", language);
    article.dataset.side = a.side;
    article.dataset.language = language.lang;
  }
  article.appendChild(header);
  if (isRoot(a) && a.target && a.target.selector.length) {
    const quote = el("blockquote", "annotation-card__quote", a.target.selector[0].exact);
    if (language) quote.lang = language.lang;  // the side's own words
    article.appendChild(quote);
  } else if (isRoot(a)) {
    article.appendChild(el("p", "annotation-card__flag", S.sourceNote));
  }
  const notes = [];
  if (a.visibility === "private") notes.push(S.private);
  if (a.visibility === "group") {
    const group = state.groups.get(a.group);
    notes.push(S.groupNote.replace("%(name)s", group ? group.name : a.group));
  }
  if (a.hidden && a.author) notes.push(S.hidden);
  if (a.awaiting_approval) notes.push(S.awaiting);
  if (isRoot(a) && a.anchor && a.anchor.status === "fuzzy") notes.push(S.fuzzy);
  if (isRoot(a) && a.anchor && a.anchor.status === "orphaned") notes.push(S.orphaned);
  if (notes.length) article.appendChild(el("p", "annotation-card__flag", notes.join(" · ")));
  const body = el("div", "annotation-card__body");
  body.innerHTML = a.body_html || "";  // sanitised by the server (markdown-it + nh3)
  article.appendChild(body);
  if (a.tags.length) {
    const list = el("ul", "annotation-card__tags");
    a.tags.forEach((t) => list.appendChild(el("li", "tag", t)));
    article.appendChild(list);
  }
  const buttons = el("p", "annotation-card__actions");
  const user = state.user;
  const mine = user && a.author && a.author.username === user;
  if (user && !a.deleted && !a.hidden) buttons.appendChild(button(S.reply, () => actions.reply(a, article)));
  if (mine && !a.deleted) {
    buttons.appendChild(button(S.edit, () => actions.edit(a, article)));
    buttons.appendChild(button(S.delete, () => actions.remove(a)));
  }
  // A group's notes are moderated by the group's owners and moderators, not the site's.
  const moderates = a.visibility === "group"
    ? Boolean(state.groups.get(a.group) && state.groups.get(a.group).manages)
    : state.canModerate;
  if (moderates && !a.deleted) {
    buttons.appendChild(button(a.hidden ? S.restore : S.hide, () => actions.moderate(a)));
  }
  if (user && !mine && !a.deleted && !a.hidden) {
    buttons.appendChild(button(S.flag, () => actions.flag(a, article)));
  }
  if (!a.deleted) shareControls(a).forEach((node) => buttons.appendChild(node));
  if (buttons.childNodes.length) article.appendChild(buttons);
  return article;
}

// The annotation's share link (/a/<id>/: its passage with the thread open, 404 to those
// who may not see it) and a button that copies it.
function shareControls(a) {
  const url = new URL(state.data.share.replace("/0/", "/" + a.id + "/"), location.href).href;
  const link = el("a", "annotation-card__share", S.shareLink);
  link.href = url;
  link.setAttribute("aria-label", S.shareLabel);
  const copy = button(S.copyLink, () => {
    const done = () => announce(S.linkCopied);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(url).then(done, () => announce(url));
    } else {
      announce(url);
    }
  });
  copy.dataset.shareUrl = url;
  return [link, copy];
}

function threadOf(rootId) {
  const all = Array.from(annotations()).filter((a) => a.thread === rootId);
  const children = new Map();
  all.forEach((a) => {
    const key = a.parent === null ? 0 : a.parent;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(a);
  });
  const ordered = [];
  const seen = new Set();
  function walk(parentId, depth) {
    (children.get(parentId) || []).sort((x, y) => (x.created < y.created ? -1 : 1)).forEach((a) => {
      ordered.push([a, depth]);
      seen.add(a);
      walk(a.id, depth + 1);
    });
  }
  walk(0, 0);
  // Replies whose parent is not visible here still belong to the thread.
  all.forEach((a) => { if (!seen.has(a)) ordered.push([a, 1]); });
  return ordered;
}

let openRoots = [];
const loadedThreads = new Map();  // root id -> promise of its full rows being known

async function fetchAll(url) {
  const page = await api("GET", url);
  page.results.forEach((a) => put(a));
  if (page.next) await fetchAll(page.next);
}

// The list API's query for thread ``rootId`` on its side's version.
function threadQuery(rootId, side) {
  return new URLSearchParams({ source: side.source, version: String(side.version), thread: String(rootId), page_size: "200" });
}

// A thread's root (in full: the public JSON trims it) and its replies, fetched once.
function loadThread(rootId) {
  if (!loadedThreads.has(rootId)) {
    const { data } = state;
    const query = threadQuery(rootId, sideOf(byId.get(rootId)));
    const loading = fetchAll(data.api + "?" + query.toString());
    loading.catch(() => loadedThreads.delete(rootId));
    loadedThreads.set(rootId, loading);
  }
  return loadedThreads.get(rootId);
}

// Fetches thread ``rootId`` again (live updates: something in it changed), forgetting
// rows the viewer may no longer see; re-renders it if open. ``sideKey``: the side whose
// source said so (its root may be new here). Resolves with the passages whose highlights
// changed.
export async function refreshThread(rootId, sideKey) {
  const { data } = state;
  const before = Array.from(annotations()).filter((a) => a.thread === rootId).map((a) => a.id);
  const seen = new Set();
  const changed = new Set();
  const side = sides.get(sideKey) || sideOf(byId.get(rootId));
  const query = threadQuery(rootId, side);
  try {
    for (let url = data.api + "?" + query.toString(); url;) {
      const page = await api("GET", url);
      page.results.forEach((a) => { seen.add(a.id); put(a).forEach((pid) => changed.add(pid)); });
      url = page.next;
    }
  } catch (error) {
    return changed;  // the next message or reload will tell
  }
  before.forEach((id) => { if (!seen.has(id)) drop(id).forEach((pid) => changed.add(pid)); });
  loadedThreads.set(rootId, Promise.resolve());
  if (isOpen(rootId)) renderThreads();
  return changed;
}

export function isOpen(rootId) { return openRoots.indexOf(rootId) !== -1; }

// A thread known in full already (one just created or re-fetched).
export function markLoaded(rootId) { loadedThreads.set(rootId, Promise.resolve()); }

export function forgetOpen(id) { openRoots = openRoots.filter((root) => root !== id); }

// Side by side: the ids and the node (highlight or passage) a row's thread was opened
// with, to open it again once the other side's threads have arrived.
let openedFrom = null;

// Opens ``ids`` with the other threads of node's aligned row, both sides (aligned.js);
// just ``ids`` on a reader of one version.
export function openRowThreads(ids, node, announcement) {
  // The passage, not a highlight: repainting replaces a passage's marks.
  const passage = node ? node.closest(".passage") : null;
  const shown = openThreads(withRow(ids, passage), announcement);
  openedFrom = parallel && passage ? { ids, node: passage } : null;
  return shown;
}

// The annotations have all loaded (main.js): a row's thread opened before then is opened
// again if the row has threads it lacked.
export function completeOpenRow() {
  if (!openedFrom) return;
  const wanted = withRow(openedFrom.ids, openedFrom.node)
    .map((id) => byId.get(id)).filter((a) => a && passesFilters(a)).map((a) => a.thread);
  if (wanted.some((root) => !isOpen(root))) openRowThreads(openedFrom.ids, openedFrom.node);
}

// Resolves once the threads are shown (after their rows have been fetched).
export function openThreads(ids, announcement) {
  openedFrom = null;
  const roots = [];
  ids.forEach((id) => {
    const a = byId.get(id);
    if (!a) return;
    const root = a.thread;
    if (roots.indexOf(root) === -1 && byId.has(root) && passesFilters(byId.get(root))) roots.push(root);
  });
  openRoots = roots;
  threadEl.replaceChildren(el("p", "annotation-status", S.loading));
  emptyEl.hidden = true;
  return Promise.all(roots.map(loadThread)).then(() => {
    if (openRoots === roots) renderThreads(announcement);
  }, (error) => {
    if (openRoots === roots) threadEl.replaceChildren(el("p", "error", error.message || S.failed));
  });
}

export function renderThreads(announcement) {
  threadEl.replaceChildren();
  if (announcement) threadEl.appendChild(el("p", "annotation-status", announcement));
  if (!openRoots.length) {
    emptyEl.hidden = false;
    return;
  }
  emptyEl.hidden = true;
  // Side by side, the threads of both sides: each side's under its language's heading.
  const bothSides = parallel && new Set(openRoots.map((id) => sideOf(byId.get(id)).key)).size > 1;
  let lastSide = null;
  openRoots.forEach((rootId) => {
    const side = sideOf(byId.get(rootId));
    if (bothSides && side.key !== lastSide) {
      const heading = el("h3", "annotation-thread__side", "");
      const name = el("span", "", side.name);
      name.lang = side.lang;
      const [before, after] = S.onSide.split("%(language)s");
      heading.append(before, name, after || "");
      threadEl.appendChild(heading);
      lastSide = side.key;
    }
    const section = el("section", "annotation-thread__item" + (parallel ? " annotation-thread__item--" + side.key : ""));
    section.setAttribute("aria-label", S.threadLabel);
    threadOf(rootId).forEach(([a, depth]) => section.appendChild(card(a, depth)));
    threadEl.appendChild(section);
  });
  // A phone: over the text, not 6,000 px below it (sheet.js).
  showSheet();
}

// The viewer's part arrived (main.js): threads opened before it are drawn again with the
// viewer's controls (Reply, Edit, Flag…), once their rows are in.
export function refreshOpenThreads() {
  const roots = openRoots;
  if (!roots.length) return;
  Promise.all(roots.map(loadThread)).then(() => {
    if (openRoots === roots) renderThreads();
  }, () => {});
}

export function showLoadFailure() {
  threadEl.replaceChildren(el("p", "error", S.loadFailed));
  emptyEl.hidden = true;
}
