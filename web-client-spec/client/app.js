// TaoStream reference client: plain JavaScript, no build step, no CDN. It authenticates with an
// `auth` message (browsers cannot set the upgrade's Authorization header), subscribes, shows the
// snapshot grouped by subnet, applies updates as they arrive (with the previous value and the
// change), draws a hotkey's history when its row is clicked, and reconnects with `since` so
// nothing is missed.
"use strict";

const $ = (id) => document.getElementById(id);
const entries = new Map();       // "kind/netuid/hotkey" -> { entry, amount, previous, block, changed }
const groups = new Map();        // netuid -> <tbody>
const dirty = new Set();         // netuids to draw again at the next frame
let socket = null;
let lastOffset = null;           // offset of the last update applied: where to resume from
let settings = null;
let retry = 0;
let nextId = 1;
let subscribeId = null;          // the id of this connection's subscribe: its error means "refused"
let push = null;                 // {key} when this token may create alerts and the server sends web push
const notifying = new Map();     // request id -> the row's key, until alert_created answers
const notified = new Set();      // keys with an alert made from this page
let sort = { column: "amount", descending: true };
let lastBlock = null;
let lastUpdateAt = null;         // Date.now() of the last update
let reconnectAt = null;          // when the next attempt starts, while disconnected
let selected = null;             // the charted key, and its points
let chartPoints = [];

// ---- connection state ----------------------------------------------------------------------

function setStatus(text, kind) {
  const element = $("connection");
  element.textContent = text;
  element.className = "status " + kind;
  $("dividends").classList.toggle("stale", kind !== "online");
}

function showMessage(text) { $("message").textContent = text || ""; }

// Once a second: the reconnect countdown and the time since the last update.
setInterval(() => {
  if (reconnectAt !== null) setStatus(`reconnecting in ${Math.max(0, Math.ceil((reconnectAt - Date.now()) / 1000))} s`, "offline");
  $("since-update").textContent = lastUpdateAt === null ? "" : `last update ${ago(Date.now() - lastUpdateAt)}`;
}, 1000);

function ago(milliseconds) {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}

// ---- amounts -------------------------------------------------------------------------------

function key(entry) { return `${entry.kind}/${entry.netuid}/${entry.hotkey}`; }

// `alpha_rao` amounts are the subnet's alpha, `rao` amounts TAO, both in 1e-9 steps.
function unitSymbol(unit) { return unit === "rao" ? "τ" : "α"; }

function formatAmount(units, unit) {
  if (units === null || units === undefined) return "—";
  const negative = units.startsWith("-");
  const digits = negative ? units.slice(1) : units;
  const padded = digits.padStart(10, "0");
  const whole = padded.slice(0, -9).replace(/^0+(?=\d)/, "");
  const fraction = padded.slice(-9).replace(/0+$/, "");
  return (negative ? "−" : "") + (fraction ? `${whole}.${fraction}` : whole) + (unit ? " " + unitSymbol(unit) : "");
}

// Exact: amounts are integers in strings, beyond what a double holds.
function change(item) {
  if (item.previous === null || item.previous === undefined) return null;
  return BigInt(item.amount) - BigInt(item.previous);
}

function percent(item) {
  const delta = change(item);
  if (delta === null || BigInt(item.previous) === 0n) return null;
  return Number(delta * 1000000n / BigInt(item.previous)) / 10000;
}

// ---- the table -----------------------------------------------------------------------------

function apply(entry, amount, previous, highlight) {
  const id = key(entry);
  if (amount === null) {
    entries.delete(id);
  } else {
    const known = entries.get(id);
    entries.set(id, { entry, amount, previous: previous ?? known?.previous ?? null, block: entry.block, changed: highlight ? Date.now() : known?.changed ?? 0 });
  }
  if (entry.block !== undefined && (lastBlock === null || entry.block > lastBlock)) {
    lastBlock = entry.block;
    $("last-block").textContent = `block ${lastBlock}`;
  }
  markDirty(entry.netuid);
}

function markDirty(netuid) {
  if (dirty.size === 0) requestAnimationFrame(draw);
  dirty.add(netuid);
}

function sortValue(item, column) {
  switch (column) {
    case "hotkey": return item.entry.hotkey;
    case "kind": return item.entry.kind;
    case "amount": return BigInt(item.amount);
    case "previous": return item.previous === null ? null : BigInt(item.previous);
    case "change": return change(item);
    case "percent": return percent(item);
    case "block": return item.block;
  }
}

function compare(a, b) {
  const x = sortValue(a, sort.column), y = sortValue(b, sort.column);
  if (x === y) return a.entry.hotkey < b.entry.hotkey ? -1 : 1;
  if (x === null) return 1;           // unknowns last, whichever the direction
  if (y === null) return -1;
  const order = x < y ? -1 : 1;
  return sort.descending ? -order : order;
}

// Draws the subnets that changed since the last frame: one <tbody> per subnet, in netuid order.
function draw() {
  const search = $("search").value.trim().toLowerCase();
  for (const netuid of dirty) drawGroup(netuid, search);
  dirty.clear();
}

function drawGroup(netuid, search) {
  const items = [...entries.values()].filter((item) => item.entry.netuid === netuid).sort(compare);
  let body = groups.get(netuid);
  if (items.length === 0) {
    if (body) { body.remove(); groups.delete(netuid); }
    return;
  }
  if (!body) {
    body = document.createElement("tbody");
    body.dataset.netuid = netuid;
    const after = [...groups.keys()].filter((other) => other > netuid).sort((a, b) => a - b)[0];
    $("dividends").insertBefore(body, after === undefined ? null : groups.get(after));
    groups.set(netuid, body);
  }
  const visible = items.filter((item) => !search || item.entry.hotkey.toLowerCase().includes(search));
  body.hidden = visible.length === 0;
  const units = new Set(items.map((item) => item.entry.unit));
  const total = items.reduce((sum, item) => sum + BigInt(item.amount), 0n).toString();
  const header = document.createElement("tr");
  header.className = "group";
  header.innerHTML = "<th colspan='8'></th>";
  header.firstChild.textContent = `Subnet ${netuid} · ${items.length} ${items.length === 1 ? "entry" : "entries"}` +
    (units.size === 1 ? ` · total ${formatAmount(total, [...units][0])}` : "");
  body.replaceChildren(header, ...visible.map(row));
}

function row(item) {
  const entry = item.entry;
  const tr = document.createElement("tr");
  tr.className = "entry";
  tr.dataset.key = key(entry);
  if (selected === key(entry)) tr.classList.add("selected");
  const delta = change(item);
  const share = percent(item);
  const cells = [
    ["hotkey", entry.hotkey], ["", entry.kind], ["number amount", formatAmount(item.amount, entry.unit)],
    ["number previous", formatAmount(item.previous, item.previous === null ? null : entry.unit)],
    ["number change" + (delta === null ? "" : delta > 0n ? " up" : delta < 0n ? " down" : ""),
     delta === null ? "—" : (delta > 0n ? "+" : "") + formatAmount(delta.toString(), entry.unit)],
    ["number percent" + (share === null ? "" : share > 0 ? " up" : share < 0 ? " down" : ""),
     share === null ? "—" : `${share > 0 ? "+" : ""}${share.toFixed(2)} %`],
    ["number block", String(item.block)],
  ];
  for (const [className, text] of cells) {
    const td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    tr.appendChild(td);
  }
  const notify = document.createElement("td");
  notify.className = "notify-column";
  notify.hidden = !push;
  notify.innerHTML = "<button type='button' class='notify'></button>";
  const button = notify.firstChild;
  // Rows are drawn again on every change: the button's state lives in `notifying` and `notified`.
  const asked = [...notifying.values()].includes(key(entry));
  button.textContent = notified.has(key(entry)) ? "notifying" : "notify me";
  button.disabled = asked || notified.has(key(entry));
  button.addEventListener("click", (event) => { event.stopPropagation(); notifyMe(entry, event.target); });
  tr.appendChild(notify);
  // Highlighted for two seconds after it moved, even if the row is drawn again meanwhile.
  if (Date.now() - item.changed < 2000) tr.classList.add("changed");
  tr.addEventListener("click", () => showChart(entry));
  return tr;
}

function redrawAll() {
  for (const netuid of new Set([...entries.values()].map((item) => item.entry.netuid))) markDirty(netuid);
  for (const netuid of groups.keys()) markDirty(netuid);
}

for (const th of document.querySelectorAll("#dividends th[data-sort]")) {
  th.addEventListener("click", () => {
    const column = th.dataset.sort;
    sort = { column, descending: sort.column === column ? !sort.descending : column !== "hotkey" && column !== "kind" };
    for (const other of document.querySelectorAll("#dividends th[data-sort]")) other.classList.remove("sorted-ascending", "sorted-descending");
    th.classList.add(sort.descending ? "sorted-descending" : "sorted-ascending");
    redrawAll();
  });
}
document.querySelector(`#dividends th[data-sort="amount"]`).classList.add("sorted-descending");
$("search").addEventListener("input", redrawAll);

// ---- the chart: one hotkey's value over blocks, from the history, extended live --------------

async function showChart(entry) {
  selected = key(entry);
  redrawAll();
  $("chart-panel").hidden = false;
  $("chart-title").textContent = `${entry.hotkey} on subnet ${entry.netuid} (${entry.kind})`;
  const current = entries.get(selected);
  chartPoints = current ? [{ block: current.block, amount: current.amount }] : [];
  drawChart(entry.unit);
  const query = new URLSearchParams({ netuid: entry.netuid, hotkey: entry.hotkey, kind: entry.kind, points: "500" });
  try {
    const answer = await fetch(`/api/v1/dividends/series?${query}`, { headers: { Authorization: `Bearer ${settings.token}` } });
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    const body = await answer.json();
    if (selected !== key(entry)) return;
    const series = body.series.find((s) => s.kind === entry.kind) ?? { points: [] };
    const history = series.points.filter((p) => p.amount !== null).map((p) => ({ block: p.block, amount: p.amount }));
    const known = new Set(history.map((point) => point.block));
    chartPoints = history.concat(chartPoints.filter((point) => !known.has(point.block)));
    const first = series.points[0];
    $("chart-note").textContent = `${history.length} recorded epoch${history.length === 1 ? "" : "s"} that moved it` +
      (first && first.time ? `, since ${new Date(first.time * 1000).toLocaleString()}` : "");
  } catch (error) {
    $("chart-note").textContent = `The history could not be read (${error.message}); showing live values only.`;
  }
  drawChart(entry.unit);
}

function extendChart(change) {
  if (key(change) !== selected || change.new === null) return;
  chartPoints.push({ block: change.block, amount: change.new });
  drawChart(change.unit);
}

// A step line in SVG: x is the block, y the amount (as a double: only for drawing).
function drawChart(unit) {
  const svg = $("chart");
  const width = 800, height = 240, left = 70, right = 10, top = 10, bottom = 30;
  const points = chartPoints.map((point) => ({ block: point.block, value: Number(point.amount) / 1e9 }));
  const blocks = points.map((p) => p.block), values = points.map((p) => p.value);
  const [minBlock, maxBlock] = [Math.min(...blocks), Math.max(...blocks)];
  const [minValue, maxValue] = [Math.min(0, ...values), Math.max(...values)];
  const x = (block) => left + (maxBlock === minBlock ? (width - left - right) / 2 : (block - minBlock) / (maxBlock - minBlock) * (width - left - right));
  const y = (value) => top + (maxValue === minValue ? (height - top - bottom) / 2 : (1 - (value - minValue) / (maxValue - minValue)) * (height - top - bottom));
  const parts = [];
  if (points.length > 0) {
    const path = points.flatMap((p, i) => i === 0 ? [[x(p.block), y(p.value)]] : [[x(p.block), y(points[i - 1].value)], [x(p.block), y(p.value)]]);
    parts.push(`<polyline points="${path.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" ")}"/>`);
    for (const p of points) parts.push(`<circle cx="${x(p.block).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3"/>`);
    parts.push(`<text x="4" y="${top + 10}">${maxValue.toFixed(4)} ${unitSymbol(unit)}</text>`);
    parts.push(`<text x="4" y="${height - bottom}">${minValue.toFixed(4)} ${unitSymbol(unit)}</text>`);
    parts.push(`<text x="${left}" y="${height - 8}">block ${minBlock}</text>`);
    parts.push(`<text x="${width - right}" y="${height - 8}" text-anchor="end">block ${maxBlock}</text>`);
  }
  svg.innerHTML = parts.join("");
}

// ---- the connection ------------------------------------------------------------------------

function send(message) {
  message.id = message.id ?? `m${nextId++}`;
  socket.send(JSON.stringify(message));
  return message.id;
}

function connect() {
  reconnectAt = null;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/ws`);
  setStatus("connecting", "connecting");
  socket.onopen = () => send({ type: "auth", token: settings.token });
  socket.onmessage = (event) => handle(JSON.parse(event.data));
  socket.onclose = (event) => {
    if (event.code === 4001 || event.code === 4006) {
      setStatus("disconnected", "offline");
      showMessage(event.code === 4001 ? "The token was refused: check it, or ask the operator for a new one." : "The token was revoked.");
      return;   // retrying a bad token would not help
    }
    const delay = Math.min(30000, 500 * 2 ** retry++) * (0.5 + Math.random() / 2);
    reconnectAt = Date.now() + delay;
    setStatus(`reconnecting in ${Math.ceil(delay / 1000)} s`, "offline");
    setTimeout(connect, delay);
  };
}

function handle(message) {
  switch (message.type) {
    case "welcome": {
      retry = 0;
      setStatus("subscribing", "connecting");
      showMessage("");
      $("trading").hidden = !(message.commands && message.scopes.includes("trade"));
      offerNotifications(message.scopes.includes("alerts"));
      const subscribe = { type: "subscribe" };
      if (settings.netuid !== "") subscribe.netuid = Number(settings.netuid);
      if (settings.hotkey !== "") subscribe.hotkey = settings.hotkey;
      if (lastOffset) subscribe.since = lastOffset;
      subscribeId = send(subscribe);
      break;
    }
    case "subscribed":
      setStatus("live", "online");
      if (message.recovered === true) $("sync").textContent = "Reconnected: the updates missed meanwhile were replayed in order.";
      if (message.recovered === false) $("sync").textContent = "Reconnected: what was missed could not be replayed, so this is a fresh snapshot.";
      if (message.recovered !== true) {
        for (const item of entries.values()) markDirty(item.entry.netuid);
        entries.clear();
      }
      for (const entry of message.snapshot) apply(entry, entry.amount, null, false);
      // A snapshot is exact at its offset. A replay's offset is where it will end: until its
      // updates have arrived, a reconnect must ask again from where this client really is.
      if (message.offset && message.recovered !== true) lastOffset = message.offset;
      break;
    case "update": {
      const change = message.change;
      apply(change, change.new, change.old, true);
      extendChart(change);
      lastOffset = change.offset;
      lastUpdateAt = Date.now();
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
      const asked = notifying.get(message.id);
      notifying.delete(message.id);
      if (asked) { notified.add(asked); markDirty(entries.get(asked)?.entry.netuid); }
      break;
    }
    case "error": {
      const asked = notifying.get(message.id);
      if (asked) { notifying.delete(message.id); markDirty(entries.get(asked)?.entry.netuid); }
      // The subscription itself was refused: nothing is live, whatever the socket says.
      if (message.id !== undefined && message.id === subscribeId) setStatus("refused", "refused");
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
    notifying.set(id, key(entry));
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
