// Marks the searched words inside the passage a search hit opened
// (/sources/<slug>/?highlight=word+word#p-<anchor>). Only that passage: the reader is
// long, and the eye should land on the hit. A word also marks longer forms starting with
// it ("score" marks "scores"), roughly what the server's stemming matched.
(function () {
  "use strict";

  var MAX_WORDS = 20;

  function wordsFromUrl() {
    var raw = new URLSearchParams(window.location.search).get("highlight") || "";
    return raw.split(/\s+/).filter(function (w) { return w.length > 0; }).slice(0, MAX_WORDS);
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function markWords(container, words) {
    var pattern = new RegExp(
      "(?<![\\p{L}\\p{N}_])(?:" + words.map(escapeRegExp).join("|") + ")[\\p{L}\\p{N}_]*",
      "giu"
    );
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var marked = 0;
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var fragment = null;
      var last = 0;
      var match;
      pattern.lastIndex = 0;
      while ((match = pattern.exec(text)) !== null) {
        fragment = fragment || document.createDocumentFragment();
        fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
        var mark = document.createElement("mark");
        mark.className = "search-highlight";
        mark.textContent = match[0];
        fragment.appendChild(mark);
        last = match.index + match[0].length;
        marked += 1;
      }
      if (fragment) {
        fragment.appendChild(document.createTextNode(text.slice(last)));
        node.parentNode.replaceChild(fragment, node);
      }
    });
    return marked;
  }

  function run(event) {
    var words = wordsFromUrl();
    if (!words.length || window.location.hash.indexOf("#p-") !== 0) return;
    var passage = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
    // The annotations layer says which passages it repainted (null: all of them); one it
    // left alone still has its marks.
    var repainted = event && event.detail && event.detail.passages;
    if (passage && repainted && repainted.indexOf(Number(passage.dataset.passage)) === -1) return;
    var text = passage && passage.querySelector(".passage__text");
    if (text) markWords(text, words);
  }

  // The annotations layer repaints passages (after its data arrives, on filters).
  document.addEventListener("annotations:painted", run);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
