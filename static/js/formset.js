// "Add another source" for a Django formset: clones the <template id="<prefix>-empty">
// rendered from formset.empty_form, numbers it and bumps <prefix>-TOTAL_FORMS. Without
// JavaScript the blank blocks the server renders are enough (blank ones are skipped).
(function () {
  "use strict";

  function setUp(button) {
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var list = document.querySelector('[data-formset="' + prefix + '"]');
    if (!total || !template || !list) return;
    button.hidden = false;

    function refresh() {
      button.disabled = max && Number(total.value) >= Number(max.value);
    }

    button.addEventListener("click", function () {
      var index = Number(total.value);
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var block = holder.firstElementChild;
      list.appendChild(block);
      total.value = String(index + 1);
      refresh();
      var first = block.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
    });

    // "<prefix>-<n>-" in names, ids and label targets; "Source <n>" in the legend.
    var pattern = new RegExp("(^|id_)" + prefix + "-(\\d+)-");

    function renumber(block, index) {
      block.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attribute) {
          var value = el.getAttribute(attribute);
          if (value && pattern.test(value)) {
            el.setAttribute(attribute, value.split(" ").map(function (part) {
              return part.replace(pattern, "$1" + prefix + "-" + index + "-");
            }).join(" "));
          }
        });
      });
      var legend = block.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(index + 1));
    }

    function indexOf(block) {
      var named = block.querySelector("[name]");
      var match = named && pattern.exec(named.getAttribute("name"));
      return match ? Number(match[2]) : -1;
    }

    // Only blocks added here can be removed; the blocks after it move up one number, so
    // the formset stays dense and nothing typed in them is lost. The server's blank
    // blocks are simply left empty.
    list.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-formset-remove]");
      if (!remove) return;
      var block = remove.closest("[data-formset-form]");
      if (!block) return;
      var index = indexOf(block);
      var next = block.nextElementSibling;
      block.remove();
      for (var later = next; later; later = later.nextElementSibling) {
        renumber(later, index);
        index += 1;
      }
      total.value = String(Number(total.value) - 1);
      refresh();
      var focus = next && next.querySelector("input:not([type=hidden]), textarea, select");
      (focus || button).focus();
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset-add]").forEach(setUp);
  });
})();
