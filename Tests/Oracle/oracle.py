#!/usr/bin/env python3
"""Reference oracle for TaoStream's interop tests, backed by the official SDK (bittensor 11.3:
its Rust ``bittensor_core`` is sp-core and the SDK's own metadata/SCALE code).

Reads ONE JSON list of requests on stdin and writes ONE JSON list of answers, same order, so a
single Python start-up serves a whole test. Bytes are lowercase hex without 0x. An answer is
{"ok": value} or {"error": "<ExceptionClass>", "message": "..."}; one failure never stops the rest.
See README.md beside this file for every command.
"""
import json
import sys

import bittensor_core as core

SCHEMES = {"sr25519": core.CRYPTO_SR25519, "ed25519": core.CRYPTO_ED25519}
NAMES = {v: k for k, v in SCHEMES.items()}


class State:
    runtime = None


def plain(value):
    """Python values the SDK returns, made JSON-safe (bytes as hex, tuples as lists)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


def metadata_bytes(text):
    raw = bytes.fromhex(text.strip().removeprefix("0x"))
    if raw[:4] == b"meta":
        return raw
    # Option<Vec<u8>> around the prefixed bytes, as Metadata_metadata_at_version answers.
    assert raw[0] == 1, "metadata_at_version answered None"
    mode = raw[1] & 3
    offset = {0: 2, 1: 3, 2: 5}.get(mode)
    if offset is None:
        offset = 2 + (raw[1] >> 2) + 4
    return raw[offset:]


def runtime():
    if State.runtime is None:
        raise RuntimeError("send load_metadata first")
    return State.runtime


def type_string(value):
    return f"scale_info::{value}" if isinstance(value, int) else value


def keypair(req):
    crypto = SCHEMES[req.get("scheme", "sr25519")]
    if "mnemonic" in req:
        return core.Keypair.create_from_mnemonic(req["mnemonic"], crypto_type=crypto, password=req.get("password"))
    if "uri" in req:
        return core.Keypair.create_from_uri(req["uri"], crypto_type=crypto)
    if "seed" in req:
        return core.Keypair.create_from_seed(bytes.fromhex(req["seed"]), crypto_type=crypto)
    raise ValueError("no key given (mnemonic, uri or seed)")


def era(req):
    value = req.get("era", "00")
    return value if value == "00" else {"period": value["period"], "current": value["current"]}


def handle(req):
    cmd = req["cmd"]
    # Metadata and storage.
    if cmd == "load_metadata":
        with open(req["path"]) as f:
            raw = metadata_bytes(f.read())
        State.runtime = core.Runtime(raw, req.get("spec_version", 343), req.get("transaction_version", 1))
        return len(raw)
    if cmd == "storage_entry":
        e = runtime().storage_entry(req["pallet"], req["item"])
        return {"modifier": e.modifier, "hashers": list(e.param_hashers), "key_types": list(e.param_types),
                "value_type": e.value_type, "default": bytes(e.default_bytes).hex()}
    if cmd == "storage_prefix":
        return bytes(runtime().storage_prefix(req["pallet"], req["item"])).hex()
    if cmd == "storage_key":
        return bytes(runtime().storage_key(req["pallet"], req["item"], req["params"])).hex()
    if cmd == "decode_storage_key_params":
        return plain(runtime().decode_storage_key_params(req["pallet"], req["item"], bytes.fromhex(req["key"])))
    if cmd == "decode":
        return plain(runtime().decode(type_string(req["type"]), bytes.fromhex(req["data"])))
    if cmd == "encode":
        return bytes(runtime().encode(type_string(req["type"]), req["value"])).hex()
    if cmd == "constant":
        return plain(runtime().constant(req["pallet"], req["name"]))
    if cmd == "signed_extensions":
        return list(runtime().signed_extension_identifiers())
    # Addresses.
    if cmd == "ss58_encode":
        return core.ss58_encode(bytes.fromhex(req["public_key"]), req.get("prefix", 42))
    if cmd == "ss58_decode":
        decoded = core.ss58_decode(req["address"])
        return decoded if isinstance(decoded, str) else bytes(decoded).hex()
    # Keys.
    if cmd == "keypair":
        kp = keypair(req)
        return {"public_key": bytes(kp.public_key).hex(), "ss58": kp.ss58_address,
                "keyfile_json": bytes(core.serialized_keypair_to_keyfile_data(kp)).decode()}
    if cmd == "sign":
        return bytes(keypair(req).sign(bytes.fromhex(req["message"]))).hex()
    if cmd == "verify":
        crypto = SCHEMES[req.get("scheme", "sr25519")]
        address = core.ss58_encode(bytes.fromhex(req["public_key"]), 42)
        return bool(core.verify(bytes.fromhex(req["message"]), bytes.fromhex(req["signature"]), address, crypto))
    if cmd == "write_keyfile":
        from bittensor.keyfiles import Keyfile
        kp = keypair(req)
        if req.get("public_only"):
            kp = core.Keypair(ss58_address=kp.ss58_address, public_key=bytes(kp.public_key), crypto_type=kp.crypto_type)
        password = req.get("keyfile_password")
        Keyfile(req["path"]).set_keypair(kp, encrypt=password is not None, overwrite=True, password=password)
        return bytes(kp.public_key).hex()
    if cmd == "ss58":
        return core.ss58_encode(bytes.fromhex(req["public_key"]), 42)
    if cmd == "read_keyfile":
        from bittensor.keyfiles import Keyfile
        kp = Keyfile(req["path"]).get_keypair(password=req.get("keyfile_password"))
        try:
            fields = json.loads(bytes(core.serialized_keypair_to_keyfile_data(kp)))
            private = fields.get("privateKey")
            private = private[2:] if private else None
        except Exception:
            private = None
        return {"public_key": bytes(kp.public_key).hex(), "scheme": NAMES[kp.crypto_type], "private_key": private}
    if cmd == "sign_keyfile":
        from bittensor.keyfiles import Keyfile
        kp = Keyfile(req["path"]).get_keypair(password=req.get("keyfile_password"))
        return bytes(kp.sign(bytes.fromhex(req["message"]))).hex()
    if cmd == "encrypt":
        return bytes(core.encrypt_keyfile_data(bytes.fromhex(req["data"]), req["keyfile_password"])).hex()
    if cmd == "decrypt":
        return bytes(core.decrypt_keyfile_data(bytes.fromhex(req["data"]), req["keyfile_password"])).hex()
    # Calls and extrinsics.
    if cmd == "compose_call":
        return bytes(runtime().compose_call(req["pallet"], req["call"], req["args"])).hex()
    if cmd == "signature_payload":
        return bytes(runtime().signature_payload(
            bytes.fromhex(req["call"]), era=era(req), nonce=req["nonce"], tip=req.get("tip", 0), tip_asset_id=None,
            genesis_hash=bytes.fromhex(req["genesis_hash"]), era_block_hash=bytes.fromhex(req["block_hash"]))).hex()
    if cmd == "encode_signed_extrinsic":
        kp = keypair(req)
        payload = runtime().signature_payload(
            bytes.fromhex(req["call"]), era=era(req), nonce=req["nonce"], tip=req.get("tip", 0), tip_asset_id=None,
            genesis_hash=bytes.fromhex(req["genesis_hash"]), era_block_hash=bytes.fromhex(req["block_hash"]))
        signature = kp.sign(bytes(payload))
        data, _ = runtime().encode_signed_extrinsic(
            bytes.fromhex(req["call"]), public_key=bytes(kp.public_key), signature=bytes(signature),
            signature_version=kp.crypto_type, era=era(req), nonce=req["nonce"], tip=req.get("tip", 0), tip_asset_id=None)
        return bytes(data).hex()
    if cmd == "decode_extrinsic":
        return plain(runtime().decode_extrinsic(bytes.fromhex(req["data"])))
    raise ValueError(f"unknown command {cmd!r}")


def main():
    answers = []
    for req in json.load(sys.stdin):
        try:
            answers.append({"ok": handle(req)})
        except Exception as exc:  # the caller asserts on the class name
            answers.append({"error": type(exc).__name__, "message": str(exc)})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
