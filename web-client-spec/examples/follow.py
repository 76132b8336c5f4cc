#!/usr/bin/env python3
"""Follows dividends over TaoStream's WebSocket: a snapshot, then every change, resumed after a
dropped connection from the last offset seen (no change lost, none repeated).

    pip install websockets
    TAOSTREAM_TOKEN=tst_… python3 follow.py --netuid 1 [--hotkey 5F… …] [--url ws://127.0.0.1:8080/ws]

Prints one line per value: `snapshot NETUID HOTKEY KIND AMOUNT UNIT` then `update NETUID HOTKEY KIND OLD -> NEW @OFFSET`.
`--updates N` exits after N updates (the tests use it).
"""
import argparse
import asyncio
import json
import os
import sys

import websockets


def line(kind, entry):
    return f"{kind} {entry['netuid']} {entry['hotkey']} {entry['kind']} {entry['amount']} {entry['unit']}"


async def follow(url, token, netuid, hotkeys, updates):
    since = None   # the offset of the last change seen: a reconnect resumes after it
    seen = 0
    delay = 1
    while True:
        try:
            async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"}) as socket:
                request = {"type": "subscribe", "id": "follow", "netuid": netuid}
                if hotkeys:
                    request["hotkeys"] = hotkeys   # one message, a subscription per hotkey
                if since:
                    request["since"] = since
                await socket.send(json.dumps(request))
                delay = 1
                async for text in socket:
                    message = json.loads(text)
                    kind = message["type"]
                    if kind == "subscribed":
                        for entry in message["snapshot"]:
                            print(line("snapshot", entry), flush=True)
                        since = message.get("offset", since)
                    elif kind == "update":
                        change = message["change"]
                        print(f"update {change['netuid']} {change['hotkey']} {change['kind']} "
                              f"{change.get('old')} -> {change.get('new')} @{change['offset']}", flush=True)
                        since = change["offset"]
                        seen += 1
                        if updates and seen >= updates:
                            return
                    elif kind == "error":
                        print(f"error {message['code']}: {message['message']}", file=sys.stderr, flush=True)
                        if message["code"] in ("unauthorized", "forbidden"):
                            return
        except websockets.ConnectionClosed as closed:
            if closed.rcvd and closed.rcvd.code in (4001, 4006):   # refused or revoked token: retrying will not help
                print(f"closed {closed.rcvd.code}: {closed.rcvd.reason}", file=sys.stderr, flush=True)
                sys.exit(1)
        except OSError as error:
            print(f"cannot connect ({error}); retrying in {delay} s", file=sys.stderr, flush=True)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("TAOSTREAM_URL", "ws://127.0.0.1:8080/ws"))
    parser.add_argument("--netuid", type=int, required=True)
    parser.add_argument("--hotkey", action="append", default=[], help="repeat for several hotkeys")
    parser.add_argument("--updates", type=int, default=0, help="exit after this many updates (0: never)")
    arguments = parser.parse_args()
    token = os.environ.get("TAOSTREAM_TOKEN")
    if not token:
        sys.exit("set TAOSTREAM_TOKEN to a token with the read scope (taostream token create --label bot --scopes read)")
    asyncio.run(follow(arguments.url, token, arguments.netuid, arguments.hotkey, arguments.updates))


if __name__ == "__main__":
    main()
