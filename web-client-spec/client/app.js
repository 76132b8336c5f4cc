// TaoStream reference client: plain JavaScript, no build step. It authenticates with an `auth`
// message (browsers cannot set the upgrade's Authorization header), subscribes, shows the
// snapshot, applies updates as they arrive, and reconnects with `since` so nothing is missed.
"use strict";

const $ = (id) => document.getElementById(id);
const rows = new Map();          // "kind/netuid/hotkey" -> <tr>
let socket = null;
let lastOffset = null;           // offset of the last update applied: where to resume from
let settings = null;
let retry = 0;
let nextId = 1;
const pending = new Map();       // request id -> description, to show replies
let push = null;                 // {key} when this token may create alerts and the server sends web push
const notifying = new Map();     // request id -> the row's button, until alert_created answers

function setStatus(text, kind) {
  const element = $("connection");
  element.textContent = text;
  element.className = "status " + kind;
}

function showMessage(text) { $("message").textContent = text || ""; }

function key(entry) { return `${entry.kind}/${entry.netuid}/${entry.hotkey}`; }

function formatAmount(units) {
  if (units === null || units === undefined) return "—";
  const padded = units.padStart(10, "0");
  const whole = padded.slice(0, -9).replace(/^0+(?=\d)/, "");
  const fraction = padded.slice(-9).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole;
}

function upsert(entry, amount, highlight) {
  const id = key(entry);
  let row = rows.get(id);
  if (amount === null) {
    if (row) { row.remove(); rows.delete(id); }
    return;
  }
  if (!row) {
    row = document.createElement("tr");
    row.dataset.key = id;
    row.innerHTML = "<td></td><td></td><td class='hotkey'></td><td class='amount'></td><td></td>" +
      "<td class='notify-column'><button type='button' class='notify'>notify me</button></td>";
    row.querySelector("button.notify").addEventListener("click", (event) => notifyMe(entry, event.target));
    row.lastChild.hidden = !push;
    $("dividends").tBodies[0].appendChild(row);
    rows.set(id, row);
  }
  const cells = row.children;
  cells[0].textContent = entry.kind;
  cells[1].textContent = entry.netuid;
  cells[2].textContent = entry.hotkey;
  cells[3].textContent = formatAmount(amount);
  cells[4].textContent = entry.block;
  if (highlight) {
    row.classList.remove("changed");
    void row.offsetWidth;   // restart the animation
    row.classList.add("changed");
  }
}

function send(message) {
  message.id = message.id ?? `m${nextId++}`;
  socket.send(JSON.stringify(message));
  return message.id;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  setStatus("connecting", "connecting");
  socket.onopen = () => send({ type: "auth", token: settings.token });
  socket.onmessage = (event) => handle(JSON.parse(event.data));
  socket.onclose = (event) => {
    setStatus("disconnected", "offline");
    if (event.code === 4001 || event.code === 4006) {
      showMessage(event.code === 4001 ? "The token was refused: check it, or ask the operator for a new one." : "The token was revoked.");
      return;   // retrying a bad token would not help
    }
    const delay = Math.min(30000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
    setTimeout(connect, delay);
  };
}

function handle(message) {
  switch (message.type) {
    case "welcome": {
      retry = 0;
      setStatus("live", "online");
      showMessage("");
      $("trading").hidden = !message.scopes.includes("trade");
      offerNotifications(message.scopes.includes("alerts"));
      const subscribe = { type: "subscribe" };
      if (settings.netuid !== "") subscribe.netuid = Number(settings.netuid);
      if (settings.hotkey !== "") subscribe.hotkey = settings.hotkey;
      if (lastOffset) subscribe.since = lastOffset;
      send(subscribe);
      break;
    }
    case "subscribed":
      if (message.recovered === true) $("sync").textContent = "Reconnected: the updates missed meanwhile were replayed in order.";
      if (message.recovered === false) $("sync").textContent = "Reconnected: what was missed could not be replayed, so this is a fresh snapshot.";
      if (message.recovered !== true) {
        for (const row of rows.values()) row.remove();
        rows.clear();
      }
      for (const entry of message.snapshot) upsert(entry, entry.amount, false);
      // A snapshot is exact at its offset. A replay's offset is where it will end: until its
      // updates have arrived, a reconnect must ask again from where this client really is.
      if (message.offset && message.recovered !== true) lastOffset = message.offset;
      break;
    case "update": {
      const change = message.change;
      upsert(change, change.new, true);
      lastOffset = change.offset;
      break;
    }
    case "accepted":
      addCommand(message.command_id, message.duplicate ? "accepted (sent before)" : "accepted");
      break;
    case "command_status": {
      const status = message.status;
      addCommand(status.command_id, status.state + (status.error ? ` — ${status.error}` : "") + (status.detail ? ` (${status.detail})` : ""));
      break;
    }
    case "alert_created": {
      const button = notifying.get(message.id);
      notifying.delete(message.id);
      if (button) { button.textContent = "notifying"; button.disabled = true; }
      break;
    }
    case "error": {
      const button = notifying.get(message.id);
      if (button) { notifying.delete(message.id); button.disabled = false; }
      showMessage(`${message.code}: ${message.message}`);
      break;
    }
  }
}

// Web push: offered when the token has the `alerts` scope, the server has a VAPID key and the
// browser can receive pushes (a service worker in a secure context: https, or localhost).
async function offerNotifications(allowed) {
  push = null;
  if (allowed && "serviceWorker" in navigator && "PushManager" in window) {
    try {
      const answer = await fetch("/api/v1/push/key");
      if (answer.ok) push = { key: (await answer.json()).vapid_public_key };
    } catch (error) { push = null; }
  }
  for (const cell of document.querySelectorAll(".notify-column")) cell.hidden = !push;
}

function base64urlBytes(text) {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

// Subscribes this browser to pushes and asks the server for an alert on every change of the row.
async function notifyMe(entry, button) {
  button.disabled = true;
  try {
    if (await Notification.requestPermission() === "denied") throw new Error("notifications are blocked for this site");
    const registration = await navigator.serviceWorker.register("sw.js");
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(push.key) });
    const id = send({ type: "alert_create", netuid: entry.netuid, hotkey: entry.hotkey, kinds: [entry.kind],
                      condition: { type: "any_change" }, label: "dashboard", web_push: subscription.toJSON() });
    notifying.set(id, button);
  } catch (error) {
    button.disabled = false;
    showMessage(`Notifications could not be turned on: ${error.message}`);
  }
}

function addCommand(id, text) {
  let item = document.querySelector(`#commands li[data-id="${id}"]`);
  if (!item) {
    item = document.createElement("li");
    item.dataset.id = id;
    $("commands").prepend(item);
  }
  item.textContent = `${id}: ${text}`;
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  settings = { token: $("token").value.trim(), netuid: $("netuid").value.trim(), hotkey: $("hotkey").value.trim() };
  lastOffset = null;
  if (socket) { socket.onclose = null; socket.close(); }
  retry = 0;
  connect();
});

// crypto.randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere.
function idempotencyKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

$("command-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const action = $("action").value;
  const command = { type: action, netuid: Number($("command-netuid").value), hotkey: $("command-hotkey").value.trim(),
                    idempotency_key: idempotencyKey() };
  if (action !== "trade") command.amount = $("amount").value.trim();
  send(command);
});

// `scripts/run.sh` prints the address with `#token=…`: a fragment never leaves the browser. The
// token fills the form and connects, and is then taken out of the address bar and history.
function tokenFromAddress() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return;
  $("token").value = decodeURIComponent(match[1]);
  history.replaceState(null, "", location.pathname + location.search);
  $("login-form").requestSubmit();
}
tokenFromAddress();
window.addEventListener("hashchange", tokenFromAddress);   // the address pasted into an open page
