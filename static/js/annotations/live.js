// Live updates (docs/annotations.md, "Live updates"): a WebSocket at /ws/sources/<slug>/
// says which annotation changed ({type, id, thread, passage}, ids only); what the viewer
// may see of it is fetched through the normal API, so the socket never carries content.
// Like Hypothesis, others' new threads wait behind "N new annotations — show" instead of
// moving the text under the reader (the viewer's own, even from another tab, show at
// once); replies to an open thread and changes to threads
// already on the page are applied at once. Reconnects with back-off; a dot says whether
// the page is live. The side-by-side reader listens to both sides' sources (each side
// is its own source), when the version read is the current one.

import { refillFilters } from "./filters.js";
import { paint } from "./highlights.js";
import { S, byId, sides } from "./store.js";
import { isOpen, refreshThread } from "./threads.js";

const statusDot = document.getElementById("annotation-live-status");
const showButton = document.getElementById("annotation-live-show");
const waiting = new Map();  // annotation id -> [its thread, its side], new and not shown yet
const NOT_FOUND = 4404;
let delay = 1000;

function setStatus(name) {
  if (!statusDot) return;
  const label = name === "live" ? S.live : S.offline;
  statusDot.dataset.state = name;
  statusDot.setAttribute("aria-label", label);
  statusDot.title = label;
  statusDot.hidden = false;
}

function updateButton() {
  if (!showButton) return;
  const n = waiting.size;
  showButton.hidden = n === 0;
  showButton.textContent = n === 1 ? S.newOne : S.newMany.replace("%(n)s", String(n));
}

// ``threads``: [thread id, side key] pairs.
async function apply(threads) {
  const changed = new Set();
  for (const [thread, side] of threads) {
    (await refreshThread(thread, side)).forEach((pid) => changed.add(pid));
  }
  paint(changed);
  refillFilters();
}

function receive(message, side) {
  if (!message || typeof message.id !== "number" || typeof message.thread !== "number") return;
  const isNew = message.type === "annotation.created" && !byId.has(message.id);
  if (isNew && !(message.thread !== message.id && isOpen(message.thread))) {
    // The viewer's own write is in the store once its save answers, which may come just
    // after this message: look again before calling it someone else's.
    setTimeout(() => {
      if (byId.has(message.id)) return;
      // ``mine``: the viewer wrote it in another tab; their own writes show at once.
      if (message.mine === true) { apply([[message.thread, side]]); return; }
      waiting.set(message.id, [message.thread, side]);
      updateButton();
    }, 500);
    return;
  }
  if (isNew || byId.has(message.id) || byId.has(message.thread)) apply([[message.thread, side]]);
}

function socketUrl(side) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + location.host + "/ws/sources/" + encodeURIComponent(side.source) + "/";
}

function connect(side) {
  let socket;
  try {
    socket = new WebSocket(socketUrl(side));
  } catch (error) {
    setStatus("offline");
    return;
  }
  socket.addEventListener("open", () => { delay = 1000; setStatus("live"); });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (error) { return; }
    receive(message, side.key);
  });
  socket.addEventListener("close", (event) => {
    setStatus("offline");
    if (event.code === NOT_FOUND) return;  // this source is not (or no longer) readable
    setTimeout(() => connect(side), delay + Math.random() * 500);
    delay = Math.min(delay * 2, 30000);
  });
}

export function startLive() {
  const live = Array.from(sides.values()).filter((side) => side.isCurrent);
  if (!live.length || !("WebSocket" in window)) return;
  if (showButton) {
    showButton.addEventListener("click", () => {
      const threads = new Map(Array.from(waiting.values(), ([thread, side]) => [thread + "/" + side, [thread, side]]));
      waiting.clear();
      updateButton();
      apply(threads.values());
    });
  }
  live.forEach(connect);
}
