// On a phone the thread panel sits below the whole text; opening a thread there used to
// jump thousands of pixels away with no way back. Instead the panel opens as a sheet over
// the text, and closing it (its Close button or Escape) puts the reader back where they
// were: the same scroll position, focus on what opened it.

const panel = document.getElementById("annotation-panel");
const closeButton = document.getElementById("annotation-panel-close");
const narrow = window.matchMedia("(max-width: 60rem)");
let returnTo = null;  // {y, focus} while the sheet is open

export function isSheetOpen() { return Boolean(panel && panel.classList.contains("is-sheet")); }

// Opens the panel as a sheet on a narrow screen (a no-op on a wide one, where the panel
// is beside the text already). ``opener``: where focus goes back on close.
export function showSheet(opener) {
  if (!panel || !narrow.matches) return;
  if (!isSheetOpen()) {
    returnTo = { y: window.scrollY, focus: opener || document.activeElement };
    panel.classList.add("is-sheet");
    closeButton.hidden = false;
  }
  panel.scrollTop = 0;
}

export function closeSheet() {
  if (!isSheetOpen()) return;
  panel.classList.remove("is-sheet");
  closeButton.hidden = true;
  const back = returnTo;
  returnTo = null;
  if (back) {
    window.scrollTo(window.scrollX, back.y);
    if (back.focus && back.focus.isConnected && back.focus.focus) back.focus.focus({ preventScroll: true });
  }
}

if (panel && closeButton) {
  closeButton.addEventListener("click", closeSheet);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && isSheetOpen()) closeSheet();
  });
  // Turning a phone to landscape may make room beside the text: no sheet there.
  narrow.addEventListener("change", () => { if (!narrow.matches) closeSheet(); });
}
