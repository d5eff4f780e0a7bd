// The entry edit form's citation panel (templates/coding/_form_citations.html).
// Each coded field gets its chips and a "Cite" button next to it; the button opens a
// modal side panel (<dialog>: focus stays inside, Escape closes it, focus returns to
// the button) to pick an evidence item and/or search a passage and select the quote.
// "Add" asks the server to check the citation exactly as saving will
// (/api/examples/<id>/citations/check/) and only then adds the chip: a hidden input
// of the form, so nothing typed in the form is lost, and the form's save stores them.
(function () {
  "use strict";

  var root = document.getElementById("value-citations");
  var panel = document.getElementById("citation-panel");
  if (!root || !panel || typeof panel.showModal !== "function") return;
  var form = root.closest("form");
  var status = document.getElementById("citation-status");
  var chipTemplate = document.getElementById("citation-chip-template");
  var $ = function (id) { return document.getElementById(id); };
  var evidence = $("cite-evidence"), query = $("cite-passage-q"), results = $("cite-passage-results");
  var chosen = $("cite-chosen"), chosenSource = $("cite-chosen-source"), passageText = $("cite-passage-text");
  var quote = $("cite-quote"), note = $("cite-note"), error = $("cite-error");
  var current = null; // {field, label, list, button}
  var passage = null; // {source, version, anchor}
  var selected = ""; // the words last selected in the shown passage

  function format(text, value) { return text.replace("%s", value); }

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // The dialog lives outside the form: its controls are not the form's, and Enter in
  // them does not submit the entry.
  document.body.appendChild(panel);

  // Chips next to their field: the field's wrapper (.field, or the checkbox fieldset).
  root.querySelectorAll(".citation-field").forEach(function (block) {
    var name = block.getAttribute("data-field");
    var control = form.querySelector('[name="' + name + '"]');
    var wrapper = control && (control.closest(".field") || control.closest("fieldset.checks"));
    if (wrapper) wrapper.appendChild(block);
    block.querySelector("[data-cite]").hidden = false;
  });

  function csrfToken() {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function setPassage(item) {
    passage = item ? { source: item.source, version: item.version, anchor: item.anchor } : null;
    selected = "";
    chosen.hidden = !item;
    if (item) {
      chosenSource.textContent = item.source_title + ", v" + item.version;
      passageText.textContent = item.text;
    } else {
      passageText.textContent = "";
      quote.value = "";
    }
  }

  function open(button) {
    var block = button.closest(".citation-field");
    current = {
      field: block.getAttribute("data-field"),
      label: block.getAttribute("data-label"),
      list: block.querySelector(".citation-chips"),
      button: button,
    };
    $("citation-panel-title").textContent = format(panel.getAttribute("data-title"), current.label);
    evidence.value = "";
    query.value = "";
    results.textContent = "";
    note.value = "";
    error.textContent = "";
    setPassage(null);
    panel.showModal();
    evidence.focus();
  }

  root.ownerDocument.addEventListener("click", function (event) {
    var cite = event.target.closest("[data-cite]");
    if (cite && form.contains(cite)) { open(cite); return; }
    var remove = event.target.closest("[data-chip-remove]");
    if (remove && form.contains(remove)) {
      var block = remove.closest(".citation-field");
      remove.closest("li").remove();
      block.querySelector("[data-cite]").focus();
      announce(panel.getAttribute("data-removed"));
    }
  });

  panel.addEventListener("close", function () {
    if (current) current.button.focus();
  });
  $("cite-cancel").addEventListener("click", function () { panel.close(); });

  function search() {
    var words = query.value.trim();
    if (words.length < 3) { query.focus(); return; }
    var url = root.getAttribute("data-passages-url") + "?q=" + encodeURIComponent(words);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        results.textContent = "";
        var found = (data && data.passages) || [];
        if (!found.length) {
          var empty = document.createElement("li");
          empty.textContent = panel.getAttribute("data-none-found");
          results.appendChild(empty);
          return;
        }
        found.forEach(function (item) {
          var li = document.createElement("li");
          var text = document.createElement("span");
          text.textContent = item.text.length > 200 ? item.text.slice(0, 199) + "…" : item.text;
          var from = document.createElement("small");
          from.textContent = " — " + item.source_title + ", v" + item.version + " ";
          var use = document.createElement("button");
          use.type = "button";
          use.className = "secondary";
          use.textContent = panel.getAttribute("data-use");
          use.addEventListener("click", function () {
            setPassage(item);
            results.textContent = "";
            passageText.focus();
          });
          li.append(text, from, use);
          results.appendChild(li);
        });
      });
  }
  $("cite-passage-search").addEventListener("click", search);
  query.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); search(); }
  });
  $("cite-passage-clear").addEventListener("click", function () { setPassage(null); query.focus(); });
  // Pressing the button may clear the selection before its click: remember the last
  // selection made inside the passage instead.
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (selection && !selection.isCollapsed && passageText.contains(selection.anchorNode)
        && passageText.contains(selection.focusNode)) {
      selected = selection.toString();
    }
  });
  $("cite-use-selection").addEventListener("click", function () {
    if (selected) quote.value = selected;
    quote.focus();
  });

  function messageOf(data) {
    if (data && typeof data.detail === "string") return data.detail;
    return panel.getAttribute("data-failed");
  }

  $("cite-add").addEventListener("click", function () {
    if (!current) return;
    var payload = {
      field: current.field,
      evidence: evidence.value ? Number(evidence.value) : null,
      passage: passage,
      quote: passage ? quote.value : "",
      note: note.value,
    };
    error.textContent = "";
    fetch(root.getAttribute("data-check-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
          function () { return { ok: false, data: null }; });
      })
      .then(function (answer) {
        if (!answer.ok) { error.textContent = messageOf(answer.data); return; }
        var chip = chipTemplate.content.firstElementChild.cloneNode(true);
        var citation = answer.data.citation;
        citation.label = answer.data.label;
        chip.querySelector("input").value = JSON.stringify(citation);
        chip.querySelector(".chip-label").textContent = answer.data.label;
        var remove = chip.querySelector("[data-chip-remove]");
        remove.setAttribute("aria-label", format(remove.getAttribute("data-label-template"), answer.data.label));
        current.list.appendChild(chip);
        panel.close();
        announce(format(panel.getAttribute("data-added"), current.label));
      }, function () { error.textContent = panel.getAttribute("data-failed"); });
  });
})();
