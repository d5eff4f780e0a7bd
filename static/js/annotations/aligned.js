// The side-by-side reader (?translation=…, ADR 0019): a thread on a passage also lists
// the annotations on the aligned passages of the other side, each marked with its
// language, and the cards of this side say theirs. The other side's source, version and
// language are on the parallel text (apps/sources/reader_parallel.py); its annotations
// come from the API as any thread's do (the viewer's visibility applies).

import { api } from "./api.js";
import { el } from "./dom.js";
import { passageIdsBetween } from "./passages.js";
import { S, byId, placed, state } from "./store.js";

const text = document.querySelector(".reader__text--parallel");
const other = text ? text.dataset : null;

export const activeLanguage = other ? other.activeName : "";

function languageMark(name) { return el("span", "annotation-card__language", name); }

// A card of this side: its language after the author's name.
export function markLanguage(article) {
  if (!other) return;
  const header = article.querySelector(".annotation-card__meta");
  if (header) header.append(" · ", languageMark(activeLanguage));
}

// The other side's passage ids aligned with these passages of this side.
function alignedIds(passageIds) {
  const ids = new Set();
  passageIds.forEach((pid) => {
    const passage = text.querySelector("[data-passage='" + pid + "']");
    const row = passage && passage.closest(".aligned-row");
    if (!row) return;
    row.querySelectorAll("[data-parallel-passage]").forEach((p) => ids.add(p.dataset.parallelPassage));
  });
  return Array.from(ids);
}

function otherCard(a) {
  const article = el("article", "annotation-card annotation-card--other-side");
  article.lang = other.otherLang;
  const header = el("header", "annotation-card__meta");
  header.append(el("strong", "", a.author ? a.author.name : S.deleted), " · ", languageMark(other.otherName));
  article.appendChild(header);
  if (a.parent === null && a.target && a.target.selector.length) {
    article.appendChild(el("blockquote", "annotation-card__quote", a.target.selector[0].exact));
  }
  const body = el("div", "annotation-card__body");
  body.innerHTML = a.body_html || "";  // sanitised by the server (markdown-it + nh3)
  article.appendChild(body);
  return article;
}

// Resolves with a section listing the other side's annotations on the passages aligned
// with the open roots' passages, or null (not side by side; none there).
export async function alignedSection(rootIds) {
  if (!other) return null;
  const passageIds = new Set();
  rootIds.forEach((id) => {
    const a = byId.get(id);
    if (a && placed(a)) passageIdsBetween(a.anchor.start, a.anchor.end).forEach((pid) => passageIds.add(pid));
  });
  const ids = alignedIds(Array.from(passageIds));
  if (!ids.length) return null;
  const seen = new Map();
  const pages = await Promise.all(ids.map((pid) => {
    const query = new URLSearchParams({ source: other.otherSource, version: other.otherVersion, passage: pid, page_size: "50" });
    return api("GET", state.data.api + "?" + query.toString()).catch(() => ({ results: [] }));
  }));
  pages.forEach((page) => page.results.forEach((a) => { if (!a.deleted && !seen.has(a.id)) seen.set(a.id, a); }));
  if (!seen.size) return null;
  const section = el("section", "annotation-thread__item annotation-thread__other-side");
  section.setAttribute("aria-label", S.otherSide.replace("%(language)s", other.otherName));
  section.appendChild(el("h3", "annotation-thread__other-title", S.otherSide.replace("%(language)s", other.otherName)));
  Array.from(seen.values()).forEach((a) => section.appendChild(otherCard(a)));
  const link = el("a", "", S.openOtherSide.replace("%(language)s", other.otherName));
  const first = text.querySelector("[data-parallel-passage='" + ids[0] + "']");
  link.href = other.otherUrl + (first ? "#" + first.id : "");
  section.appendChild(el("p")).appendChild(link);
  return section;
}
