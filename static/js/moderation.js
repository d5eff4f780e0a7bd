// Review queue keyboard shortcuts: j/k move, x select, c claim, one key per decision
// (a publish, e request changes, r reject, h hide, n keep, s spam: the keys on each row's
// buttons), o or Enter shows the item in full inside its row, ? help. A decision key moves
// to the current row's reason; Enter there presses that row's button for the decision.
// Claims and decisions come back through htmx (the queue form is boosted): the form is
// replaced in place and focus goes to the next item. Everything also works with the mouse
// and Tab, and without script (a page load per action); this only speeds it up.
(function () {
  "use strict";

  var help = document.getElementById("moderation-help");
  var current = -1;
  // After a claim or decision the form comes back (htmx replaces the table): the id of
  // the row to focus then ("" for "where the cursor was"); null when nothing was sent.
  var focusAfterSwap = null;

  function rows() {
    // Looked up each time: a claim or decision replaces the table.
    var table = document.getElementById("queue-table");
    return table ? Array.prototype.slice.call(table.querySelectorAll("tbody .queue__row")) : [];
  }

  function move(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("is-current"); });
    current = index;
    all[index].classList.add("is-current");
    all[index].focus({ preventScroll: false });
  }

  // j/k while a claim or decision is on its way: where the person moved wins over where
  // the answer would have put the cursor (the row with that id, once the table is back).
  function moveBy(step) {
    move(current + step);
    var row = rows()[current];
    if (focusAfterSwap !== null && row) focusAfterSwap = row.id;
  }

  function currentRow() {
    var all = rows();
    if (current < 0 && all.length) move(0);
    return all[current] || null;
  }

  function decide(value) {
    var row = currentRow();
    if (!row) return;
    var button = row.querySelector('button[data-decision="' + value + '"]');
    if (!button) return;  // not a decision this item offers
    row.querySelectorAll("button[data-decision]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    row.setAttribute("data-pending", value);
    var reason = row.querySelector("[data-row-reason]");
    if (reason) reason.focus();
  }

  // Enter in a row's reason applies the decision chosen with its key; never anything
  // else (the form's default button is disabled, so Enter alone does nothing).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches("[data-row-reason]")) return;
    event.preventDefault();
    var row = event.target.closest(".queue__row");
    var pending = row && row.getAttribute("data-pending");
    var button = pending && row.querySelector('button[data-decision="' + pending + '"]');
    // A click (not requestSubmit): htmx takes the submitter's name and value from it.
    if (button) button.click();
  }, true);

  function expand(row) {
    var more = row && row.querySelector("[data-item-more]");
    if (more) more.open = !more.open;
  }

  // Which row comes up after a claim (the same one) or a decision (the next one, named
  // in the button's value "<decision>:<item>:<next item>").
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#queue-form button[type=submit]");
    if (!button) return;
    var row = button.closest(".queue__row");
    if (button.name === "decide_one") {
      var next = button.value.split(":")[2];
      focusAfterSwap = next ? "queue-item-" + next : "";
    } else {
      focusAfterSwap = row ? row.id : "";
    }
  }, true);

  function fromQueueForm(event) {
    var elt = event.detail && event.detail.elt;
    return !!(elt && elt.id === "queue-form");
  }

  // A refused decision (400: the form's errors) or one overtaken by an edit (409: what
  // changed) is a page to show, not an error to drop: swap it in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr && event.detail.xhr.status;
    if ((status === 400 || status === 409) && fromQueueForm(event)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // An item that cannot be shown in full (out of scope, gone) says so in its row.
  document.addEventListener("htmx:responseError", function (event) {
    var elt = event.detail && event.detail.elt;
    var body = elt && elt.matches && elt.matches("[data-item-more]") && elt.querySelector(".queue__more-body");
    if (body) body.textContent = body.getAttribute("data-error") || "Could not load this item.";
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (focusAfterSwap === null || !document.getElementById("queue-form")) return;
    if (event.detail && event.detail.elt && event.detail.elt.closest && event.detail.elt.closest(".queue__more-body")) return;
    var all = rows();
    var target = focusAfterSwap && document.getElementById(focusAfterSwap);
    var index = all.indexOf(target);
    focusAfterSwap = null;
    if (index < 0) index = Math.min(Math.max(current, 0), all.length - 1);
    if (index >= 0) move(index);
  });

  // After a decision the page comes back at the next row (#queue-item-<id>).
  function focusFromHash() {
    if (!location.hash || location.hash.indexOf("#queue-item-") !== 0) return;
    var target = document.getElementById(location.hash.slice(1));
    var index = rows().indexOf(target);
    if (index >= 0) move(index);
  }
  document.addEventListener("DOMContentLoaded", focusFromHash);

  function showHelp() {
    if (!help) return;
    if (typeof help.showModal === "function") help.showModal();
    else help.setAttribute("open", "");
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true], dialog[open]") !== null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-moderation-help]")) showHelp();
    var row = event.target.closest(".queue__row");
    if (row) {
      var index = rows().indexOf(row);
      if (index >= 0) {
        rows().forEach(function (r) { r.classList.remove("is-current"); });
        current = index;
        row.classList.add("is-current");
      }
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.name === "reason") {
      var form = event.target.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (event.key === "Escape" && typing(event.target) && !event.target.closest("dialog")) {
      event.target.blur();
      var row = currentRow();
      if (row) row.focus();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var row;
    switch (event.key) {
      case "j": moveBy(1); break;
      case "k": moveBy(-1); break;
      case "x":
        row = currentRow();
        if (row) { var box = row.querySelector("input[name=items]"); if (box) box.checked = !box.checked; }
        break;
      case "c":
        row = currentRow();
        if (row) { var claim = row.querySelector("[data-claim]"); if (claim) claim.click(); }
        break;
      case "a": decide("publish"); break;
      case "e": decide("request_changes"); break;
      case "r": decide("reject"); break;
      case "h": decide("hide"); break;
      case "n": decide("keep"); break;
      case "s": decide("spam"); break;
      case "o":
        expand(currentRow());
        break;
      case "Enter":
        // Enter on a row (not on a link or button inside it) shows it in full.
        if (!event.target.classList || !event.target.classList.contains("queue__row")) return;
        expand(event.target);
        break;
      case "?": showHelp(); break;
      default: return;
    }
    event.preventDefault();
  });
})();
