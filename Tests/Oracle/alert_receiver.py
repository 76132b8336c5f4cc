#!/usr/bin/env python3
"""A webhook receiver and a Web Push service for the notifier's tests, on loopback.

Checks what TaoStream sends with independent implementations: Standard Webhooks signatures with the
`standardwebhooks` package, Web Push payloads decrypted with `http_ece` (RFC 8188/8291) and VAPID
tokens (RFC 8292) verified with `cryptography`. Usage: alert_receiver.py PORT

Control API (JSON):
  POST /control/hook/NAME   {"secret": "whsec_…", "fail": N, "status": 500, "hang": SECONDS}
        the next N requests to /hook/NAME answer `status` (or, with "hang", are held that long
        and then dropped); later ones answer 204.
  POST /control/push/NAME   {"gone": true} makes /push/NAME answer 410 from then on; the answer
        is the push subscription (endpoint and keys) to give TaoStream.
  GET  /control/wait/NAME?count=N&timeout=S  waits until N requests reached NAME, then answers
        them all (a request counts when its body has been read, before it is answered).
Each recorded request: {"headers", "body" (text or decrypted push payload), "verified", "error",
"status" (what was answered), "vapid" (the verified claims, for push)}.
"""
import base64
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from standardwebhooks.webhooks import Webhook

lock = threading.Condition()
hooks = {}      # name -> {"secret", "fail", "status", "hang"}
pushes = {}     # name -> {"private", "auth", "gone"}
received = {}   # name -> [record]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_vapid(header, endpoint_origin):
    """Returns the JWT claims after checking the ES256 signature with the k= key, aud and exp."""
    parts = dict(p.strip().split("=", 1) for p in header[len("vapid "):].split(","))
    token, key = parts["t"], parts["k"]
    head, claims, signature = token.split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    header_json = json.loads(unb64url(head))
    body = json.loads(unb64url(claims))
    assert header_json["alg"] == "ES256", header_json
    assert body["aud"] == endpoint_origin, (body["aud"], endpoint_origin)
    assert time.time() < body["exp"] <= time.time() + 24 * 3600, body
    assert body["sub"].startswith("mailto:") or body["sub"].startswith("https:"), body
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path.startswith("/control/wait/"):
            name = url.path.rsplit("/", 1)[1]
            query = urllib.parse.parse_qs(url.query)
            count, timeout = int(query.get("count", ["1"])[0]), float(query.get("timeout", ["30"])[0])
            with lock:
                lock.wait_for(lambda: len(received.get(name, [])) >= count, timeout=timeout)
                entries = received.get(name, [])
                # A secret configured after a request arrived still checks it.
                secret = hooks.get(name, {}).get("secret")
                for entry in entries:
                    if "raw" in entry and not entry["verified"] and secret:
                        try:
                            Webhook(secret).verify(entry["raw"].encode(), entry["headers"])
                            entry["verified"], entry["error"] = True, None
                        except Exception as error:
                            entry["error"] = f"{type(error).__name__}: {error}"
                self.reply(200, json.dumps([{k: v for k, v in e.items() if k != "raw"} for e in entries]).encode())
            return
        self.reply(404)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.read_body()
        kind, _, name = url.path.strip("/").partition("/")
        if kind == "control":
            what, _, name = name.partition("/")
            config = json.loads(body or b"{}")
            with lock:
                if what == "hook":
                    hooks[name] = {"secret": config.get("secret"), "fail": config.get("fail", 0),
                                   "status": config.get("status", 500), "hang": config.get("hang", 0)}
                    self.reply(200, b"{}")
                    return
                if what == "push":
                    if name not in pushes:
                        private = ec.generate_private_key(ec.SECP256R1())
                        pushes[name] = {"private": private, "auth": bytes(range(16)), "gone": False}
                    pushes[name]["gone"] = bool(config.get("gone", False))
                    public = pushes[name]["private"].public_key().public_bytes(
                        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
                    host = self.headers["Host"]
                    subscription = {"endpoint": f"http://{host}/push/{name}",
                                    "keys": {"p256dh": b64url(public), "auth": b64url(pushes[name]["auth"])}}
                    self.reply(200, json.dumps(subscription).encode())
                    return
            self.reply(404)
            return
        if kind == "hook":
            self.webhook(name, body)
        elif kind == "push":
            self.push(name, body)
        else:
            self.reply(404)

    def record(self, name, entry):
        with lock:
            received.setdefault(name, []).append(entry)
            lock.notify_all()

    def webhook(self, name, body):
        with lock:
            config = hooks.setdefault(name, {"secret": None, "fail": 0, "status": 500, "hang": 0})
            failing = config["fail"] > 0
            if failing:
                config["fail"] -= 1
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"headers": headers, "body": body.decode(errors="replace"), "raw": body.decode(errors="replace"),
                 "verified": False, "error": None}
        try:
            if not config["secret"]:
                raise ValueError("no secret configured yet")
            Webhook(config["secret"]).verify(body, headers)
            entry["verified"] = True
        except Exception as error:  # the test reads why
            entry["error"] = f"{type(error).__name__}: {error}"
        status = config["status"] if failing else 204
        entry["status"] = status
        self.record(name, entry)
        if failing and config["hang"]:
            time.sleep(config["hang"])
            self.close_connection = True
            return
        self.reply(status)

    def push(self, name, body):
        with lock:
            subscription = pushes.get(name)
        entry = {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": None, "verified": False, "error": None}
        if subscription is None:
            self.reply(404)
            return
        if subscription["gone"]:
            entry["status"] = 410
            self.record(name, entry)
            self.reply(410)
            return
        try:
            origin = f"http://{self.headers['Host']}"
            entry["vapid"] = verify_vapid(self.headers["Authorization"], origin)
            assert self.headers["Content-Encoding"] == "aes128gcm"
            assert int(self.headers["TTL"]) > 0
            plaintext = http_ece.decrypt(body, private_key=subscription["private"], auth_secret=subscription["auth"],
                                         version="aes128gcm")
            entry["body"] = plaintext.decode()
            entry["verified"] = True
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {error}"
        entry["status"] = 201
        self.record(name, entry)
        self.reply(201)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()
