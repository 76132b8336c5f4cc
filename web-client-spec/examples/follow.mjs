// Follows dividends over TaoStream's WebSocket: a snapshot, then every change, resumed after a
// dropped connection from the last offset seen. No dependencies: the WebSocket built into Node 22+
// (Node 20.10+: run with --experimental-websocket). A browser's WebSocket cannot send headers, so
// the token goes in the first message instead of `Authorization`.
//
//   TAOSTREAM_TOKEN=tst_… node follow.mjs --netuid 1 [--hotkey 5F… …] [--url ws://127.0.0.1:8080/ws] [--updates N]
//
// Prints `snapshot NETUID HOTKEY KIND AMOUNT UNIT`, then `update NETUID HOTKEY KIND OLD -> NEW @OFFSET`.

const options = { url: process.env.TAOSTREAM_URL ?? "ws://127.0.0.1:8080/ws", netuid: null, hotkeys: [], updates: 0 };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [name, value] = [args[i], args[i + 1]];
  if (name === "--url") options.url = value;
  else if (name === "--netuid") options.netuid = Number(value);
  else if (name === "--hotkey") options.hotkeys.push(value);
  else if (name === "--updates") options.updates = Number(value);
  else { console.error(`unknown option ${name}`); process.exit(2); }
}
const token = process.env.TAOSTREAM_TOKEN;
if (!token || options.netuid === null) {
  console.error("usage: TAOSTREAM_TOKEN=tst_… node follow.mjs --netuid N [--hotkey SS58 …]");
  process.exit(2);
}
if (typeof WebSocket === "undefined") {
  console.error("this Node has no WebSocket: use Node 22+, or Node 20.10+ with --experimental-websocket");
  process.exit(2);
}

let since = null;   // the offset of the last change seen: a reconnect resumes after it
let seen = 0;
let delay = 1000;

function connect() {
  const socket = new WebSocket(options.url);
  socket.onopen = () => {
    delay = 1000;
    socket.send(JSON.stringify({ type: "auth", token }));
    const request = { type: "subscribe", id: "follow", netuid: options.netuid };
    if (options.hotkeys.length) request.hotkeys = options.hotkeys;   // a subscription per hotkey
    if (since) request.since = since;
    socket.send(JSON.stringify(request));
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "subscribed") {
      for (const entry of message.snapshot) console.log(`snapshot ${entry.netuid} ${entry.hotkey} ${entry.kind} ${entry.amount} ${entry.unit}`);
      since = message.offset ?? since;
    } else if (message.type === "update") {
      const change = message.change;
      console.log(`update ${change.netuid} ${change.hotkey} ${change.kind} ${change.old ?? null} -> ${change.new ?? null} @${change.offset}`);
      since = change.offset;
      if (options.updates && ++seen >= options.updates) { socket.onclose = null; socket.close(); }
    } else if (message.type === "error") {
      console.error(`error ${message.code}: ${message.message}`);
    }
  };
  socket.onclose = (event) => {
    if (event.code === 4001 || event.code === 4006) {   // refused or revoked token: retrying will not help
      console.error(`closed ${event.code}: ${event.reason}`);
      process.exit(1);
    }
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  };
}

connect();
