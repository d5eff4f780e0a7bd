// Live updates (docs/annotations.md, "Live updates"): a WebSocket at /ws/sources/<slug>/
// says which annotation changed ({type, id, thread, passage}, ids only); what the viewer
// may see of it is fetched through the normal API, so the socket never carries content.
// Like Hypothesis, others' new threads wait behind "N new annotations — show" instead of
// moving the text under the reader; replies to an open thread and changes to threads
// already on the page are applied at once. Reconnects with back-off; a dot says whether
// the page is live.

import { refillFilters } from "./filters.js";
import { paint } from "./highlights.js";
import { S, byId, state } from "./store.js";
import { isOpen, refreshThread } from "./threads.js";

const statusDot = document.getElementById("annotation-live-status");
const showButton = document.getElementById("annotation-live-show");
const waiting = new Map();  // annotation id -> its thread, new and not shown yet
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

async function apply(threads) {
  const changed = new Set();
  for (const thread of threads) {
    (await refreshThread(thread)).forEach((pid) => changed.add(pid));
  }
  paint(changed);
  refillFilters();
}

function receive(message) {
  if (!message || typeof message.id !== "number" || typeof message.thread !== "number") return;
  const isNew = message.type === "annotation.created" && !byId.has(message.id);
  if (isNew && !(message.thread !== message.id && isOpen(message.thread))) {
    // The viewer's own write is in the store once its save answers, which may come just
    // after this message: look again before calling it someone else's.
    setTimeout(() => {
      if (byId.has(message.id)) return;
      waiting.set(message.id, message.thread);
      updateButton();
    }, 500);
    return;
  }
  if (isNew || byId.has(message.id) || byId.has(message.thread)) apply([message.thread]);
}

function socketUrl() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  return scheme + location.host + "/ws/sources/" + encodeURIComponent(state.data.source) + "/";
}

function connect() {
  let socket;
  try {
    socket = new WebSocket(socketUrl());
  } catch (error) {
    setStatus("offline");
    return;
  }
  socket.addEventListener("open", () => { delay = 1000; setStatus("live"); });
  socket.addEventListener("message", (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch (error) { return; }
    receive(message);
  });
  socket.addEventListener("close", (event) => {
    setStatus("offline");
    if (event.code === NOT_FOUND) return;  // this source is not (or no longer) readable
    setTimeout(connect, delay + Math.random() * 500);
    delay = Math.min(delay * 2, 30000);
  });
}

export function startLive() {
  if (!state.data || !state.data.isCurrent || !("WebSocket" in window)) return;
  if (showButton) {
    showButton.addEventListener("click", () => {
      const threads = new Set(waiting.values());
      waiting.clear();
      updateButton();
      apply(threads);
    });
  }
  connect();
}
