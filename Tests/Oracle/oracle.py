#!/usr/bin/env python3
"""Reference oracle for TaoStream's interop tests, backed by the official SDK (bittensor 11.3: its
Rust ``bittensor_core`` is sp-core plus the SDK's own metadata/SCALE code).

Reads ONE JSON list of requests on stdin and writes ONE JSON list of answers, same order, on
stdout, so a single Python start-up serves a whole test. Every request has "cmd". An answer is
{"ok": value} or {"error": "<ExceptionClass>", "message": "..."}; one failure never stops the rest.
Bytes are lowercase hex without 0x (a leading 0x in input is accepted).

Runtime metadata (for the metadata, storage and extrinsic commands) is read from a `.hex` file:
  - {"cmd": "load_metadata", "path": ...} sets the metadata for the requests that follow;
  - any request may carry "metadata": path to use that file for itself only;
  - `oracle.py --metadata PATH` sets it for the whole batch;
  - otherwise Sources/DevChain/Resources/spec343-metadata_at_version_15.hex is used.
Each file is parsed once per process. See README.md beside this file for every command.
"""
import contextlib
import hashlib
import json
import os
import pathlib
import sys

import bittensor_core as core

try:
    import xxhash
except ImportError:  # only the twox commands need it; scripts/setup-python.sh installs it
    xxhash = None

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_METADATA = ROOT / "Sources/DevChain/Resources/spec343-metadata_at_version_15.hex"
SCHEMES = {"sr25519": core.CRYPTO_SR25519, "ed25519": core.CRYPTO_ED25519}
NAMES = {v: k for k, v in SCHEMES.items()}
IMMORTAL = "00"


# ---------------------------------------------------------------------------------------------
# JSON <-> Python values


def plain(value):
    """Python values the SDK returns, made JSON-safe: bytes as hex, tuples as lists, dict keys as
    strings, integers of 2^53 or more (in magnitude) as decimal strings."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


def sdk_value(value):
    """JSON request values into the SDK's natural Python form. Two escapes exist for what JSON
    cannot say: {"$bytes": "hex"} becomes bytes (an AccountId, a pre-composed call, a byte
    vector), {"$int": "decimal"} an integer too large for the caller's JSON numbers."""
    if isinstance(value, dict):
        if len(value) == 1 and "$bytes" in value:
            return unhex(value["$bytes"])
        if len(value) == 1 and "$int" in value:
            return int(value["$int"])
        return {k: sdk_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sdk_value(v) for v in value]
    return value


def unhex(text):
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    text = text.strip()
    return bytes.fromhex(text[2:] if text[:2].lower() == "0x" else text)


def type_string(value):
    """A registry type id (int or digits) as the SDK's "scale_info::N"; names pass through."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"scale_info::{value}"
    if isinstance(value, str) and value.isdigit():
        return f"scale_info::{value}"
    return value


def type_id(text):
    """"scale_info::N" -> N (other strings unchanged)."""
    if isinstance(text, str) and text.startswith("scale_info::"):
        return int(text.split("::", 1)[1])
    return text


# ---------------------------------------------------------------------------------------------
# Metadata


def compact_prefix(data, offset):
    """(value, bytes used) of the SCALE compact integer at data[offset:]."""
    mode = data[offset] & 3
    if mode == 0:
        return data[offset] >> 2, 1
    if mode == 1:
        return int.from_bytes(data[offset:offset + 2], "little") >> 2, 2
    if mode == 2:
        return int.from_bytes(data[offset:offset + 4], "little") >> 2, 4
    size = (data[offset] >> 2) + 4
    return int.from_bytes(data[offset + 1:offset + 1 + size], "little"), 1 + size


def metadata_bytes(raw):
    """`meta`-prefixed metadata from either fixture form: state_getMetadata's result (the
    prefixed bytes themselves) or Metadata_metadata_at_version's Option<Vec<u8>>."""
    if raw[:4] == b"meta":
        return raw
    offset = 0
    if raw[:1] == b"\x00":
        raise ValueError("the metadata is Option::None (the runtime lacks that metadata version)")
    if raw[:1] == b"\x01" and raw[1:2] != b"":
        offset = 1
    length, used = compact_prefix(raw, offset)
    inner = raw[offset + used:offset + used + length]
    if inner[:4] != b"meta" or len(inner) != length:
        raise ValueError("not RuntimeMetadataPrefixed nor Option<Vec<u8>> around it")
    return inner


def read_metadata_file(path):
    text = pathlib.Path(path).read_text().strip()
    if text.startswith("{"):  # a whole JSON-RPC response
        text = json.loads(text)["result"]
    return metadata_bytes(unhex(text))


class Runtimes:
    cache = {}
    default = None  # (path, spec_version, transaction_version, ss58_format)

    @classmethod
    def get(cls, path, spec_version=None, transaction_version=None, ss58_format=None):
        path = pathlib.Path(path)
        if not path.is_absolute() and not path.exists() and (ROOT / path).exists():
            path = ROOT / path  # a repository-relative path works from any working directory
        path = str(path.resolve())
        key = (path, spec_version, transaction_version, ss58_format)
        if key not in cls.cache:
            raw = read_metadata_file(path)
            version = core.Runtime(raw, 0, 0).constant("System", "Version") or {}
            spec = spec_version if spec_version is not None else version.get("spec_version", 0)
            tx = transaction_version if transaction_version is not None else version.get("transaction_version", 0)
            prefix = ss58_format
            if prefix is None:
                prefix = core.Runtime(raw, 0, 0).constant("System", "SS58Prefix")
                prefix = 42 if prefix is None else prefix
            runtime = core.Runtime(raw, spec, tx, prefix)
            info = {
                "path": path, "bytes": len(raw), "metadata_version": raw[4],
                "spec_name": version.get("spec_name"), "spec_version": spec, "transaction_version": tx,
                "extrinsic_version": runtime.extrinsic_version, "ss58_format": prefix,
            }
            cls.cache[key] = (runtime, info)
        return cls.cache[key]


def versions(req):
    return req.get("spec_version"), req.get("transaction_version"), req.get("ss58_format")


def runtime_of(req):
    """(bittensor_core.Runtime, info) for a request."""
    if "metadata" in req:
        return Runtimes.get(req["metadata"], *versions(req))
    if Runtimes.default is None:
        Runtimes.default = (os.environ.get("TAOSTREAM_ORACLE_METADATA") or str(DEFAULT_METADATA), None, None, None)
    return Runtimes.get(*Runtimes.default)


def storage_entry_json(rt, pallet, item):
    e = rt.storage_entry(pallet, item)
    key_types = [type_id(t) for t in e.param_types]
    value_type = type_id(e.value_type)
    return {
        "pallet": e.pallet, "item": e.name, "prefix": e.prefix, "modifier": e.modifier,
        "hashers": list(e.param_hashers), "key_types": key_types, "value_type": value_type,
        "key_type_names": [rt.type_name_of(t) if isinstance(t, int) else t for t in key_types],
        "value_type_name": rt.type_name_of(value_type) if isinstance(value_type, int) else value_type,
        "default": bytes(e.default_bytes).hex(),
    }


def storage_items(rt):
    return [storage_entry_json(rt, pallet["name"], entry["name"])
            for pallet in rt.metadata_ir()["pallets"] for entry in pallet["storage"]]


def outer_enum(registry, name):
    """{pallet name: (pallet index, pallet enum type id)} from RuntimeCall/RuntimeEvent/RuntimeError."""
    for entry in registry:
        t = entry["type"]
        if t.get("path", [])[-1:] == [name] and "variant" in t["def"]:
            return {v["name"]: (v["index"], v["fields"][0]["type"]) for v in t["def"]["variant"].get("variants", []) if v.get("fields")}
    return {}


def variants(registry, type_index):
    t = registry[type_index]["type"]
    assert registry[type_index]["id"] == type_index
    return [(v["name"], v["index"], v.get("fields", [])) for v in t["def"].get("variant", {}).get("variants", [])]


def pallets(rt):
    registry = json.loads(rt.registry_json())["types"]
    calls, events, errors = (outer_enum(registry, n) for n in ("RuntimeCall", "RuntimeEvent", "RuntimeError"))
    out = []
    for p in rt.metadata_ir()["pallets"]:
        name = p["name"]
        call_list = []
        if name in calls:
            args = {c["name"]: c["args"] for c in p["calls"]}
            for call_name, index, fields in variants(registry, calls[name][1]):
                call_list.append({"name": call_name, "index": index,
                                  "args": [{"name": f.get("name"), "type": f["type"], "type_name": a.get("type_ident")}
                                           for f, a in zip(fields, args.get(call_name, [{}] * len(fields)))]})
        else:
            call_list = [{"name": c["name"], "index": None, "args": [{"name": a["name"], "type": None, "type_name": a["type_ident"]} for a in c["args"]]} for c in p["calls"]]
        event_list = [{"name": n, "index": i, "fields": [f["type"] for f in fields]}
                      for n, i, fields in variants(registry, events[name][1])] if name in events else []
        out.append({
            "name": name, "index": p["index"],
            "calls": call_list,
            "events": event_list,
            "errors": [{"name": e["name"], "index": e["index"]} for e in p["errors"]],
            "constants": list(p["constants"]),
            "storage": [s["name"] for s in p["storage"]],
        })
    return out


def identify_storage_key(rt, key, prefixes):
    item = prefixes.get(key[:32])
    if item is None:
        head = [p for n, p in prefixes.items() if n[:16] == key[:16]]
        return {"pallet": head[0][0] if head else None, "item": None, "params": None, "rest": key[16:].hex()}
    pallet, name = item
    answer = {"pallet": pallet, "item": name, "params": None, "rest": key[32:].hex()}
    if len(key) > 32:
        try:
            answer["params"] = plain(rt.decode_storage_key_params(pallet, name, key))
            answer["rest"] = ""
        except Exception as exc:  # a partial key (iteration prefix): report the raw rest
            answer["params_error"] = str(exc)
    return answer


class Prefixes:
    cache = {}

    @classmethod
    def of(cls, rt):
        if id(rt) not in cls.cache:
            cls.cache[id(rt)] = {bytes(rt.storage_prefix(i["pallet"], i["item"])): (i["pallet"], i["item"]) for i in storage_items(rt)}
        return cls.cache[id(rt)]


# ---------------------------------------------------------------------------------------------
# Hashers


def twox(data, chunks):
    if xxhash is None:
        raise ImportError("xxhash is not installed in this venv; run scripts/setup-python.sh")
    return b"".join(xxhash.xxh64(data, seed=seed).intdigest().to_bytes(8, "little") for seed in range(chunks))


def blake2(data, size, key=b""):
    return hashlib.blake2b(data, digest_size=size, key=key).digest()


# ---------------------------------------------------------------------------------------------
# Keys


def keypair(req):
    crypto = SCHEMES[req.get("scheme", "sr25519")]
    if "mnemonic" in req:
        return core.Keypair.create_from_mnemonic(req["mnemonic"], crypto_type=crypto, password=req.get("password"))
    if "uri" in req:
        return core.Keypair.create_from_uri(req["uri"], crypto_type=crypto)
    if "seed" in req:
        return core.Keypair.create_from_seed(unhex(req["seed"]), crypto_type=crypto)
    if "private_key" in req:
        return core.Keypair.create_from_private_key(req["private_key"], crypto_type=crypto)
    raise ValueError("no key given (mnemonic, uri, seed or private_key)")


def public_only(kp):
    return core.Keypair(ss58_address=kp.ss58_address, public_key=bytes(kp.public_key), crypto_type=kp.crypto_type)


def keyfile_fields(kp):
    return json.loads(bytes(core.serialized_keypair_to_keyfile_data(kp)))


def private_key_of(kp):
    try:
        value = keyfile_fields(kp).get("privateKey")
    except Exception:
        return None
    return value[2:] if value else None


def keyfile_path(req):
    """A keyfile's path: "path", or the btcli layout from "wallet_path", "wallet_name", "role"
    (coldkey | coldkeypub | hotkey | hotkeypub) and "hotkey" (default "default")."""
    if "path" in req:
        return req["path"]
    wallet = pathlib.Path(req["wallet_path"]).expanduser() / req.get("wallet_name", "default")
    hotkey = req.get("hotkey", "default")
    return str({
        "coldkey": wallet / "coldkey", "coldkeypub": wallet / "coldkeypub.txt",
        "hotkey": wallet / "hotkeys" / hotkey, "hotkeypub": wallet / "hotkeys" / f"{hotkey}pub.txt",
    }[req.get("role", "coldkey")])


def write_keyfile(req):
    from bittensor.keyfiles import Keyfile
    kp = keypair(req)
    password = req.get("keyfile_password")
    overwrite = req.get("overwrite", True)
    if "path" in req:
        if req.get("public_only"):
            kp = public_only(kp)
        Keyfile(req["path"]).set_keypair(kp, encrypt=password is not None, overwrite=overwrite, password=password)
        return bytes(kp.public_key).hex()
    # A wallet directory: the SDK's Wallet writes the secret file and its public twin (btcli layout).
    from bittensor.wallet import Wallet
    role = req.get("role", "coldkey")
    wallet = Wallet(req.get("wallet_name", "default"), req.get("hotkey", "default"), path=str(req["wallet_path"]))
    if role == "coldkey":
        files = (wallet.coldkey_file, wallet.coldkeypub_file)
    elif role == "hotkey":
        files = (wallet.hotkey_file, wallet.hotkeypub_file)
    else:
        raise ValueError(f"role must be coldkey or hotkey, not {role!r}")
    files[0].set_keypair(kp, encrypt=password is not None, overwrite=overwrite, password=password)
    files[1].set_keypair(public_only(kp), encrypt=False, overwrite=overwrite)
    return {"public_key": bytes(kp.public_key).hex(), "ss58": kp.ss58_address, "files": [files[0].path, files[1].path]}


def read_keyfile(req):
    from bittensor.keyfiles import Keyfile
    keyfile = Keyfile(keyfile_path(req))
    data = keyfile._read_data()
    kp = keyfile.get_keypair(password=req.get("keyfile_password"))
    fields = {}
    with contextlib.suppress(Exception):
        fields = keyfile_fields(kp)
    private = fields.get("privateKey")
    return {
        "public_key": bytes(kp.public_key).hex(), "ss58": kp.ss58_address, "scheme": NAMES[kp.crypto_type],
        "private_key": private[2:] if private else None, "secret_phrase": fields.get("secretPhrase"),
        "encrypted": bool(core.keyfile_data_is_encrypted(data)), "encryption": core.keyfile_data_encryption_method(data) if core.keyfile_data_is_encrypted(data) else None,
    }


# ---------------------------------------------------------------------------------------------
# Extrinsics


def era(req):
    """"immortal" (or absent, null, "00", 0) -> the SDK's "00"; {"period", "current"|"phase"} as given."""
    value = req.get("era")
    if value in (None, "immortal", "00", "0x00", 0):
        return IMMORTAL
    if isinstance(value, dict):
        return {k: int(v) for k, v in value.items() if k in ("period", "current", "phase")}
    raise ValueError(f"era must be \"immortal\" or {{\"period\", \"current\"}}, not {value!r}")


def signing_fields(req):
    e = era(req)
    genesis = unhex(req["genesis_hash"])
    block = unhex(req["block_hash"]) if req.get("block_hash") is not None else None
    if block is None:
        if e != IMMORTAL:
            raise ValueError("a mortal era needs block_hash (the hash of the era's birth block)")
        block = genesis  # as the SDK's client does: an immortal transaction anchors at genesis
    metadata_hash = unhex(req["metadata_hash"]) if req.get("metadata_hash") else None
    return dict(era=e, nonce=int(req["nonce"]), tip=int(sdk_value(req.get("tip", 0))), tip_asset_id=req.get("tip_asset_id"),
                genesis_hash=genesis, era_block_hash=block, metadata_hash=metadata_hash)


def signature_payload(rt, req):
    return bytes(rt.signature_payload(unhex(req["call"]), **signing_fields(req)))


def encode_signed_extrinsic(rt, req):
    fields = signing_fields(req)
    call = unhex(req["call"])
    payload = bytes(rt.signature_payload(call, **fields))
    if "signature" in req:  # assemble only: a signature made elsewhere
        public_key = unhex(req["public_key"])
        signature = unhex(req["signature"])
        version = SCHEMES[req.get("scheme", "sr25519")]
    else:
        kp = keypair(req)
        public_key, signature, version = bytes(kp.public_key), bytes(kp.sign(payload)), kp.crypto_type
    data, extrinsic_hash = rt.encode_signed_extrinsic(
        call, public_key=public_key, signature=signature, signature_version=version, era=fields["era"],
        nonce=fields["nonce"], tip=fields["tip"], tip_asset_id=fields["tip_asset_id"],
        metadata_hash_enabled=fields["metadata_hash"] is not None)
    if req.get("detail"):
        return {"extrinsic": bytes(data).hex(), "hash": bytes(extrinsic_hash).hex(), "payload": payload.hex(), "signature": signature.hex()}
    return bytes(data).hex()


# ---------------------------------------------------------------------------------------------
# Dispatch


def handle(req):
    cmd = req["cmd"]

    # Metadata and storage.
    if cmd == "load_metadata":
        info = Runtimes.get(req["path"], *versions(req))[1]
        Runtimes.default = (info["path"], *versions(req))  # only once it loaded
        return info
    if cmd == "runtime_info":
        return runtime_of(req)[1]
    rt = runtime_of(req)[0] if cmd in METADATA_COMMANDS else None
    if cmd == "storage_items":
        return storage_items(rt)
    if cmd == "storage_entry":
        return storage_entry_json(rt, req["pallet"], req["item"])
    if cmd == "storage_prefix":
        return bytes(rt.storage_prefix(req["pallet"], req["item"])).hex()
    if cmd == "storage_key":
        return bytes(rt.storage_key(req["pallet"], req["item"], sdk_value(req.get("params", [])))).hex()
    if cmd == "decode_storage_key_params":
        return plain(rt.decode_storage_key_params(req["pallet"], req["item"], unhex(req["key"]), int(req.get("fixed", 0))))
    if cmd == "identify_storage_key":
        return identify_storage_key(rt, unhex(req["key"]), Prefixes.of(rt))
    if cmd == "decode":
        return plain(rt.decode(type_string(req["type"]), unhex(req["data"]), bool(req.get("strict", True))))
    if cmd == "encode":
        return bytes(rt.encode(type_string(req["type"]), sdk_value(req["value"]))).hex()
    if cmd == "storage_value_decode":
        e = rt.storage_entry(req["pallet"], req["item"])
        data = req.get("data")
        if data is None:  # no value stored: what a query answers
            if e.modifier == "Optional":
                return None
            data = bytes(e.default_bytes)
        return plain(rt.decode(e.value_type, unhex(data), bool(req.get("strict", True))))
    if cmd == "pallets":
        return pallets(rt)
    if cmd == "constant":
        return plain(rt.constant(req["pallet"], req["name"]))
    if cmd == "signed_extensions":
        return list(rt.signed_extension_identifiers())
    if cmd == "type_id":
        return rt.type_id_of(req["name"])
    if cmd == "type_name":
        return rt.type_name_of(int(req["id"]))
    if cmd == "module_error":
        name, docs = rt.module_error(int(req["pallet_index"]), int(req["error_index"]))
        return {"name": name, "docs": list(docs)}

    # Hashers.
    if cmd in ("twox64", "twox128", "twox256"):
        return twox(unhex(req["data"]), {"twox64": 1, "twox128": 2, "twox256": 4}[cmd]).hex()
    if cmd == "twox64_concat":
        data = unhex(req["data"])
        return (twox(data, 1) + data).hex()
    if cmd in ("blake2_128", "blake2_256"):
        return blake2(unhex(req["data"]), 16 if cmd == "blake2_128" else 32).hex()
    if cmd == "blake2_128_concat":
        data = unhex(req["data"])
        return (blake2(data, 16) + data).hex()
    if cmd == "blake2b":
        return blake2(unhex(req["data"]), int(req.get("size", 32)), unhex(req.get("key") or "")).hex()

    # Addresses.
    if cmd == "ss58_encode":
        return core.ss58_encode(unhex(req["public_key"]), int(req.get("prefix", 42)))
    if cmd == "ss58":
        return core.ss58_encode(unhex(req["public_key"]), 42)
    if cmd == "ss58_decode":
        public_key = bytes(core.ss58_decode(req["address"]))
        if "prefix" in req and core.ss58_encode(public_key, int(req["prefix"])) != req["address"]:
            raise ValueError(f"{req['address']} is not an SS58 address with prefix {req['prefix']}")
        return public_key.hex()

    # Keys.
    if cmd == "keypair":
        kp = keypair(req)
        return {"public_key": bytes(kp.public_key).hex(), "ss58": kp.ss58_address, "scheme": NAMES[kp.crypto_type],
                "private_key": private_key_of(kp), "keyfile_json": bytes(core.serialized_keypair_to_keyfile_data(kp)).decode()}
    if cmd == "sign":
        return bytes(keypair(req).sign(unhex(req["message"]))).hex()
    if cmd == "verify":
        crypto = SCHEMES[req.get("scheme", "sr25519")]
        address = req.get("address") or core.ss58_encode(unhex(req["public_key"]), 42)
        return bool(core.verify(unhex(req["message"]), unhex(req["signature"]), address, crypto))
    if cmd == "write_keyfile":
        return write_keyfile(req)
    if cmd == "read_keyfile":
        return read_keyfile(req)
    if cmd == "sign_keyfile":
        from bittensor.keyfiles import Keyfile
        kp = Keyfile(keyfile_path(req)).get_keypair(password=req.get("keyfile_password"))
        return bytes(kp.sign(unhex(req["message"]))).hex()
    if cmd == "encrypt":
        return bytes(core.encrypt_keyfile_data(unhex(req["data"]), req["keyfile_password"])).hex()
    if cmd == "decrypt":
        return bytes(core.decrypt_keyfile_data(unhex(req["data"]), req["keyfile_password"])).hex()

    # Calls and extrinsics.
    if cmd == "compose_call":
        return bytes(rt.compose_call(req["pallet"], req["call"], sdk_value(req.get("args", {})))).hex()
    if cmd == "decode_call":
        return plain(rt.decode_call(unhex(req["data"])))
    if cmd == "encode_era":
        return bytes(rt.encode_era(era(req))).hex()
    if cmd == "era_birth":
        return core.era_birth(int(req["period"]), int(req["current"]))
    if cmd == "signature_payload":
        return signature_payload(rt, req).hex()
    if cmd == "signature_payload_parts":
        fields = signing_fields(req)
        call = unhex(req["call"])
        extra, additional = rt.signature_payload_parts(**fields)
        unhashed = call + bytes(extra) + bytes(additional)
        payload = bytes(rt.signature_payload(call, **fields))
        return {"call": call.hex(), "extra": bytes(extra).hex(), "additional": bytes(additional).hex(),
                "unhashed": unhashed.hex(), "payload": payload.hex(), "hashed": payload != unhashed}
    if cmd == "encode_signed_extrinsic":
        return encode_signed_extrinsic(rt, req)
    if cmd == "decode_extrinsic":
        return plain(rt.decode_extrinsic(unhex(req["data"]), bool(req.get("strict", True))))
    raise ValueError(f"unknown command {cmd!r}")


METADATA_COMMANDS = {
    "storage_items", "storage_entry", "storage_prefix", "storage_key", "decode_storage_key_params",
    "identify_storage_key", "decode", "encode", "storage_value_decode", "pallets", "constant",
    "signed_extensions", "type_id", "type_name", "module_error", "compose_call", "decode_call",
    "encode_era", "signature_payload", "signature_payload_parts", "encode_signed_extrinsic", "decode_extrinsic",
}


def main(argv):
    if "--metadata" in argv:
        Runtimes.default = (argv[argv.index("--metadata") + 1], None, None, None)
    body = json.load(sys.stdin)
    if isinstance(body, dict):  # {"metadata": path, "requests": [...]} is accepted too
        if "metadata" in body:
            Runtimes.default = (body["metadata"], body.get("spec_version"), body.get("transaction_version"), body.get("ss58_format"))
        body = body["requests"]
    answers = []
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # nothing but the answers may reach stdout
        for req in body:
            try:
                answers.append({"ok": handle(req)})
            except Exception as exc:  # the caller asserts on the class name
                message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
                answers.append({"error": type(exc).__name__, "message": str(message)})
    json.dump(answers, out)
    out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
