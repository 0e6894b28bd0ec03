#!/usr/bin/env python3
"""Generate Draft 4 JSON Schemas for kgateway's BackendConfigPolicy and Backend from the CRDs.

Run by hand when a kgateway release is added (Python 3 + PyYAML):

    python3 scripts/gen-schemas.py ../shared/reference/kgateway-crds schemas

Input:  <crds>/<release>/gateway.kgateway.dev_{backendconfigpolicies,backends}.yaml
Output: <out>/<release>/{backendconfigpolicy,backend}.json (sorted keys, 2-space indent,
        trailing newline, so the output is deterministic and diffs are reviewable).
        `schemas/core/*.json` are hand written and not touched by this script.

Each CRD's `openAPIV3Schema` (storage version) is normalised for a Draft 4 validator:
  * `additionalProperties: false` on every object with `properties` (unknown fields are errors,
    like kubectl --validate=strict), except nodes marked `x-kubernetes-preserve-unknown-fields`
    or `x-kubernetes-embedded-resource`. At the top level only apiVersion, kind, metadata, spec
    and status are allowed; `metadata` stays a free-form `type: object`.
  * `nullable: true` -> `null` added to `type` (and to `enum`).
  * `x-kubernetes-int-or-string: true` -> `anyOf: [integer, string]` unless anyOf/oneOf exists.
  * `format: int32` -> `minimum`/`maximum` of int32 where not already tighter (the API server
    checks the range; the validator ignores unknown formats); `format: int64` is dropped.
  * every `x-kubernetes-*` key and every `description` is dropped. The CEL rules
    (`x-kubernetes-validations`) are implemented in Rust (src/validate/rules.rs).
  * the CEL rules are also listed in <out>/<release>/<kind>.rules.json ({path, rule, message});
    a unit test checks that Rust implements each one with the same message.
  * `default` values are kept: bcp-render applies them after validation (src/defaults.rs).
"""

import json
import os
import sys

import yaml

KINDS = {
    "backendconfigpolicies": "backendconfigpolicy",
    "backends": "backend",
}
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def normalise(node):
    if isinstance(node, list):
        return [normalise(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key in ("description", "nullable", "format"):
            continue
        if key == "properties":
            out[key] = {k: normalise(v) for k, v in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = normalise(value) if isinstance(value, (dict, list)) else value
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [normalise(v) for v in value]
        else:
            out[key] = value

    fmt = node.get("format")
    if fmt is not None and fmt not in ("int32", "int64"):
        out["format"] = fmt
    if fmt == "int32":
        if "minimum" not in out or out["minimum"] < INT32_MIN:
            out["minimum"] = INT32_MIN
        if "maximum" not in out or out["maximum"] > INT32_MAX:
            out["maximum"] = INT32_MAX

    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out and "oneOf" not in out:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]

    if node.get("nullable"):
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = out["enum"] + [None]
        if "anyOf" in out:
            out["anyOf"] = out["anyOf"] + [{"type": "null"}]

    open_object = node.get("x-kubernetes-preserve-unknown-fields") or node.get(
        "x-kubernetes-embedded-resource"
    )
    if "properties" in out and not open_object and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def cel_rules(node, path, out):
    """Every x-kubernetes-validations rule as {path, rule, message}; `*` stands for list items."""
    if not isinstance(node, dict):
        return
    for r in node.get("x-kubernetes-validations") or []:
        out.append({"path": path, "rule": r["rule"], "message": r.get("message", "")})
    for name, child in sorted((node.get("properties") or {}).items()):
        cel_rules(child, f"{path}/{name}", out)
    if isinstance(node.get("items"), dict):
        cel_rules(node["items"], f"{path}/*", out)


def storage_schema(crd):
    versions = crd["spec"]["versions"]
    version = next((v for v in versions if v.get("storage")), versions[0])
    return version["schema"]["openAPIV3Schema"]


def convert(crd):
    schema = normalise(storage_schema(crd))
    schema["$schema"] = "http://json-schema.org/draft-04/schema#"
    schema["additionalProperties"] = False
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    crds, out = sys.argv[1], sys.argv[2]
    for release in sorted(os.listdir(crds)):
        rel_dir = os.path.join(crds, release)
        if not os.path.isdir(rel_dir):
            continue
        os.makedirs(os.path.join(out, release), exist_ok=True)
        for plural, name in KINDS.items():
            with open(os.path.join(rel_dir, f"gateway.kgateway.dev_{plural}.yaml")) as f:
                crd = yaml.safe_load(f)
            path = os.path.join(out, release, f"{name}.json")
            with open(path, "w") as f:
                json.dump(convert(crd), f, indent=2, sort_keys=True)
                f.write("\n")
            print(path)
            rules = []
            cel_rules(storage_schema(crd), "", rules)
            path = os.path.join(out, release, f"{name}.rules.json")
            with open(path, "w") as f:
                json.dump(rules, f, indent=2, sort_keys=True)
                f.write("\n")
            print(path)


if __name__ == "__main__":
    main()
