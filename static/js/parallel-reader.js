// The side-by-side reader (apps/sources/reader_parallel.py). On a phone each aligned row
// shows one side; its toggle shows the other side of that row only. A permalink to a
// passage on the side a row hides turns that row to it, so links work on both sides.
(function () {
  "use strict";
  var activeSide = (document.querySelector(".reader__text--parallel") || {}).dataset;
  if (!activeSide) return;

  function show(row, other) {
    row.classList.toggle("is-other", other);
    var toggle = row.querySelector("[data-parallel-toggle]");
    if (toggle) toggle.setAttribute("aria-pressed", other ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-parallel-toggle]");
    if (!toggle) return;
    var row = toggle.closest(".aligned-row");
    show(row, !row.classList.contains("is-other"));
  });

  function revealTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    var row = target && target.closest(".aligned-row");
    if (!row) return;
    var side = target.closest(".aligned-row__side");
    show(row, !side.classList.contains("is-active"));
  }
  window.addEventListener("hashchange", revealTarget);
  revealTarget();
})();
