#!/usr/bin/env python3
"""Validates messages against web-client-spec/schemas/messages.schema.json.

Input on stdin: {"server": [messages the server sent], "client": [messages a client sends]}.
Output: a JSON list of problems (empty when every message validates); each server message is
checked against the schema of its `type`, each client message likewise.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "web-client-spec/schemas/messages.schema.json").read_text())
CLIENT = {"command_status": "command_status_request"}


def check(message, side):
    kind = message.get("type") if isinstance(message, dict) else None
    name = CLIENT.get(kind, kind) if side == "client" else kind
    if name not in SCHEMA["$defs"]:
        return [f"{side} message of unknown type {kind!r}: {message}"]
    schema = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{name}"}
    return [f"{side} {kind}: {error.message} at {list(error.absolute_path)}" for error in Draft202012Validator(schema).iter_errors(message)]


def main():
    data = json.load(sys.stdin)
    problems = []
    for message in data.get("server", []):
        problems += check(message, "server")
    for message in data.get("client", []):
        problems += check(message, "client")
    Draft202012Validator.check_schema(SCHEMA)
    json.dump(problems, sys.stdout)


if __name__ == "__main__":
    main()
