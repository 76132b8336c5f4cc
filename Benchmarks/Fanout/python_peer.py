"""The Python fan-out peer for Benchmarks/fanout.sh: what a Python developer would write.

A FastAPI WebSocket endpoint at /ws. The upgrade must carry `Authorization: Bearer <PEER_TOKEN>`.
The client then sends {"type":"subscribe","id":"s","netuid":7}, gets
{"type":"subscribed","id":"s","netuid":7} back, and from then on every message published on the
Redis channel `fanout:7`, byte for byte, as a text frame. One Redis pub/sub connection per worker
process (PSUBSCRIBE fanout:*), fanned out with one asyncio.gather of send_text per message.

Run (fanout.sh does):
    PEER_TOKEN=... PEER_REDIS_URL=redis://127.0.0.1:6379/0 PEER_PORT=18082 [PEER_WORKERS=N] \
    .venv-fanout/bin/python Benchmarks/Fanout/python_peer.py
uvicorn then serves on 127.0.0.1:PEER_PORT with PEER_WORKERS worker processes (default: the CPUs
this process may run on, as `nproc` counts them), each a spawned child of this process.
"""

import asyncio
import contextlib
import hmac
import json
import os

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from redis.asyncio import Redis

EXPECTED_AUTHORIZATION = f"Bearer {os.environ['PEER_TOKEN']}".encode()
REDIS_URL = os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNEL_PREFIX = b"fanout:"

# netuid -> the sockets subscribed to it, in this worker process.
subscribers: dict[int, set[WebSocket]] = {}


async def forward(pubsub) -> None:
    async for message in pubsub.listen():
        if message["type"] != "pmessage":
            continue
        try:
            netuid = int(message["channel"][len(CHANNEL_PREFIX):])
            text = message["data"].decode()
        except (ValueError, UnicodeDecodeError):
            continue
        sockets = subscribers.get(netuid)
        if not sockets:
            continue
        targets = list(sockets)
        results = await asyncio.gather(*(ws.send_text(text) for ws in targets), return_exceptions=True)
        for ws, result in zip(targets, results):
            if isinstance(result, Exception):
                sockets.discard(ws)


@contextlib.asynccontextmanager
async def lifespan(_: FastAPI):
    redis = Redis.from_url(REDIS_URL)
    pubsub = redis.pubsub()
    await pubsub.psubscribe(b"fanout:*")
    task = asyncio.create_task(forward(pubsub))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pubsub.aclose()
        await redis.aclose()


app = FastAPI(lifespan=lifespan)


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


@app.websocket("/ws")
async def stream(websocket: WebSocket) -> None:
    authorization = websocket.headers.get("authorization", "").encode()
    if not hmac.compare_digest(authorization, EXPECTED_AUTHORIZATION):
        # Closing before accept makes uvicorn answer the upgrade with HTTP 403.
        await websocket.close(code=1008)
        return
    await websocket.accept()
    netuid = None
    try:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        request = json.loads(message.get("text") or message.get("bytes") or b"")
        if not isinstance(request, dict) or request.get("type") != "subscribe" or type(request.get("netuid")) is not int:
            await websocket.close(code=1008, reason="expected a subscribe message")
            return
        netuid = request["netuid"]
        # Reply before joining the set, so "subscribed" is the first frame the client sees.
        await websocket.send_text(dumps({"type": "subscribed", "id": request.get("id"), "netuid": netuid}))
        subscribers.setdefault(netuid, set()).add(websocket)
        # Nothing else is expected from the client; wait for it to leave.
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except WebSocketDisconnect:
        pass
    except ValueError:  # not JSON (json.JSONDecodeError and UnicodeDecodeError are ValueErrors)
        await websocket.close(code=1008, reason="expected a subscribe message")
    finally:
        if netuid is not None:
            subscribers.get(netuid, set()).discard(websocket)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        "python_peer:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=int(os.environ.get("PEER_PORT", "18082")),
        workers=int(os.environ.get("PEER_WORKERS") or len(os.sched_getaffinity(0))),
        log_level="warning",
    )
