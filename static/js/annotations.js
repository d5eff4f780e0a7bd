// Annotations in the reader: highlights, the Annotate button and form, thread panel.
// Thread roots everyone may see come from data.threads (JSON cached for everyone, same
// shape as /api/annotations/); the page (#annotation-data) adds the viewer's own roots
// that the public set lacks, laid over it by id. A thread's replies are fetched from the
// API when it is first opened; writes go through the JSON API. Counts and the Annotate
// passage buttons are painted here, so the passage markup is the same for every viewer
// (the server caches it). Offsets are Unicode code points of the version's canonical text
// (the server's unit); JavaScript strings count UTF-16 units, so they are converted.
(function () {
  "use strict";

  var dataEl = document.getElementById("annotation-data");
  var reader = document.querySelector(".reader");
  if (!dataEl || !reader) return;
  var data = JSON.parse(dataEl.textContent);
  var S = data.strings;
  var own = data.annotations;  // the viewer's own beyond the public set (see the top)
  data.annotations = [];
  var byId = new Map();

  var panel = document.getElementById("annotation-panel");
  var threadEl = document.getElementById("annotation-thread");
  var emptyEl = document.getElementById("annotation-empty");
  var form = document.getElementById("annotation-form");
  var annotateButton = document.getElementById("annotate-button");
  var filterTag = document.getElementById("filter-tag");
  var filterAuthor = document.getElementById("filter-author");
  var filterMine = document.getElementById("filter-mine");
  var pendingTarget = null;

  // --- Offsets ---------------------------------------------------------------------------

  function cpToUtf16(text, cp) {
    var units = 0, count = 0;
    for (var ch of text) {
      if (count >= cp) break;
      units += ch.length;
      count += 1;
    }
    return units;
  }

  function utf16ToCp(text, units) {
    return Array.from(text.slice(0, units)).length;
  }

  var passages = Array.prototype.map.call(document.querySelectorAll(".reader__text .passage"), function (el) {
    var textEl = el.querySelector(".passage__text");
    return {
      el: el,
      id: Number(el.dataset.passage),
      start: Number(el.dataset.start),
      end: Number(el.dataset.end),
      textEl: textEl,
      text: textEl.textContent
    };
  });
  var passageById = new Map(passages.map(function (p) { return [p.id, p]; }));

  function passageAt(offset) {
    for (var i = 0; i < passages.length; i++) {
      if (offset < passages[i].end) return passages[i];
    }
    return null;
  }

  // --- Visibility filters -------------------------------------------------------------------

  function isRoot(a) { return a.parent === null; }

  function passesFilters(a) {
    if (filterTag && filterTag.value && a.tags.indexOf(filterTag.value) === -1) return false;
    if (filterAuthor && filterAuthor.value && (!a.author || a.author.username !== filterAuthor.value)) return false;
    if (filterMine && filterMine.checked && (!a.author || a.author.username !== data.user)) return false;
    return true;
  }

  // "[deleted]" or "[hidden by a moderator]": kept only because it has replies.
  function isPlaceholder(a) { return a.deleted || (a.hidden && !a.author); }

  function placed(a) {
    return isRoot(a) && a.anchor && a.anchor.status !== "orphaned" && a.anchor.start !== null;
  }

  function colourOf(a) {
    if (isPlaceholder(a)) return "placeholder";
    var first = a.tags[0] || "";
    if (first.indexOf("country:") === 0) return "country";
    return a.motivation;
  }

  // --- Highlights ----------------------------------------------------------------------------

  function paint() {
    var visible = data.annotations.filter(function (a) { return placed(a) && passesFilters(a); });
    passages.forEach(function (p) {
      var ranges = [];
      visible.forEach(function (a) {
        var s = Math.max(a.anchor.start, p.start), e = Math.min(a.anchor.end, p.end);
        if (e > s) ranges.push({ a: a, s: cpToUtf16(p.text, s - p.start), e: cpToUtf16(p.text, e - p.start) });
      });
      var cuts = new Set([0, p.text.length]);
      ranges.forEach(function (r) { cuts.add(r.s); cuts.add(r.e); });
      var points = Array.from(cuts).sort(function (x, y) { return x - y; });
      var fragment = document.createDocumentFragment();
      for (var i = 0; i < points.length - 1; i++) {
        var from = points[i], to = points[i + 1];
        var piece = p.text.slice(from, to);
        var covering = ranges.filter(function (r) { return r.s <= from && r.e >= to; });
        if (!covering.length) {
          fragment.appendChild(document.createTextNode(piece));
          continue;
        }
        var mark = document.createElement("mark");
        mark.className = "hl hl--" + colourOf(covering[0].a) + (covering.length > 1 ? " hl--overlap" : "");
        mark.dataset.ids = covering.map(function (r) { return r.a.id; }).join(",");
        mark.tabIndex = 0;
        mark.setAttribute("role", "button");
        mark.setAttribute("aria-label", piece.slice(0, 60) + " — " + covering.length + " " + S.threadLabel.toLowerCase());
        mark.textContent = piece;
        fragment.appendChild(mark);
      }
      p.textEl.replaceChildren(fragment);
    });
    updateCounts();
    // Painting rebuilds the passages' text: other layers (search-highlight.js) re-apply.
    document.dispatchEvent(new CustomEvent("annotations:painted"));
  }

  function updateCounts() {
    var counts = new Map();
    data.annotations.forEach(function (a) {
      if (!placed(a) || !passesFilters(a)) return;
      var p = passageAt(a.anchor.start);
      if (p) counts.set(p.id, (counts.get(p.id) || 0) + 1);
    });
    passages.forEach(function (p) {
      var tools = p.el.querySelector(".passage__tools");
      var button = tools && tools.querySelector(".passage-count");
      var n = counts.get(p.id) || 0;
      if (!n) { if (button) button.remove(); return; }
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.className = "passage-count";
        button.dataset.openPassage = String(p.id);
        tools.insertBefore(button, tools.querySelector(".annotate-passage"));
      }
      button.textContent = String(n);
      button.setAttribute("aria-label", S.threadsOnPassage.replace("%(n)s", String(n)));
    });
  }

  function fillFilters() {
    if (!filterTag || !filterAuthor) return;
    var tags = new Set(), authors = new Map();
    data.annotations.forEach(function (a) {
      a.tags.forEach(function (t) { tags.add(t); });
      if (a.author) authors.set(a.author.username, a.author.name);
    });
    function refill(select, entries) {
      var current = select.value;
      while (select.options.length > 1) select.remove(1);
      entries.forEach(function (entry) { select.add(new Option(entry[1], entry[0])); });
      select.value = current;
    }
    refill(filterTag, Array.from(tags).sort().map(function (t) { return [t, t]; }));
    refill(filterAuthor, Array.from(authors.entries()).sort(function (x, y) { return x[1].localeCompare(y[1]); }));
  }

  // --- API -----------------------------------------------------------------------------------

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new Error(json.detail || S.failed);
        return json;
      });
    });
  }

  function remember(a) {
    // The API reports anchors in the current version; on this page the target is exact.
    if (a.target && a.target.selector.length && a.version === data.version) {
      var position = a.target.selector[1];
      a.anchor = { status: "anchored", score: 1, start: position.start, end: position.end };
    } else if (a.version !== data.version && byId.has(a.id)) {
      a.anchor = byId.get(a.id).anchor;
    }
    if (byId.has(a.id)) {
      var index = data.annotations.indexOf(byId.get(a.id));
      data.annotations[index] = a;
    } else {
      data.annotations.push(a);
    }
    byId.set(a.id, a);
    return a;
  }

  function parseTags(value) {
    return value.split(",").map(function (t) { return t.trim(); }).filter(Boolean);
  }

  // --- Selection -> Annotate -------------------------------------------------------------

  function pointToOffset(node, offset) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    var passageEl = element && element.closest(".passage");
    if (!passageEl) return null;
    var p = passageById.get(Number(passageEl.dataset.passage));
    var range = document.createRange();
    range.selectNodeContents(p.textEl);
    var where = range.comparePoint(node, offset);
    if (where < 0) return p.start;
    if (where > 0) return p.end;
    range.setEnd(node, offset);
    return p.start + utf16ToCp(p.text, range.toString().length);
  }

  function selectionTarget() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    var text = reader.querySelector(".reader__text");
    if (!text.contains(range.commonAncestorContainer)) return null;
    var start = pointToOffset(range.startContainer, range.startOffset);
    var end = pointToOffset(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return null;
    var quote = selection.toString().trim();
    if (!quote) return null;
    return { start: start, end: end, quote: quote, rect: range.getBoundingClientRect() };
  }

  function onSelectionMaybeChanged() {
    if (!annotateButton) return;
    var target = selectionTarget();
    if (!target) {
      if (!annotateButton.matches(":focus")) annotateButton.hidden = true;
      return;
    }
    pendingTarget = target;
    annotateButton.hidden = false;
    var top = window.scrollY + target.rect.bottom + 6;
    var left = window.scrollX + target.rect.left + Math.min(target.rect.width, 200);
    annotateButton.style.top = top + "px";
    annotateButton.style.left = left + "px";
  }

  var selectionTimer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(selectionTimer);
    selectionTimer = setTimeout(onSelectionMaybeChanged, 120);
  });
  document.addEventListener("mouseup", function () { setTimeout(onSelectionMaybeChanged, 0); });
  document.addEventListener("touchend", function () { setTimeout(onSelectionMaybeChanged, 0); });

  if (annotateButton) {
    // Positioned against the page, whatever the layout around the slot it came in.
    document.body.appendChild(annotateButton);
    // Keep the selection when the button is pressed.
    annotateButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
    annotateButton.addEventListener("click", function () {
      if (!pendingTarget) return;
      if (reattachId !== null) reattach(pendingTarget);
      else openForm(pendingTarget);
      annotateButton.hidden = true;
    });
  }

  // --- Re-attaching an orphan (author or moderator) -------------------------------------
  // "Re-attach" in the list of annotations that could not be placed, then select the new
  // text: the floating button becomes "Re-attach here" until it is used or cancelled.

  var reattachId = null;
  var reattachStatus = document.getElementById("reattach-status");

  function startReattach(id) {
    reattachId = id;
    var cancel = el("button", "link-button", S.cancel);
    cancel.type = "button";
    cancel.addEventListener("click", function () { stopReattach(); });
    reattachStatus.replaceChildren(document.createTextNode(S.reattachPrompt + " "), cancel);
    reattachStatus.hidden = false;
    if (annotateButton) annotateButton.textContent = S.reattachHere;
  }

  function stopReattach(message) {
    reattachId = null;
    if (annotateButton) annotateButton.textContent = S.annotate;
    reattachStatus.textContent = message || "";
    reattachStatus.hidden = !message;
  }

  function reattach(target) {
    var id = reattachId;
    var payload = {
      version: data.version,
      target: { selector: [{ type: "TextPositionSelector", start: target.start, end: target.end }] }
    };
    api("POST", data.api + id + "/reattach/", payload).then(function (updated) {
      var a = byId.get(id);
      a.anchor = updated.anchor;  // where it now is in this version
      var item = document.querySelector("[data-orphan='" + id + "']");
      var button = item && item.querySelector("[data-reattach]");
      if (button) button.replaceWith(el("span", "annotation-card__flag", S.reattached));
      window.getSelection().removeAllRanges();
      stopReattach(S.reattached);
      paint();
      openThreads([id], S.reattached);
    }, function (error) {
      reattachStatus.textContent = error.message;
      reattachStatus.hidden = false;
    });
  }

  // --- The form --------------------------------------------------------------------------

  var formTarget = null;

  function openForm(target) {
    if (!form) return;
    formTarget = target;
    form.hidden = false;
    emptyEl.hidden = true;
    document.getElementById("annotation-form-quote").textContent = target.quote;
    document.getElementById("annotation-form-error").hidden = true;
    document.getElementById("annotation-preview").hidden = true;
    document.getElementById("annotation-body").focus();
  }

  function closeForm() {
    form.hidden = true;
    form.reset();
    formTarget = null;
  }

  function showFormError(message) {
    var error = document.getElementById("annotation-form-error");
    error.textContent = message;
    error.hidden = false;
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!formTarget) return;
      var body = document.getElementById("annotation-body").value;
      var tags = parseTags(document.getElementById("annotation-tags").value);
      var payload = {
        source: data.source,
        version: data.version,
        target: { selector: [{ type: "TextPositionSelector", start: formTarget.start, end: formTarget.end }] },
        body: body,
        tags: tags,
        visibility: document.getElementById("annotation-visibility").value,
        motivation: body.trim() || tags.length ? "commenting" : "highlighting"
      };
      var submit = form.querySelector("[type=submit]");
      submit.disabled = true;
      api("POST", data.api, payload).then(function (created) {
        remember(created);
        loadedThreads.set(created.id, Promise.resolve());  // a new thread has no replies
        closeForm();
        window.getSelection().removeAllRanges();
        fillFilters();
        paint();
        openThreads([created.id], S.saved);
      }, function (error) {
        showFormError(error.message);
      }).finally(function () { submit.disabled = false; });
    });
    document.getElementById("annotation-cancel").addEventListener("click", closeForm);
    document.getElementById("annotation-preview-button").addEventListener("click", function () {
      var preview = document.getElementById("annotation-preview");
      api("POST", data.preview, { body: document.getElementById("annotation-body").value }).then(function (json) {
        preview.innerHTML = json.body_html;  // sanitised by the server (nh3)
        preview.hidden = false;
      }, function (error) { showFormError(error.message); });
    });
  }

  // --- Threads ----------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, handler, className) {
    var b = el("button", className || "link-button", label);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function card(a, depth) {
    var article = el("article", "annotation-card");
    article.id = "annotation-" + a.id;
    article.dataset.depth = String(Math.min(depth, 4));
    article.tabIndex = -1;
    var header = el("header", "annotation-card__meta");
    header.appendChild(el("strong", "", a.author ? a.author.name : (a.deleted ? S.deleted : S.hidden)));
    var time = el("time", "", new Date(a.created).toLocaleString());
    time.dateTime = a.created;
    header.appendChild(document.createTextNode(" · "));
    header.appendChild(time);
    if (a.edited) header.appendChild(el("span", "annotation-card__flag", " (" + S.edited + ")"));
    article.appendChild(header);
    if (isRoot(a) && a.target && a.target.selector.length) {
      article.appendChild(el("blockquote", "annotation-card__quote", a.target.selector[0].exact));
    } else if (isRoot(a)) {
      article.appendChild(el("p", "annotation-card__flag", S.sourceNote));
    }
    var notes = [];
    if (a.visibility === "private") notes.push(S.private);
    if (a.hidden && a.author) notes.push(S.hidden);
    if (a.awaiting_approval) notes.push(S.awaiting);
    if (isRoot(a) && a.anchor && a.anchor.status === "fuzzy") notes.push(S.fuzzy);
    if (isRoot(a) && a.anchor && a.anchor.status === "orphaned") notes.push(S.orphaned);
    if (notes.length) article.appendChild(el("p", "annotation-card__flag", notes.join(" · ")));
    var body = el("div", "annotation-card__body");
    body.innerHTML = a.body_html;  // sanitised by the server (markdown-it + nh3)
    article.appendChild(body);
    if (a.tags.length) {
      var list = el("ul", "annotation-card__tags");
      a.tags.forEach(function (t) { list.appendChild(el("li", "tag", t)); });
      article.appendChild(list);
    }
    var actions = el("p", "annotation-card__actions");
    var mine = data.user && a.author && a.author.username === data.user;
    if (data.user && !a.deleted && !a.hidden) actions.appendChild(button(S.reply, function () { replyForm(a, article); }));
    if (mine && !a.deleted) {
      actions.appendChild(button(S.edit, function () { editForm(a, article); }));
      actions.appendChild(button(S.delete, function () { remove(a); }));
    }
    if (data.canModerate && !a.deleted) {
      actions.appendChild(button(a.hidden ? S.restore : S.hide, function () { moderate(a); }));
    }
    if (data.user && !mine && !a.deleted && !a.hidden) {
      actions.appendChild(button(S.flag, function () { flagForm(a, article); }));
    }
    if (actions.childNodes.length) article.appendChild(actions);
    return article;
  }

  // The "Flag" form of one annotation: a reason and details, sent to POST /api/flags/.
  function flagForm(a, article) {
    if (article.querySelector(".annotation-flag-form")) return;
    var f = el("form", "annotation-flag-form");
    var id = "flag-" + a.id;
    var reasonLabel = el("label", "", S.flagReason);
    reasonLabel.htmlFor = id + "-reason";
    var select = el("select");
    select.id = id + "-reason";
    select.required = true;
    data.flagReasons.forEach(function (choice) { select.add(new Option(choice[1], choice[0])); });
    var textLabel = el("label", "", S.flagText);
    textLabel.htmlFor = id + "-text";
    var area = el("textarea");
    area.id = id + "-text";
    area.rows = 2;
    area.maxLength = 2000;
    var status = el("p", "annotation-status");
    status.setAttribute("role", "status");
    var send = el("button", "", S.flagSend);
    send.type = "submit";
    var cancel = button(S.cancel, function () { f.remove(); });
    [reasonLabel, select, textLabel, area, send, cancel, status].forEach(function (node) { f.appendChild(node); });
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      send.disabled = true;
      api("POST", data.flagApi, {
        target: { type: "annotation", id: String(a.id) }, reason: select.value, text: area.value
      }).then(function () {
        f.replaceChildren(el("p", "annotation-status", S.flagged));
      }, function (error) {
        status.textContent = error.message;
        send.disabled = false;
      });
    });
    article.appendChild(f);
    select.focus();
  }

  function threadOf(rootId) {
    var all = data.annotations.filter(function (a) { return a.thread === rootId; });
    var children = new Map();
    all.forEach(function (a) {
      var key = a.parent === null ? 0 : a.parent;
      if (!children.has(key)) children.set(key, []);
      children.get(key).push(a);
    });
    var ordered = [];
    function walk(parentId, depth) {
      (children.get(parentId) || []).sort(function (x, y) { return x.created < y.created ? -1 : 1; }).forEach(function (a) {
        ordered.push([a, depth]);
        walk(a.id, depth + 1);
      });
    }
    walk(0, 0);
    // Replies whose parent is not visible here still belong to the thread.
    all.forEach(function (a) {
      if (!ordered.some(function (entry) { return entry[0] === a; })) ordered.push([a, 1]);
    });
    return ordered;
  }

  var openRoots = [];
  var loadedThreads = new Map();  // root id -> promise of its replies being in data.annotations

  function fetchAll(url) {
    return api("GET", url).then(function (page) {
      page.results.forEach(function (a) { if (a.parent !== null) remember(a); });
      return page.next ? fetchAll(page.next) : null;
    });
  }

  function loadThread(rootId) {
    if (!loadedThreads.has(rootId)) {
      var query = new URLSearchParams({ source: data.source, version: String(data.version), thread: String(rootId), page_size: "200" });
      var loading = fetchAll(data.api + "?" + query.toString());
      loading.catch(function () { loadedThreads.delete(rootId); });
      loadedThreads.set(rootId, loading);
    }
    return loadedThreads.get(rootId);
  }

  // Resolves once the threads are shown (after their replies have been fetched).
  function openThreads(ids, announcement) {
    var roots = [];
    ids.forEach(function (id) {
      var a = byId.get(id);
      if (!a) return;
      var root = a.thread;
      if (roots.indexOf(root) === -1 && byId.has(root) && passesFilters(byId.get(root))) roots.push(root);
    });
    openRoots = roots;
    var pending = roots.map(loadThread);
    threadEl.replaceChildren(el("p", "annotation-status", S.loading));
    emptyEl.hidden = true;
    return Promise.all(pending).then(function () {
      if (openRoots === roots) renderThreads(announcement);
    }, function (error) {
      if (openRoots === roots) threadEl.replaceChildren(el("p", "error", error.message || S.failed));
    });
  }

  function renderThreads(announcement) {
    threadEl.replaceChildren();
    if (announcement) threadEl.appendChild(el("p", "annotation-status", announcement));
    if (!openRoots.length) {
      emptyEl.hidden = false;
      return;
    }
    emptyEl.hidden = true;
    openRoots.forEach(function (rootId) {
      var section = el("section", "annotation-thread__item");
      section.setAttribute("aria-label", S.threadLabel);
      threadOf(rootId).forEach(function (entry) { section.appendChild(card(entry[0], entry[1])); });
      threadEl.appendChild(section);
    });
    if (panel.scrollIntoView && window.matchMedia("(max-width: 60rem)").matches) panel.scrollIntoView({ block: "start" });
  }

  function inlineForm(labelText, initial, withTags, onSave) {
    var f = el("form", "annotation-inline-form");
    var id = "f" + Math.random().toString(36).slice(2);
    var label = el("label", "", labelText);
    label.htmlFor = id;
    var area = el("textarea");
    area.id = id;
    area.rows = 3;
    area.maxLength = 10000;
    area.value = initial.body || "";
    f.appendChild(label);
    f.appendChild(area);
    var tagsInput = null;
    if (withTags) {
      var tagLabel = el("label", "", S.tags);
      tagsInput = el("input");
      tagsInput.type = "text";
      tagsInput.id = id + "-tags";
      tagLabel.htmlFor = tagsInput.id;
      tagsInput.value = (initial.tags || []).join(", ");
      f.appendChild(tagLabel);
      f.appendChild(tagsInput);
    }
    var error = el("p", "error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    f.appendChild(error);
    var actions = el("p");
    var save = el("button", "", S.save);
    save.type = "submit";
    actions.appendChild(save);
    actions.appendChild(button(S.cancel, function () { f.remove(); }, "secondary"));
    f.appendChild(actions);
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      save.disabled = true;
      onSave(area.value, tagsInput ? parseTags(tagsInput.value) : undefined).catch(function (e) {
        error.textContent = e.message;
        error.hidden = false;
      }).finally(function () { save.disabled = false; });
    });
    setTimeout(function () { area.focus(); }, 0);
    return f;
  }

  function replyForm(parent, article) {
    if (article.querySelector(".annotation-inline-form")) return;
    article.appendChild(inlineForm(S.reply, {}, false, function (body) {
      return api("POST", data.api, { parent: parent.id, body: body }).then(function (created) {
        remember(created);
        renderThreads(S.saved);
        var node = document.getElementById("annotation-" + created.id);
        if (node) node.focus();
      });
    }));
  }

  function editForm(a, article) {
    if (article.querySelector(".annotation-inline-form")) return;
    article.appendChild(inlineForm(S.comment, a, isRoot(a), function (body, tags) {
      var changes = { body: body };
      if (tags !== undefined) changes.tags = tags;
      return api("PATCH", data.api + a.id + "/", changes).then(function (updated) {
        remember(updated);
        fillFilters();
        paint();
        renderThreads(S.saved);
      });
    }));
  }

  function remove(a) {
    if (!window.confirm(S.confirmDelete)) return;
    api("DELETE", data.api + a.id + "/").then(function () {
      var hasReplies = data.annotations.some(function (x) { return x.parent === a.id; });
      if (hasReplies) {
        a.deleted = true; a.body_html = "<p>" + S.deleted + "</p>"; a.author = null; a.tags = [];
      } else {
        data.annotations.splice(data.annotations.indexOf(a), 1);
        byId.delete(a.id);
        openRoots = openRoots.filter(function (id) { return id !== a.id; });
      }
      paint();
      renderThreads();
    }, function (error) { window.alert(error.message); });
  }

  function moderate(a) {
    api("POST", data.api + a.id + (a.hidden ? "/restore/" : "/hide/"), {}).then(function (updated) {
      remember(updated);
      renderThreads();
    }, function (error) { window.alert(error.message); });
  }

  // --- Events -------------------------------------------------------------------------------

  reader.addEventListener("click", function (event) {
    var mark = event.target.closest("mark.hl");
    if (mark && window.getSelection().isCollapsed) {
      openThreads(mark.dataset.ids.split(",").map(Number));
      return;
    }
    var countButton = event.target.closest("[data-open-passage]");
    if (countButton) {
      var pid = Number(countButton.dataset.openPassage);
      var p = passageById.get(pid);
      var ids = data.annotations.filter(function (a) {
        return placed(a) && passesFilters(a) && passageAt(a.anchor.start) === p;
      }).map(function (a) { return a.id; });
      openThreads(ids.length ? ids : [], ids.length ? undefined : S.noThreads);
      return;
    }
    var passageButton = event.target.closest("[data-annotate-passage]");
    if (passageButton) {
      var passage = passageById.get(Number(passageButton.dataset.annotatePassage));
      openForm({ start: passage.start, end: passage.end, quote: passage.text.length > 200 ? passage.text.slice(0, 199) + "…" : passage.text });
      return;
    }
    var reattachButton = event.target.closest("[data-reattach]");
    if (reattachButton) {
      startReattach(Number(reattachButton.dataset.reattach));
      return;
    }
    var orphan = event.target.closest("[data-open-thread]");
    if (orphan) openThreads([Number(orphan.dataset.openThread)]);
  });

  reader.addEventListener("keydown", function (event) {
    var mark = event.target.closest && event.target.closest("mark.hl");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openThreads(mark.dataset.ids.split(",").map(Number));
    }
  });

  [filterTag, filterAuthor, filterMine].forEach(function (control) {
    if (control) control.addEventListener("change", function () { paint(); renderThreads(); });
  });

  // --- Start -------------------------------------------------------------------------------

  if (data.user) {
    // Keyboard path without a selection (visible on focus, see annotations.css).
    passages.forEach(function (p) {
      var tools = p.el.querySelector(".passage__tools");
      if (!tools) return;
      var b = el("button", "annotate-passage", "+");
      b.type = "button";
      b.dataset.annotatePassage = String(p.id);
      b.setAttribute("aria-label", S.annotatePassage);
      b.title = S.annotatePassage;
      tools.appendChild(b);
    });
  }

  function start(publicSet) {
    publicSet.concat(own).forEach(function (a) {
      if (byId.has(a.id)) data.annotations[data.annotations.indexOf(byId.get(a.id))] = a;
      else data.annotations.push(a);
      byId.set(a.id, a);
    });
    fillFilters();
    paint();
    reader.classList.add("has-annotations");
    // Read by bench/bench_annotations.py (time from navigation start to painted highlights).
    if (window.performance && performance.mark) performance.mark("annotations-painted");
    var wanted = Number(new URLSearchParams(location.search).get("thread"));
    if (wanted && byId.has(wanted)) {
      openThreads([wanted]).then(function () {
        var target = document.getElementById(location.hash.slice(1)) || document.getElementById("annotation-" + wanted);
        if (target) target.focus();
      });
    }
  }

  // Same request as the <link rel="preload"> in the page head, so the browser reuses it.
  fetch(data.threads, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok) throw new Error(S.loadFailed);
    return response.json();
  }).then(function (json) { start(json.annotations); }, function () {
    threadEl.replaceChildren(el("p", "error", S.loadFailed));
    emptyEl.hidden = true;
    start([]);
  });
})();
