// Suggestions as you type in the header's search box (GET /api/search/suggest/?q=).
// ARIA 1.2 combobox: the input keeps focus, the listbox's active option is named by
// aria-activedescendant; Down/Up move, Enter opens the active suggestion (or submits the
// search when none is active), Escape closes. Without JavaScript the box is a plain
// search form.
(function () {
  "use strict";

  var DELAY_MS = 150;
  var MIN_LETTERS = 2;

  function setUp(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector("[role=listbox]");
    var status = form.querySelector("[data-suggest-status]");
    var url = form.getAttribute("data-suggest-url");
    if (!input || !list || !url) return;
    var timer = null;
    var active = -1;
    var latest = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    function options() { return list.querySelectorAll("[role=option]"); }

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var all = options();
      if (!all.length) return;
      active = (index + all.length) % all.length;
      for (var i = 0; i < all.length; i++) {
        all[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }

    function show(suggestions) {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      suggestions.forEach(function (suggestion, i) {
        var option = document.createElement("li");
        option.id = "site-search-suggestion-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-url", suggestion.url);
        option.className = "site-search__suggestion";
        var label = document.createElement("span");
        label.textContent = suggestion.label;
        var kind = document.createElement("span");
        kind.className = "site-search__kind";
        kind.textContent = suggestion.kind_label;
        option.appendChild(label);
        option.appendChild(kind);
        list.appendChild(option);
      });
      var any = suggestions.length > 0;
      list.hidden = !any;
      input.setAttribute("aria-expanded", any ? "true" : "false");
      if (status) {
        status.textContent = !any ? "" : suggestions.length === 1
          ? status.getAttribute("data-one")
          : status.getAttribute("data-many").replace("%(n)s", suggestions.length);
      }
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.replace(/[^\p{L}\p{N}]/gu, "").length < MIN_LETTERS) { close(); return; }
      var ticket = ++latest;
      fetch(url + "?" + new URLSearchParams({ q: text }), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) { if (ticket === latest) show(data.suggestions || []); })
        .catch(function () { /* suggestions are a convenience: the search still works */ });
    }

    function open(option) { window.location.assign(option.getAttribute("data-url")); }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden && options().length > 0;
      if (event.key === "ArrowDown" && expanded) {
        event.preventDefault();
        highlight(active + 1);
      } else if (event.key === "ArrowUp" && expanded) {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Enter" && expanded && active >= 0) {
        event.preventDefault();
        open(options()[active]);
      } else if (event.key === "Escape" && expanded) {
        event.preventDefault();
        close();
      }
    });
    list.addEventListener("mousedown", function (event) {
      // mousedown, not click: the input's blur would close the list first.
      var option = event.target.closest("[role=option]");
      if (option) { event.preventDefault(); open(option); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggest-url]").forEach(setUp);
  });
})();
