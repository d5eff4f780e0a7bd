// A release being built: poll its progress (GET /api/releases/<version>/progress/) and
// reload the page when the build ends, so the downloads (or the failure) appear.
(function () {
  "use strict";
  const section = document.querySelector("[data-release-progress]");
  if (!section) return;
  const bar = section.querySelector("progress");
  const step = section.querySelector("#release-step");
  const url = section.getAttribute("data-release-progress");

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        if (data.status !== "building") {
          window.location.reload();
          return;
        }
        if (data.total) {
          bar.max = data.total;
          bar.value = data.done;
          bar.textContent = data.done + "/" + data.total;
        }
        if (data.step) step.textContent = data.step;
      }
    } catch (error) {
      // A network hiccup: try again at the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();
