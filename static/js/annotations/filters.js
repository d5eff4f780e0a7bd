// The tag and author filters' options, from the annotations known so far.

import { annotations } from "./store.js";

const filterTag = document.getElementById("filter-tag");
const filterAuthor = document.getElementById("filter-author");

function refill(select, entries) {
  const current = select.value;
  while (select.options.length > 1) select.remove(1);
  entries.forEach(([value, label]) => select.add(new Option(label, value)));
  select.value = current;
}

export function refillFilters() {
  if (!filterTag || !filterAuthor) return;
  const tags = new Set(), authors = new Map();
  for (const a of annotations()) {
    a.tags.forEach((t) => tags.add(t));
    if (a.author) authors.set(a.author.username, a.author.name);
  }
  refill(filterTag, Array.from(tags).sort().map((t) => [t, t]));
  refill(filterAuthor, Array.from(authors.entries()).sort((x, y) => x[1].localeCompare(y[1])));
}
