#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Validate a JSON document against a JSON Schema, with the standard library only.

usage: json-schema.py SCHEMA DOCUMENT
       json-schema.py --by-command SCHEMA_DIR DOCUMENT...

Supports the subset the tests' schemas use: type (also a list), properties,
required, additionalProperties (bool or schema), items, enum, const, minimum,
minLength, pattern, $ref to "#/$defs/NAME", and anyOf. An unknown keyword is an
error, so a schema cannot silently ask for more than is checked. Prints each
violation with its JSON path and exits 1 when there is any.

With --by-command, each DOCUMENT is checked against SCHEMA_DIR/COMMAND.json,
COMMAND being the document's own "command" key (every gpuprep --json document
carries it; null, for an error before any command, uses error.json). A
document beside a DOCUMENT.args file is named by that command line.
"""
import os
import json
import re
import sys

KNOWN = {
    "$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties",
    "required", "additionalProperties", "items", "enum", "const", "minimum",
    "minLength", "pattern", "anyOf",
}

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def nearness(errors):
    """The branch of an anyOf a document most likely meant: the fewest errors, then the
    deepest (a branch that failed only on a discriminator, such as a step's name, is
    shallower than the one whose name matched and whose detail did not)."""
    return (len(errors), -max((len(e.split(": ", 1)[0]) for e in errors), default=0))


def validate(schema, value, path, root, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        raise SystemExit(f"schema at {path}: unsupported keywords {sorted(unknown)}")
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/$defs/"):
            raise SystemExit(f"schema at {path}: unsupported $ref {ref}")
        validate(root["$defs"][ref[len("#/$defs/"):]], value, path, root, errors)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            errors.append(f"{path}: {json.dumps(value)[:80]} is not of type {'/'.join(types)}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {json.dumps(value)} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {json.dumps(value)} is not {json.dumps(schema['const'])}")
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        errors.append(f"{path}: {value} is below {schema['minimum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: {json.dumps(value)} does not match {schema['pattern']}")
    if "anyOf" in schema:
        branches = [collect(s, value, path, root) for s in schema["anyOf"]]
        if all(branches):
            errors.append(f"{path}: matches none of anyOf; the nearest: " +
                          "; ".join(min(branches, key=nearness)))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required key '{key}'")
        extra = schema.get("additionalProperties", True)
        for key, v in value.items():
            if key in props:
                validate(props[key], v, f"{path}.{key}", root, errors)
            elif extra is False:
                errors.append(f"{path}: unexpected key '{key}'")
            elif isinstance(extra, dict):
                validate(extra, v, f"{path}.{key}", root, errors)
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            validate(schema["items"], v, f"{path}[{i}]", root, errors)


def collect(schema, value, path, root):
    errors = []
    validate(schema, value, path, root, errors)
    return errors


def by_command(schema_dir, docs):
    bad = 0
    for path in docs:
        name = path
        if os.path.exists(path[:-len(".json")] + ".args"):
            with open(path[:-len(".json")] + ".args") as f:
                name = f"{path} (gpuprep {f.read().strip()})"
        try:
            with open(path) as f:
                doc = json.load(f)
        except json.JSONDecodeError as e:
            print(f"{name}: not JSON: {e}")
            bad += 1
            continue
        if not isinstance(doc, dict):
            print(f"{name}: not a JSON object")
            bad += 1
            continue
        command = doc.get("command") or "error"
        schema_path = os.path.join(schema_dir, f"{command}.json")
        if not os.path.exists(schema_path):
            print(f"{name}: no schema for command {command!r} ({schema_path})")
            bad += 1
            continue
        with open(schema_path) as f:
            schema = json.load(f)
        errors = collect(schema, doc, "$", schema)
        for e in errors:
            print(f"{name}: {os.path.basename(schema_path)}: {e}")
        bad += 1 if errors else 0
    return 1 if bad else 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--by-command":
        return by_command(sys.argv[2], sys.argv[3:])
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.strip().splitlines()[2])
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    with open(sys.argv[2]) as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            print(f"{sys.argv[2]}: not JSON: {e}")
            return 1
    errors = collect(schema, doc, "$", schema)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
