// Small progressive enhancements; the site works without them.
(function () {
  "use strict";

  // Copy buttons in the Cite box.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () {
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || "Copied";
      setTimeout(function () { button.textContent = original; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Permalinks: flash the target passage so the eye finds it after the jump.
  function flashTarget() {
    if (!location.hash || location.hash.indexOf("#p-") !== 0) return;
    var el = document.getElementById(location.hash.slice(1));
    if (!el) return;
    el.classList.remove("is-flashed");
    void el.offsetWidth;
    el.classList.add("is-flashed");
  }
  window.addEventListener("hashchange", flashTarget);
  document.addEventListener("DOMContentLoaded", flashTarget);
})();
