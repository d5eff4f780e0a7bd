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

    // Only blocks added here are removed (the last one, so numbering stays dense);
    // the server's blank blocks are simply left empty.
    list.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-formset-remove]");
      if (!remove) return;
      var block = remove.closest("[data-formset-form]");
      if (!block || block !== list.lastElementChild) {
        block.querySelectorAll("input:not([type=hidden]), textarea").forEach(function (field) {
          field.value = "";
        });
        return;
      }
      block.remove();
      total.value = String(Number(total.value) - 1);
      refresh();
      button.focus();
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset-add]").forEach(setUp);
  });
})();
