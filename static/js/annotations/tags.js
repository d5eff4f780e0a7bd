// Tag suggestions for a comma-separated tags field (an ARIA 1.2 combobox with a list):
// the tags already used on this text, the countries, so typing "Germ" offers
// country:DE — the tag that colours a highlight as a country (docs/annotations.md) —
// then the tags in public use across the site (GET payload.tagsApi?q=, one cached
// indexed query on the server; asked once per typed prefix, after a short pause).
// Up/Down choose, Enter or Tab adds, Escape closes; the field stays free text.

import { annotations, S, state } from "./store.js";

const LIMIT = 8;
const PAUSE_MS = 150;
let counter = 0;
const siteWide = new Map();  // folded prefix -> [tag, …] from the server

function siteTagsFor(fragment) {
  return siteWide.get(fold(fragment.trim())) || [];
}

// Ask the server for site-wide tags starting with ``fragment``; calls ``done`` when new
// ones arrived (a failed request only means no site-wide suggestions).
function fetchSiteTags(fragment, done) {
  const wanted = fold(fragment.trim());
  const url = state.data && state.data.tagsApi;
  if (!url || !wanted || wanted.length > 64 || siteWide.has(wanted)) return;
  siteWide.set(wanted, []);
  fetch(url + "?" + new URLSearchParams({ q: wanted }), { credentials: "omit", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { tags: [] }))
    .then((body) => {
      siteWide.set(wanted, (body.tags || []).map((t) => t.tag));
      done();
    })
    .catch(() => {});
}

function knownTags() {
  const tags = new Set();
  for (const a of annotations()) (a.tags || []).forEach((t) => tags.add(t));
  return Array.from(tags).sort();
}

function fold(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

// [value, label] pairs for the fragment being typed, prefix matches first.
export function suggestTags(fragment, already) {
  const wanted = fold(fragment.trim());
  if (!wanted) return [];
  const taken = new Set(already.map(fold));
  const first = [], later = [];
  const offer = (value, label, text) => {
    if (taken.has(fold(value))) return;
    const at = fold(text).indexOf(wanted);
    if (at === 0) first.push([value, label]);
    else if (at > 0) later.push([value, label]);
  };
  knownTags().forEach((tag) => offer(tag, tag, tag));
  siteTagsFor(fragment).forEach((tag) => offer(tag, tag, tag));
  const bare = wanted.replace(/^country:/, "");
  ((state.data && state.data.countries) || []).forEach(([code, name]) => {
    const value = "country:" + code;
    // A country tag already in use is offered here too, by its name ("Germ" finds
    // country:DE, which the tag text alone does not match); the list keeps one of each.
    const label = value + " — " + name;
    if (fold(name).startsWith(bare) || fold(code) === bare || fold(value).startsWith(wanted)) first.push([value, label]);
    else if (bare.length > 2 && fold(name).indexOf(bare) > 0) later.push([value, label]);
  });
  const seen = new Set();
  return first.concat(later).filter(([value]) => !seen.has(value) && seen.add(value)).slice(0, LIMIT);
}

export function attachTagSuggestions(input) {
  if (!input || input.dataset.suggestions) return;
  counter += 1;
  const listId = "tag-suggestions-" + counter;
  input.dataset.suggestions = listId;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  const list = document.createElement("ul");
  list.id = listId;
  list.className = "tag-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", S.tagSuggestions);
  list.hidden = true;
  input.insertAdjacentElement("afterend", list);
  input.parentElement.classList.add("has-tag-suggestions");
  let active = -1;

  function parts() {
    const all = input.value.split(",");
    return { done: all.slice(0, -1).map((t) => t.trim()).filter(Boolean), typing: all[all.length - 1] };
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    const options = list.querySelectorAll("[role=option]");
    options.forEach((o, i) => o.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function accept(value) {
    const { done } = parts();
    input.value = done.concat([value]).join(", ") + ", ";
    close();
    input.focus();
  }

  function refresh() {
    const { done, typing } = parts();
    const found = suggestTags(typing, done);
    if (!found.length) { close(); return; }
    // The site's tags arrive after a pause and refresh the list: an option already
    // chosen with the arrow keys stays chosen.
    const chosen = active >= 0 && list.children[active] ? list.children[active].dataset.value : null;
    list.replaceChildren();
    found.forEach(([value, label], i) => {
      const option = document.createElement("li");
      option.id = listId + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.value = value;
      option.textContent = label;
      // mousedown, not click: the field keeps focus (and the form its state).
      option.addEventListener("mousedown", (event) => { event.preventDefault(); accept(value); });
      list.appendChild(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(found.findIndex(([value]) => value === chosen));
  }

  let pause = null;
  input.addEventListener("input", () => {
    refresh();
    clearTimeout(pause);
    const typed = parts().typing;
    pause = setTimeout(() => fetchSiteTags(typed, () => {
      if (document.activeElement === input && parts().typing === typed) refresh();
    }), PAUSE_MS);
  });
  input.addEventListener("blur", () => setTimeout(close, 0));
  input.addEventListener("keydown", (event) => {
    if (list.hidden) {
      if (event.key === "ArrowDown") { refresh(); if (!list.hidden) { event.preventDefault(); highlight(0); } }
      return;
    }
    const count = list.children.length;
    if (event.key === "ArrowDown") { event.preventDefault(); highlight((active + 1) % count); }
    else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active <= 0 ? count - 1 : active - 1); }
    else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); }
    else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      accept(list.children[active].dataset.value);
    } else if (event.key === "Enter") {
      // With suggestions open and none chosen, Enter finishes the tag as typed; it used
      // to save the annotation with the half-typed tag ("geo-sc" for "geo-scoring").
      event.preventDefault();
      const typed = parts().typing.trim();
      if (typed) accept(typed);
      else close();
    }
  });
}
