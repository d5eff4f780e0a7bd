// The floating menu on a text selection, for every reader: "Annotate" for a signed-in
// reader ("Sign in to annotate" otherwise, back to this passage), and the actions other
// apps put in the reader as [data-selection-action] links (the atlas's "Tag a comparative
// example"). Those links get the selection as ?passage=<id>&start=&end=&quote= (offsets
// in code points of the version's text, the quote cut to the passage); the server checks
// them against the text. For an anonymous reader they lead to sign-in first, with the
// same link as "next".

import { passageAt, passageOfNode, pointToOffset, quoteBetween } from "./passages.js";

const reader = document.querySelector(".reader");
export const menu = document.getElementById("selection-menu");
let signedIn = false;
let onAnnotate = null;
let current = null;

function trimmed(passage, start, end) {
  const chars = Array.from(passage.text);
  let from = start - passage.start;
  let to = Math.min(end, passage.end) - passage.start;
  while (from < to && /\s/.test(chars[from])) from += 1;
  while (to > from && /\s/.test(chars[to - 1])) to -= 1;
  if (to <= from) return null;
  return { start: passage.start + from, end: passage.start + to, quote: chars.slice(from, to).join("") };
}

// The selection inside the reader's text: {start, end, quote, rect, passage, side}, or
// null. Offsets are into the text of the side the selection starts on (the side-by-side
// reader has two, one per column); a selection that runs into the other column ends at
// the end of the passage it started in.
export function selectionTarget() {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  const text = reader.querySelector(".reader__text");
  if (!text.contains(range.commonAncestorContainer)) return null;
  const first = passageOfNode(range.startContainer);
  const last = passageOfNode(range.endContainer);
  if (!first || !last) return null;
  const side = first.side;
  const start = pointToOffset(range.startContainer, range.startOffset);
  let end = pointToOffset(range.endContainer, range.endOffset);
  if (start === null || end === null) return null;
  const across = last.side !== side;
  if (across) end = first.end;
  if (end <= start) return null;
  // Side by side, the DOM between two rows of one column holds the other column's text.
  const quote = side || across ? quoteBetween(start, end, side) : selection.toString().trim();
  if (!quote) return null;
  const passage = passageAt(start, side);
  const words = passage ? trimmed(passage, start, end) : null;
  return { start, end, quote, rect: range.getBoundingClientRect(), passage, words, side };
}

function signInHref(next) {
  return menu.dataset.loginUrl + "?next=" + encodeURIComponent(next);
}

function fillActions(target) {
  menu.querySelectorAll("[data-selection-action]").forEach((link) => {
    if (!target.words) {
      link.hidden = true;
      return;
    }
    link.hidden = false;
    const url = new URL(link.dataset.href, location.href);
    url.searchParams.set("passage", String(target.passage.id));
    url.searchParams.set("start", String(target.words.start));
    url.searchParams.set("end", String(target.words.end));
    url.searchParams.set("quote", target.words.quote);
    const href = url.pathname + url.search;
    link.href = signedIn ? href : signInHref(href);
    link.textContent = signedIn ? link.dataset.label : link.dataset.signinLabel;
  });
  const signin = document.getElementById("annotate-signin");
  if (signin && target.passage) {
    signin.href = signInHref(location.pathname + location.search + "#" + target.passage.el.id);
  }
}

function update() {
  const target = selectionTarget();
  if (!target) {
    if (!menu.contains(document.activeElement)) menu.hidden = true;
    return;
  }
  current = target;
  fillActions(target);
  menu.hidden = false;
  menu.style.top = window.scrollY + target.rect.bottom + 6 + "px";
  menu.style.left = window.scrollX + target.rect.left + Math.min(target.rect.width, 200) + "px";
}

export function hideMenu() {
  menu.hidden = true;
}

// While an orphan is being re-attached the menu offers only that.
export function onlyAnnotate(only) {
  menu.querySelectorAll("[data-selection-action]").forEach((link) => { link.classList.toggle("is-off", only); });
}

// A drag that starts on a highlight selects text as anywhere else (journey 2: Mira
// selects "Schufa uses geo-scoring", which others have highlighted, and clicks Annotate).
// Chromium starts no text selection on a focusable element, and highlights are focusable
// for the keyboard (highlights.js, keyboard.js): for a mouse press the highlight leaves
// the focus order, and it is back before the click that opens its thread.
function letHighlightsBeSelected(event) {
  if (event.pointerType !== "mouse" || event.button !== 0) return;
  const mark = event.target.closest && event.target.closest("mark.hl[tabindex]");
  if (!mark) return;
  const value = mark.getAttribute("tabindex");
  mark.removeAttribute("tabindex");
  const restore = (end) => {
    document.removeEventListener("pointerup", restore, true);
    document.removeEventListener("pointercancel", restore, true);
    if (!mark.hasAttribute("tabindex")) mark.setAttribute("tabindex", value);
    // A plain click focuses the highlight, as the press used to.
    if (end.type === "pointerup" && window.getSelection().isCollapsed && mark.contains(end.target)) {
      mark.focus({ preventScroll: true });
    }
  };
  document.addEventListener("pointerup", restore, true);
  document.addEventListener("pointercancel", restore, true);
}

// Called once for every reader; ``enableAnnotate`` once mine.json says who is reading.
export function enableSelectionMenu() {
  if (!menu) return;
  // Positioned against the page, whatever the layout around the slot it came in.
  document.body.appendChild(menu);
  document.querySelectorAll("[data-selection-action]").forEach((link) => {
    link.dataset.label = link.textContent;
    menu.appendChild(link);
  });
  let timer = null;
  document.addEventListener("selectionchange", () => {
    clearTimeout(timer);
    timer = setTimeout(update, 120);
  });
  document.addEventListener("mouseup", () => setTimeout(update, 0));
  document.addEventListener("touchend", () => setTimeout(update, 0));
  // Keep the selection when a menu item is pressed.
  menu.addEventListener("mousedown", (event) => event.preventDefault());
  if (reader) reader.addEventListener("pointerdown", letHighlightsBeSelected);
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      hideMenu();
      window.getSelection().removeAllRanges();
    }
  });
}

export function enableAnnotate(callback) {
  signedIn = true;
  onAnnotate = callback;
  const signin = document.getElementById("annotate-signin");
  if (signin) signin.remove();
  const annotate = document.getElementById("annotate-button");
  annotate.hidden = false;
  annotate.addEventListener("click", () => {
    if (current && onAnnotate) onAnnotate(current);
    hideMenu();
  });
}
