// The reader from the keyboard (issue 14): passages form one Tab stop (a roving tabindex:
// the current passage is tabbable, the others are reached with j/k, and only the current
// passage's own links, highlights and buttons are in the Tab order), and single keys:
//   j / k  next / previous passage     a  annotate the focused passage
//   r      reply in the open thread     ?  list the shortcuts      Esc  close
// Keys typed into a field, or with Ctrl/Alt/Meta, are left alone.

import { openPassageForm } from "./forms.js";
import { announce } from "./focus.js";
import { passages } from "./passages.js";
import { S, state } from "./store.js";

const INNER = "a[href], button, mark.hl, [tabindex]";
let current = null;  // the passage element in the Tab order

function inner(passage) {
  return Array.from(passage.querySelectorAll(INNER)).filter((node) => node !== passage);
}

function setCurrent(passage) {
  if (current === passage) return;
  if (current) {
    current.tabIndex = -1;
    inner(current).forEach((node) => { node.tabIndex = -1; });
  }
  current = passage;
  current.tabIndex = 0;
  inner(current).forEach((node) => { node.tabIndex = 0; });
}

// Highlights and buttons painted later (highlights.js, the personal controls) start out
// of the Tab order unless their passage is the current one.
function tame(passage) {
  const value = passage === current ? 0 : -1;
  inner(passage).forEach((node) => { if (node.tabIndex !== value) node.tabIndex = value; });
}

function passageOf(node) {
  return node && node.closest ? node.closest(".reader__text .passage") : null;
}

function move(step) {
  // Only passages on screen: a phone's side-by-side rows hide one side each.
  const list = passages.map((p) => p.el).filter((node) => node.getClientRects().length);
  const from = passageOf(document.activeElement) || current;
  let index = from ? list.indexOf(from) + step : 0;
  index = Math.max(0, Math.min(list.length - 1, index));
  setCurrent(list[index]);
  list[index].focus();
}

function annotateFocused() {
  const passage = passageOf(document.activeElement) || current;
  if (!passage) return;
  if (!state.user) {
    announce(S.signInFirst);
    return;
  }
  openPassageForm(Number(passage.dataset.passage));
}

function replyInOpenThread() {
  const reply = Array.from(document.querySelectorAll("#annotation-thread .annotation-card__actions button"))
    .find((b) => b.textContent === S.reply);
  if (reply) reply.click();
  else announce(S.noOpenThread);
}

let dialog = null;

function showShortcuts() {
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.className = "shortcuts";
    dialog.setAttribute("aria-labelledby", "shortcuts-title");
    const title = document.createElement("h2");
    title.id = "shortcuts-title";
    title.textContent = S.shortcuts;
    const list = document.createElement("dl");
    [["j", S.shortcutNext], ["k", S.shortcutPrevious], ["a", S.shortcutAnnotate],
      ["r", S.shortcutReply], ["?", S.shortcutHelp], ["Esc", S.shortcutClose]].forEach(([key, what]) => {
      const dt = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      dt.appendChild(kbd);
      const dd = document.createElement("dd");
      dd.textContent = what;
      list.append(dt, dd);
    });
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = S.close;
    close.addEventListener("click", () => dialog.close());
    dialog.append(title, list, close);
    document.body.appendChild(dialog);
  }
  if (!dialog.open) dialog.showModal();
}

function typing(target) {
  return target && target.closest && Boolean(target.closest("input, textarea, select, [contenteditable], dialog"));
}

export function enableKeyboard() {
  if (!passages.length) return;
  passages.forEach((p) => {
    p.el.tabIndex = -1;
    tame(p.el);
  });
  setCurrent(passages[0].el);
  const text = document.querySelector(".reader__text");
  text.addEventListener("focusin", (event) => {
    const passage = passageOf(event.target);
    if (passage) setCurrent(passage);
  });
  new MutationObserver((records) => {
    const touched = new Set();
    records.forEach((r) => { const p = passageOf(r.target); if (p) touched.add(p); });
    touched.forEach(tame);
  }).observe(text, { childList: true, subtree: true });
  // A permalink (#p-…) makes its passage the current one.
  const target = location.hash && document.getElementById(location.hash.slice(1));
  if (passageOf(target) === target && target) setCurrent(target);

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (typing(event.target)) return;
    const handlers = { j: () => move(1), k: () => move(-1), a: annotateFocused, r: replyInOpenThread, "?": showShortcuts };
    const handler = handlers[event.key];
    if (!handler) return;
    event.preventDefault();
    handler();
  });
}
