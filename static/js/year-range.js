// The year range slider on the atlas map: two sliders (from, to) that mirror the two
// year boxes. The boxes stay the form's fields (and the keyboard's way in); the sliders
// are a pointer's shortcut to the same values, so they are hidden from assistive
// technology and the tab order. An empty box means "no bound": its slider rests at the end.
(function () {
  "use strict";

  var range = document.querySelector("[data-year-range]");
  if (!range) return;
  var form = range.closest("form");
  var boxes = { from: form.querySelector("[name=year_from]"), to: form.querySelector("[name=year_to]") };
  var sliders = {
    from: range.querySelector("[data-year-slider=from]"),
    to: range.querySelector("[data-year-slider=to]"),
  };
  var output = range.querySelector(".year-range__value");
  var min = parseInt(range.getAttribute("data-min"), 10);
  var max = parseInt(range.getAttribute("data-max"), 10);

  function boxValue(which) {
    var value = parseInt(boxes[which].value, 10);
    if (isNaN(value)) return which === "from" ? min : max;
    return Math.min(Math.max(value, min), max);
  }

  function show() {
    var from = boxes.from.value || "…";
    var to = boxes.to.value || "…";
    output.textContent = from + " – " + to;
  }

  function fromBoxes() {
    sliders.from.value = boxValue("from");
    sliders.to.value = boxValue("to");
    show();
  }

  function fromSlider(which) {
    var from = parseInt(sliders.from.value, 10);
    var to = parseInt(sliders.to.value, 10);
    // The thumbs never cross: the one being moved pushes the other.
    if (from > to) {
      if (which === "from") sliders.to.value = to = from;
      else sliders.from.value = from = to;
    }
    boxes.from.value = from <= min ? "" : String(from);
    boxes.to.value = to >= max ? "" : String(to);
    show();
  }

  sliders.from.addEventListener("input", function () { fromSlider("from"); });
  sliders.to.addEventListener("input", function () { fromSlider("to"); });
  boxes.from.addEventListener("input", fromBoxes);
  boxes.to.addEventListener("input", fromBoxes);
  range.querySelector(".year-range__sliders").hidden = false;
  fromBoxes();
})();
