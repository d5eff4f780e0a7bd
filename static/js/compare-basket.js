// "Add to comparison": a basket of up to four entries kept in this browser
// (localStorage), filled from the atlas table's checkboxes and the entry pages' buttons,
// and a tray linking to /atlas/compare/?entries=… . Without this script the table's
// checkboxes submit to the comparison directly and the entry page's link opens it.
(function () {
  "use strict";

  var KEY = "creditscape-compare";
  var tray = document.getElementById("compare-tray");
  if (!tray) return;
  var MAX = parseInt(tray.getAttribute("data-max"), 10) || 4;
  var compareUrl = tray.getAttribute("data-url");

  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && /^\d+$/.test(String(i.id)); }).slice(0, MAX) : [];
    } catch (error) {
      return [];
    }
  }
  var basket = load();
  // Boxes ticked before this (deferred) script ran, or put back by the browser's form
  // restore on Back, join the basket: what is ticked is what will be compared.
  document.querySelectorAll("input[type=checkbox][data-compare-add]:checked").forEach(function (box) {
    var id = box.getAttribute("data-compare-add");
    if (basket.length < MAX && !basket.some(function (item) { return String(item.id) === String(id); })) {
      basket.push({ id: id, title: box.getAttribute("data-title") || id });
    }
  });
  if (document.querySelector("input[type=checkbox][data-compare-add]:checked")) save();

  function save() {
    try { localStorage.setItem(KEY, JSON.stringify(basket)); } catch (error) { /* private mode: this page only */ }
  }

  function has(id) { return basket.some(function (item) { return String(item.id) === String(id); }); }

  function url() { return compareUrl + "?entries=" + basket.map(function (i) { return i.id; }).join(","); }

  function say(text) { tray.querySelector("[data-tray-status]").textContent = text; }

  function render() {
    var list = tray.querySelector("[data-tray-list]");
    list.replaceChildren();
    basket.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = item.title;
      list.appendChild(li);
    });
    var go = tray.querySelector("[data-tray-go]");
    go.href = url();
    go.hidden = basket.length < 2;
    tray.querySelector("[data-tray-count]").textContent = basket.length + " / " + MAX;
    tray.hidden = basket.length === 0;
    document.querySelectorAll("[data-compare-add]").forEach(function (control) {
      var inBasket = has(control.getAttribute("data-compare-add"));
      if (control.type === "checkbox") {
        control.checked = inBasket;
      } else {
        control.setAttribute("aria-pressed", inBasket ? "true" : "false");
        control.textContent = inBasket ? control.getAttribute("data-label-remove") : control.getAttribute("data-label-add");
      }
    });
  }

  function toggle(control) {
    var id = control.getAttribute("data-compare-add");
    if (has(id)) {
      basket = basket.filter(function (item) { return String(item.id) !== String(id); });
    } else if (basket.length >= MAX) {
      say(tray.getAttribute("data-full"));
      render();
      return;
    } else {
      basket.push({ id: id, title: control.getAttribute("data-title") || id });
    }
    say("");
    save();
    render();
  }

  document.addEventListener("change", function (event) {
    var control = event.target.closest("input[type=checkbox][data-compare-add]");
    if (control) toggle(control);
  });
  document.addEventListener("click", function (event) {
    var control = event.target.closest("a[data-compare-add], button[data-compare-add]");
    if (!control) return;
    event.preventDefault();
    toggle(control);
  });
  // The table's "Compare selected" sends the whole basket (ticks on other pages too).
  document.addEventListener("submit", function (event) {
    if (!event.target.matches(".entries-table-form") || basket.length < 2) return;
    event.preventDefault();
    window.location.href = url();
  });
  tray.querySelector("[data-tray-clear]").addEventListener("click", function () {
    basket = [];
    save();
    render();
  });
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) { basket = load(); render(); }
  });
  render();
})();
