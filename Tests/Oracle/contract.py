#!/usr/bin/env python3
"""Validates TaoStream messages against web-client-spec/schemas/messages.schema.json.

    contract.py --serve

Reads one JSON text per line on stdin and answers one line per line on stdout, in order,
flushed at once: `ok`, or the problems found (one line, `; `-separated). A line is

    {"type": "pong", "id": 1}               a message the server sends, checked by its type
    client {"type": "ping", "id": 1}        a message a client sends (`command_status` is then
                                            the request, not the server's report)
    $defs/CommandRecord {"id": "cmd_…"}     anything checked against one definition (the Redis
                                            payloads: CommandRecord, CommandStatus, Resync, …)

Which schema a message gets is read from the schema itself: `$defs/ServerMessage` and
`$defs/ClientMessage` list the message definitions, and each one's `type` const names its message
type; a type with no definition there is a problem too.

Before the first answer it prints `ready`, once the schema has been loaded and checked against
draft 2020-12 (a broken schema or a missing jsonschema module ends it on stderr with exit 1).
It ends at the end of stdin, and on its own when the process that started it is gone.
"""
import json
import os
import pathlib
import sys
import threading
import time

# Taken first, before the slow imports: the process that started this one.
PARENT = os.getppid()
ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "web-client-spec/schemas/messages.schema.json"
# Problems name values, and a value can be a whole snapshot: each one stays this short, and an
# answer names this many at most.
LIMIT = 400
MOST = 10


def short(text):
    text = " ".join(str(text).split())
    return text if len(text) <= LIMIT else text[:LIMIT] + "…"


def message_schemas(schema, side):
    """Message type → its $defs name, for `side` ("server" or "client")."""
    group = schema["$defs"]["ServerMessage" if side == "server" else "ClientMessage"]
    names = {}
    for entry in group["oneOf"]:
        name = entry["$ref"].removeprefix("#/$defs/")
        names[schema["$defs"][name]["properties"]["type"]["const"]] = name
    return names


class Contract:
    def __init__(self, schema, validator_class):
        validator_class.check_schema(schema)
        self.schema = schema
        self.validator_class = validator_class
        self.types = {side: message_schemas(schema, side) for side in ("server", "client")}
        self.validators = {}

    def validator(self, name):
        if name not in self.validators:
            # With the local $refs put in place: a third faster than resolving them per message.
            root = dict(self.inline(self.schema["$defs"][name], ()), **{"$schema": self.schema["$schema"]})
            self.validators[name] = self.validator_class(root)
        return self.validators[name]

    def inline(self, node, within):
        """`node` with each `#/$defs/…` reference replaced by its definition (`within`: the names
        being inlined, so a recursive definition would keep its reference)."""
        if isinstance(node, list):
            return [self.inline(item, within) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/") and len(node) == 1:
            name = ref.removeprefix("#/$defs/")
            if name in within:
                raise ValueError(f"$defs/{name} refers to itself; contract.py inlines references")
            return self.inline(self.schema["$defs"][name], within + (name,))
        return {key: self.inline(value, within) for key, value in node.items()}

    def problems(self, message, side):
        if not isinstance(message, dict):
            return [f"a {side} message must be a JSON object, not {short(json.dumps(message))}"]
        kind = message.get("type")
        if not isinstance(kind, str):
            return [f"a {side} message without a string `type`"]
        name = self.types[side].get(kind)
        if name is None:
            known = ", ".join(sorted(self.types[side]))
            return [f"no schema for a {side} message of type {kind!r} in web-client-spec/schemas/messages.schema.json (it has: {known})"]
        return self.definition_problems(message, name)

    def definition_problems(self, value, name):
        if name not in self.schema["$defs"]:
            return [f"no definition $defs/{name} in web-client-spec/schemas/messages.schema.json"]
        errors = sorted(self.validator(name).iter_errors(value), key=lambda error: [str(part) for part in error.absolute_path])
        problems = [f"{short(error.message)} at /{'/'.join(str(part) for part in error.absolute_path)} ($defs/{name})" for error in errors[:MOST]]
        if len(errors) > MOST:
            problems.append(f"and {len(errors) - MOST} more")
        return problems

    def answer(self, line):
        target = "server"
        if line.startswith(b"client "):
            target, line = "client", line[len(b"client "):]
        elif line.startswith(b"$defs/"):
            name, _, line = line.partition(b" ")
            target = name.decode("utf-8", "replace")
        try:
            value = json.loads(line)
        except ValueError as error:
            return f"not JSON ({error}): {short(line.decode('utf-8', 'replace'))}"
        if target in ("server", "client"):
            problems = self.problems(value, target)
        else:
            problems = self.definition_problems(value, target.removeprefix("$defs/"))
        return "; ".join(problems) if problems else "ok"


def watch_parent():
    """Ends this process when the one that started it is gone (its stdin may stay open elsewhere)."""
    while os.getppid() == PARENT:
        time.sleep(1)
    os._exit(0)


def serve():
    try:
        from jsonschema import Draft202012Validator
    except ImportError as error:
        sys.exit(f"contract.py: {error}; run `bash scripts/setup-python.sh` to install jsonschema in .venv-oracle")
    contract = Contract(json.loads(SCHEMA_PATH.read_text()), Draft202012Validator)
    threading.Thread(target=watch_parent, daemon=True).start()
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    # Every line gets exactly one answer, in order: callers match answers to lines by position.
    for line in sys.stdin.buffer:
        line = line.rstrip(b"\r\n")
        try:
            answer = contract.answer(line)
        except Exception as error:  # a bug here must not stop the answers the tests wait for
            answer = f"contract.py failed on this message: {error!r}"
        out.write(answer.replace("\n", " ").encode("utf-8", "replace") + b"\n")
        out.flush()


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        sys.exit(__doc__)
    serve()
