// Countries chosen by name, the one country widget of the site: upgrades every
// `select[data-country-combobox]` (one country), `select[multiple][data-country-combobox]`
// (several, shown as removable chips: the moderation user page) and
// `input[data-country-combobox=list]` (several, comma-separated) into an ARIA 1.2
// combobox with a listbox popup (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/).
// Type part of a name or a code, move with the arrow keys, pick with Enter or a click,
// close with Escape. Without this script the select and the text box work as they are;
// the server accepts names and codes alike (apps/common/countries.py).
(function () {
  "use strict";

  var MAX_SHOWN = 12;
  var counter = 0;

  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim();
  }

  // A code or alias typed in full first ("de": Germany before Denmark), then names that
  // start with the text, then names that contain it.
  function matches(options, query) {
    var q = normalise(query);
    if (!q) return options.slice(0, MAX_SHOWN);
    var exact = [], starts = [], contains = [];
    options.forEach(function (option) {
      var name = normalise(option.name || option.label);
      var terms = normalise(option.search).split(" ");
      if (terms.indexOf(q) !== -1) exact.push(option);
      else if (name.indexOf(q) === 0) starts.push(option);
      else if (name.indexOf(q) !== -1) contains.push(option);
    });
    return exact.concat(starts, contains).slice(0, MAX_SHOWN);
  }

  // ``options``: the choices, or a function giving them at each search (the multiple
  // mode leaves out those already chosen).
  function build(input, options, onPick, currentQuery, words) {
    var choices = typeof options === "function" ? options : function () { return options; };
    var id = "country-combobox-" + (++counter);
    var listbox = document.createElement("ul");
    listbox.id = id + "-listbox";
    listbox.className = "combobox__listbox";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    wrapper.appendChild(listbox);
    wrapper.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("autocomplete", "off");

    var shown = [];
    var active = -1;

    function setActive(index) {
      active = index;
      Array.prototype.forEach.call(listbox.children, function (item, i) {
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0 && listbox.children[index]) {
        input.setAttribute("aria-activedescendant", listbox.children[index].id);
        listbox.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      setActive(-1);
    }

    function open() {
      shown = matches(choices(), currentQuery());
      listbox.replaceChildren();
      shown.forEach(function (option, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-code", option.value);
        item.textContent = option.label;
        // mousedown, not click: the input's blur would close the list first.
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          pick(option);
        });
        listbox.appendChild(item);
      });
      listbox.hidden = shown.length === 0;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      status.textContent = shown.length
        ? (words.results || "%(n)s").replace("%(n)s", shown.length) + ". " + shown[0].label
        : words.noResults || "";
      setActive(-1);
    }

    function pick(option) {
      onPick(option);
      close();
    }

    input.addEventListener("input", open);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (listbox.hidden) open();
        setActive(Math.min(active + 1, shown.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!listbox.hidden) setActive(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && !listbox.hidden) {
        // With the list open Enter picks (the highlighted option, else the only or first
        // one); with it closed, Enter submits the form as usual.
        if (shown.length) {
          event.preventDefault();
          pick(shown[active >= 0 ? active : 0]);
        }
      } else if (event.key === "Escape") {
        if (!listbox.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", close);
    return { close: close };
  }

  function texts(element) {
    return {
      results: element.getAttribute("data-results"),
      noResults: element.getAttribute("data-no-results"),
    };
  }

  function labelFor(element) {
    return element.id ? document.querySelector('label[for="' + element.id + '"]') : null;
  }

  function enhanceSelect(select) {
    var options = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      options.push({
        value: option.value,
        label: option.textContent.trim(),
        search: option.getAttribute("data-search") || option.value,
      });
    });
    var input = document.createElement("input");
    input.type = "text";
    input.id = (select.id || "country") + "-combobox";
    input.className = "combobox__input";
    var blank = select.querySelector('option[value=""]');
    if (blank) input.placeholder = blank.textContent.trim();
    ["aria-describedby", "aria-invalid", "required"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    var label = labelFor(select);
    if (label) label.htmlFor = input.id;
    select.parentNode.insertBefore(input, select);
    // The select stays in the form (it is what is submitted) but out of sight and out of
    // the keyboard order; scripts and tests may still set it, and the box follows.
    select.classList.add("visually-hidden");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.removeAttribute("required");

    function showSelected() {
      var option = select.options[select.selectedIndex];
      input.value = option && option.value ? option.textContent.trim() : "";
    }
    showSelected();
    select.addEventListener("change", showSelected);

    build(input, options, function (option) {
      select.value = option.value;
      input.value = option.label;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }, function () { return input.value; }, texts(select));

    // Leaving the box with a typed name that is exactly one country's takes it; anything
    // else puts the last choice back, so what is shown is always what will be sent.
    input.addEventListener("change", function () {
      var typed = normalise(input.value);
      if (!typed) {
        select.value = "";
        select.dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      var exact = options.filter(function (option) {
        return normalise(option.label) === typed || normalise(option.search).split(" ").indexOf(typed) !== -1;
      });
      if (exact.length === 1) {
        select.value = exact[0].value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      showSelected();
    });
  }

  // Several countries from a <select multiple>: the chosen ones are chips (buttons that
  // remove them), the box finds the others. Enter never submits from the box while it
  // holds text: it picks the highlighted (else the first) match.
  function enhanceMultiple(select) {
    var options = [];
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      options.push({
        value: option.value,
        name: option.textContent.trim(),
        label: option.textContent.trim() + " (" + option.value + ")",
        search: option.getAttribute("data-search") || option.value,
        option: option,
      });
    });
    var wrapper = document.createElement("div");
    wrapper.className = "country-chips";
    var chosen = document.createElement("ul");
    chosen.className = "country-chips__chosen";
    chosen.setAttribute("aria-label", select.getAttribute("data-chosen-label") || "Chosen");
    var input = document.createElement("input");
    input.type = "text";
    input.id = (select.id || "countries") + "-combobox";
    input.className = "combobox__input";
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    var label = labelFor(select);
    if (label) label.htmlFor = input.id;
    wrapper.appendChild(chosen);
    wrapper.appendChild(input);
    select.parentNode.insertBefore(wrapper, select.nextSibling);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;

    function renderChosen() {
      chosen.replaceChildren();
      options.forEach(function (entry) {
        if (!entry.option.selected) return;
        var item = document.createElement("li");
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "country-chips__chip";
        remove.textContent = entry.label + " ×";
        remove.setAttribute("aria-label", (select.getAttribute("data-remove-label") || "Remove") + " " + entry.name);
        remove.addEventListener("click", function () {
          entry.option.selected = false;
          select.dispatchEvent(new Event("change", { bubbles: true }));
          renderChosen();
          input.focus();
        });
        item.appendChild(remove);
        chosen.appendChild(item);
      });
    }

    build(input, function () {
      return options.filter(function (entry) { return !entry.option.selected; });
    }, function (entry) {
      entry.option.selected = true;
      input.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
      renderChosen();
    }, function () { return input.value; }, texts(select));
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && input.value.trim()) event.preventDefault();
    });
    renderChosen();
  }

  function enhanceList(input) {
    var datalist = input.list || document.getElementById(input.getAttribute("list"));
    if (!datalist) return;
    var options = Array.prototype.map.call(datalist.options, function (option) {
      return {
        value: option.getAttribute("data-code"),
        label: option.value,
        search: option.getAttribute("data-search") || "",
      };
    });
    // The native datalist would complete the whole box, not the name being typed.
    input.removeAttribute("list");
    function pieces() { return input.value.split(","); }
    build(input, options, function (option) {
      var parts = pieces();
      parts[parts.length - 1] = " " + option.label;
      input.value = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
    }, function () {
      var parts = pieces();
      return parts[parts.length - 1];
    }, texts(input));
  }

  function enhanceAll(root) {
    root.querySelectorAll("select[data-country-combobox]:not([data-enhanced])").forEach(function (select) {
      select.setAttribute("data-enhanced", "");
      if (select.multiple) enhanceMultiple(select);
      else enhanceSelect(select);
    });
    root.querySelectorAll("input[data-country-combobox=list]:not([data-enhanced])").forEach(function (input) {
      input.setAttribute("data-enhanced", "");
      enhanceList(input);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  } else {
    enhanceAll(document);
  }
  // Fragments loaded later (htmx) get the same treatment.
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
