// Where focus goes after a write, and the live region that says what happened: a
// keyboard or screen-reader user is not left on a button that no longer exists.

import { S } from "./store.js";

let region = null;

function liveRegion() {
  if (!region) {
    region = document.createElement("p");
    region.id = "reader-announcer";
    region.className = "visually-hidden";
    region.setAttribute("role", "status");
    region.setAttribute("aria-live", "polite");
    document.body.appendChild(region);
  }
  return region;
}

// Created at start, so the first message is announced (a region must exist before it
// changes).
export function prepareAnnouncer() { liveRegion(); }

export function announce(text) {
  const node = liveRegion();
  node.textContent = "";
  // A fresh text node on the next frame: the same message twice is still read out.
  window.requestAnimationFrame(() => { node.textContent = text; });
}

// The first highlight of annotation ``id`` (a mark lists the ids it covers).
export function highlightOf(id) {
  const wanted = String(id);
  return Array.from(document.querySelectorAll(".reader__text mark.hl"))
    .find((mark) => mark.dataset.ids.split(",").indexOf(wanted) !== -1) || null;
}

export function focusNewHighlight(id) {
  const mark = highlightOf(id);
  if (mark) {
    // The roving tabindex (keyboard.js) makes its passage the current one on focus.
    mark.tabIndex = 0;
    mark.focus();
  }
  announce(S.savedHere);
}
