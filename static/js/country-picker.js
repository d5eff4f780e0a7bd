// A small accessible combobox for choosing countries (WAI-ARIA APG "combobox with
// listbox popup"), over a <select multiple data-country-picker> that stays the form's
// real field: the page works without script, and the server sees the same ISO codes.
// Type a name or a code ("fra", "FR"), ArrowDown/ArrowUp through the matches, Enter or
// a click adds one; each chosen country is a button that removes it.
(function () {
  "use strict";

  var MAX_SHOWN = 12;
  var counter = 0;

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    var id = "country-picker-" + (++counter);
    var options = Array.prototype.map.call(select.options, function (option) {
      return { code: option.value, name: option.textContent.trim(), option: option };
    }).filter(function (entry) { return entry.code; });
    var label = document.querySelector('label[for="' + select.id + '"]');

    var wrapper = document.createElement("div");
    wrapper.className = "country-picker";
    var chosen = document.createElement("ul");
    chosen.className = "country-picker__chosen";
    chosen.setAttribute("aria-label", select.getAttribute("data-chosen-label") || "Chosen");
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "country-picker__list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (label) {
      label.setAttribute("for", id);
      list.setAttribute("aria-label", label.textContent.trim());
    }
    wrapper.appendChild(chosen);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    select.parentNode.insertBefore(wrapper, select.nextSibling);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;

    var matches = [];
    var active = -1;

    function renderChosen() {
      chosen.textContent = "";
      options.forEach(function (entry) {
        if (!entry.option.selected) return;
        var item = document.createElement("li");
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "country-picker__chip";
        remove.textContent = entry.name + " (" + entry.code + ") ×";
        remove.setAttribute("aria-label", (select.getAttribute("data-remove-label") || "Remove") + " " + entry.name);
        remove.addEventListener("click", function () {
          entry.option.selected = false;
          renderChosen();
          input.focus();
        });
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      active = index;
      Array.prototype.forEach.call(items, function (el, i) {
        el.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (items[index]) input.setAttribute("aria-activedescendant", items[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function choose(entry) {
      entry.option.selected = true;
      input.value = "";
      close();
      renderChosen();
    }

    function search() {
      var query = fold(input.value.trim());
      list.textContent = "";
      if (!query) { close(); return; }
      var exact = [], starts = [], contains = [];
      options.forEach(function (entry) {
        if (entry.option.selected) return;
        var name = fold(entry.name);
        if (fold(entry.code) === query) exact.push(entry);
        else if (name.indexOf(query) === 0) starts.push(entry);
        else if (name.indexOf(query) > 0) contains.push(entry);
      });
      matches = exact.concat(starts, contains).slice(0, MAX_SHOWN);
      matches.forEach(function (entry, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + entry.code;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = entry.name + " (" + entry.code + ")";
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(entry); input.focus(); });
        list.appendChild(item);
        if (index === 0) active = 0;
      });
      list.hidden = matches.length === 0;
      input.setAttribute("aria-expanded", matches.length ? "true" : "false");
      highlight(matches.length ? 0 : -1);
    }

    input.addEventListener("input", search);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) search();
        if (matches.length) highlight((active + 1) % matches.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (matches.length) highlight((active - 1 + matches.length) % matches.length);
      } else if (event.key === "Enter") {
        // Never submits the form from here: Enter picks the highlighted country.
        if (!list.hidden && matches[active]) { event.preventDefault(); choose(matches[active]); }
        else if (input.value.trim()) event.preventDefault();
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      }
    });
    renderChosen();
  }

  document.querySelectorAll("select[data-country-picker]").forEach(enhance);
})();
