// Writing: the new-annotation form (from a selection or a passage's button), replies,
// edits, deletion, hiding, flags and re-attaching an orphan. Each write repaints only
// the passages its annotation covers (before and after).

import { api } from "./api.js";
import { paint } from "./highlights.js";
import { passageAt, passageById } from "./passages.js";
import { enableAnnotate, onlyAnnotate } from "./selection.js";
import { S, byId, drop, annotations, parseTags, put, sideOf, sides, state } from "./store.js";
import { button, el } from "./dom.js";
import { announce, focusNewHighlight } from "./focus.js";
import { showSheet } from "./sheet.js";
import { forgetOpen, markLoaded, openRowThreads, openThreads, renderThreads } from "./threads.js";
import { refillFilters } from "./filters.js";

const reader = document.querySelector(".reader");
const form = document.getElementById("annotation-form");
const annotateButton = document.getElementById("annotate-button");
const reattachStatus = document.getElementById("reattach-status");
let formTarget = null;
let reattachId = null;

// --- Selection -> Annotate ---------------------------------------------------------------
// The floating menu itself is selection.js (for every reader); here, what Annotate does.

// Called once mine.json says someone is signed in.
export function enableWriting() {
  enableAnnotate((target) => {
    if (reattachId !== null) reattach(target);
    else openForm(target);
  });
  form.addEventListener("submit", submitForm);
  document.getElementById("annotation-cancel").addEventListener("click", closeForm);
  document.getElementById("annotation-preview-button").addEventListener("click", async () => {
    const preview = document.getElementById("annotation-preview");
    try {
      const json = await api("POST", state.data.preview, { body: document.getElementById("annotation-body").value });
      preview.innerHTML = json.body_html;  // sanitised by the server (nh3)
      preview.hidden = false;
    } catch (error) {
      showFormError(error.message);
    }
  });
}

// --- The new-annotation form ---------------------------------------------------------------

export function openForm(target) {
  formTarget = target;
  form.hidden = false;
  document.getElementById("annotation-empty").hidden = true;
  document.getElementById("annotation-form-quote").textContent = target.quote;
  document.getElementById("annotation-form-error").hidden = true;
  document.getElementById("annotation-preview").hidden = true;
  showSheet();
  document.getElementById("annotation-body").focus();
}

export function openPassageForm(passageId) {
  const passage = passageById.get(passageId);
  const quote = passage.text.length > 200 ? passage.text.slice(0, 199) + "…" : passage.text;
  openForm({ start: passage.start, end: passage.end, quote, side: passage.side });
}

function closeForm() {
  form.hidden = true;
  form.reset();
  formTarget = null;
}

function showFormError(message) {
  const error = document.getElementById("annotation-form-error");
  error.textContent = message;
  error.hidden = false;
}

async function submitForm(event) {
  event.preventDefault();
  if (!formTarget) return;
  const { data } = state;
  // The version of the side the text was selected on (side by side: either).
  const side = sides.get(formTarget.side) || sideOf(null);
  const passage = passageAt(formTarget.start, side.key);
  const body = document.getElementById("annotation-body").value;
  const tags = parseTags(document.getElementById("annotation-tags").value);
  const payload = {
    source: side.source,
    version: side.version,
    target: { selector: [{ type: "TextPositionSelector", start: formTarget.start, end: formTarget.end }] },
    body,
    tags,
    visibility: document.getElementById("annotation-visibility").value,
    motivation: body.trim() || tags.length ? "commenting" : "highlighting",
  };
  if (payload.visibility.indexOf("group:") === 0) {
    payload.group = payload.visibility.slice("group:".length);
    payload.visibility = "group";
  }
  const submit = form.querySelector("[type=submit]");
  submit.disabled = true;
  try {
    const created = await api("POST", data.api, payload);
    const changed = put(created);
    markLoaded(created.id);  // a new thread has no replies
    closeForm();
    window.getSelection().removeAllRanges();
    refillFilters();
    paint(changed);
    // Back to the text: focus on the new highlight, and the live region says so. Side by
    // side, the thread shown is the row's (both sides).
    openRowThreads([created.id], passage && passage.el, S.saved).then(() => focusNewHighlight(created.id));
  } catch (error) {
    showFormError(error.message);
  } finally {
    submit.disabled = false;
  }
}

// --- Replies, edits, deletion, hiding -------------------------------------------------------

function inlineForm(labelText, initial, withTags, onSave) {
  const f = el("form", "annotation-inline-form");
  const id = "f" + Math.random().toString(36).slice(2);
  const label = el("label", "", labelText);
  label.htmlFor = id;
  const area = el("textarea");
  area.id = id;
  area.rows = 3;
  area.maxLength = 10000;
  area.value = initial.body || "";
  f.appendChild(label);
  f.appendChild(area);
  let tagsInput = null;
  if (withTags) {
    const tagLabel = el("label", "", S.tags);
    tagsInput = el("input");
    tagsInput.type = "text";
    tagsInput.id = id + "-tags";
    tagLabel.htmlFor = tagsInput.id;
    tagsInput.value = (initial.tags || []).join(", ");
    f.appendChild(tagLabel);
    f.appendChild(tagsInput);
  }
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  f.appendChild(error);
  const actions = el("p");
  const save = el("button", "", S.save);
  save.type = "submit";
  actions.appendChild(save);
  actions.appendChild(button(S.cancel, () => f.remove(), "secondary"));
  f.appendChild(actions);
  f.addEventListener("submit", (event) => {
    event.preventDefault();
    save.disabled = true;
    onSave(area.value, tagsInput ? parseTags(tagsInput.value) : undefined).catch((e) => {
      error.textContent = e.message;
      error.hidden = false;
    }).finally(() => { save.disabled = false; });
  });
  setTimeout(() => area.focus(), 0);
  return f;
}

export function replyForm(parent, article) {
  if (article.querySelector(".annotation-inline-form")) return;
  article.appendChild(inlineForm(S.reply, {}, false, async (body) => {
    const created = await api("POST", state.data.api, { parent: parent.id, body });
    put(created);  // a reply paints nothing
    renderThreads(S.saved);
    const node = document.getElementById("annotation-" + created.id);
    if (node) node.focus();
    announce(S.saved);
  }));
}

export function editForm(a, article) {
  if (article.querySelector(".annotation-inline-form")) return;
  article.appendChild(inlineForm(S.comment, a, a.parent === null, async (body, tags) => {
    const changes = { body };
    if (tags !== undefined) changes.tags = tags;
    const updated = await api("PATCH", state.data.api + a.id + "/", changes);
    const changed = put(updated);
    refillFilters();
    paint(changed);
    renderThreads(S.saved);
  }));
}

export async function remove(a) {
  if (!window.confirm(S.confirmDelete)) return;
  try {
    await api("DELETE", state.data.api + a.id + "/");
  } catch (error) {
    window.alert(error.message);
    return;
  }
  const hasReplies = Array.from(annotations()).some((x) => x.parent === a.id);
  let changed;
  if (hasReplies) {
    changed = put({ ...a, deleted: true, body_html: "<p>" + S.deleted + "</p>", author: null, tags: [] }, { anchorsHere: true });
  } else {
    changed = drop(a.id);
    forgetOpen(a.id);
  }
  paint(changed);
  renderThreads();
}

export async function moderate(a) {
  try {
    const updated = await api("POST", state.data.api + a.id + (a.hidden ? "/restore/" : "/hide/"), {});
    paint(put(updated));
    renderThreads();
  } catch (error) {
    window.alert(error.message);
  }
}

// --- Flags ------------------------------------------------------------------------------

// The "Flag" form of one annotation: a reason and details, sent to POST /api/flags/.
export function flagForm(a, article) {
  if (article.querySelector(".annotation-flag-form")) return;
  const f = el("form", "annotation-flag-form");
  const id = "flag-" + a.id;
  const reasonLabel = el("label", "", S.flagReason);
  reasonLabel.htmlFor = id + "-reason";
  const select = el("select");
  select.id = id + "-reason";
  select.required = true;
  state.data.flagReasons.forEach(([value, label]) => select.add(new Option(label, value)));
  const textLabel = el("label", "", S.flagText);
  textLabel.htmlFor = id + "-text";
  const area = el("textarea");
  area.id = id + "-text";
  area.rows = 2;
  area.maxLength = 2000;
  const status = el("p", "annotation-status");
  status.setAttribute("role", "status");
  const send = el("button", "", S.flagSend);
  send.type = "submit";
  const cancel = button(S.cancel, () => f.remove());
  [reasonLabel, select, textLabel, area, send, cancel, status].forEach((node) => f.appendChild(node));
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    try {
      await api("POST", state.data.flagApi, { target: { type: "annotation", id: String(a.id) }, reason: select.value, text: area.value });
      f.replaceChildren(el("p", "annotation-status", S.flagged));
    } catch (error) {
      status.textContent = error.message;
      send.disabled = false;
    }
  });
  article.appendChild(f);
  select.focus();
}

// --- Re-attaching an orphan (author or moderator) -------------------------------------
// "Re-attach" in the list of annotations that could not be placed, then select the new
// text: the floating button becomes "Re-attach here" until it is used or cancelled.

export function startReattach(id) {
  reattachId = id;
  const cancel = button(S.cancel, () => stopReattach());
  reattachStatus.replaceChildren(document.createTextNode(S.reattachPrompt + " "), cancel);
  reattachStatus.hidden = false;
  annotateButton.textContent = S.reattachHere;
  onlyAnnotate(true);
}

function stopReattach(message) {
  reattachId = null;
  annotateButton.textContent = S.annotate;
  onlyAnnotate(false);
  reattachStatus.textContent = message || "";
  reattachStatus.hidden = !message;
}

async function reattach(target) {
  const id = reattachId;
  const side = sideOf(byId.get(id));
  if (target.side !== undefined && target.side !== side.key) {
    // Side by side: an orphan is re-attached in its own side's text (prompted again).
    startReattach(id);
    return;
  }
  const payload = {
    version: side.version,
    target: { selector: [{ type: "TextPositionSelector", start: target.start, end: target.end }] },
  };
  try {
    const updated = await api("POST", state.data.api + id + "/reattach/", payload);
    // Where it now is in this version.
    const changed = put({ ...byId.get(id), anchor: updated.anchor }, { anchorsHere: true });
    const item = document.querySelector("[data-orphan='" + id + "']");
    const reattachButton = item && item.querySelector("[data-reattach]");
    if (reattachButton) reattachButton.replaceWith(el("span", "annotation-card__flag", S.reattached));
    window.getSelection().removeAllRanges();
    stopReattach(S.reattached);
    paint(changed);
    openThreads([id], S.reattached);
  } catch (error) {
    reattachStatus.textContent = error.message;
    reattachStatus.hidden = false;
  }
}
