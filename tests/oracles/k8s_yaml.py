#!/usr/bin/env python3
"""An independent reader of Kubernetes YAML, as Argo CD reads it: the test oracle for
bcp-render's own reader and emitter.

Argo CD (like kubectl) splits a stream on lines that are `---` (with at most a comment),
decodes each piece's first document with go-yaml v2 (YAML 1.1 resolution of plain
scalars, merge keys in document order, tags as go-yaml treats them), converts it to JSON
with sigs.k8s.io/yaml (keys made strings), reads the JSON keeping integers that fit int64,
and flattens every object whose `items` is a list. This module rebuilds that from PyYAML's
parser *events* (which keep scalar styles and tags; PyYAML's own YAML 1.1 resolver differs
from go-yaml's in many places and is not used).

    python3 k8s_yaml.py compare DIR
    python3 k8s_yaml.py documents FILE

DIR holds pairs `<n>.in` (what Argo CD would read) and `<n>.out` (what bcp-render printed
for it). For each pair it prints `<n> SAME`, `<n> DIFFERENT <detail>` or `<n> ERROR <side>
<message>`, comparing the objects of `.in` with those of `.out` without bcp-render's own
annotations and ConfigMaps. `documents` prints a stream's documents as one JSON list.
"""
import base64
import json
import math
import os
import re
import sys

import yaml

INT64_MIN, INT64_MAX, UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1
TAG = "tag:yaml.org,2002:"


class ReadError(Exception):
    pass


# ---- go-yaml v2 resolve() for plain scalars -------------------------------------------

BOOLS = {**{k: True for k in "y Y yes Yes YES true True TRUE on On ON".split()},
         **{k: False for k in "n N no No NO false False FALSE off Off OFF".split()}}
NULLS = {"", "~", "null", "Null", "NULL"}
SPECIAL_FLOATS = {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan,
                  ".inf": math.inf, ".Inf": math.inf, ".INF": math.inf,
                  "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf,
                  "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf}
YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def parse_uint(s):
    """Go's strconv.ParseUint(s, 0, 64)."""
    if not s:
        raise ValueError
    base = 10
    if s[0] == "0" and len(s) >= 3 and s[1] in "bBoOxX":
        base, s = {"b": 2, "o": 8, "x": 16}[s[1].lower()], s[2:]
    elif s[0] == "0" and len(s) > 1:
        base, s = 8, s[1:]
    if not s or not all(c in "0123456789abcdefABCDEF"[:base if base <= 10 else 22] for c in s):
        raise ValueError
    n = int(s, base)
    if n > UINT64_MAX:
        raise ValueError
    return n


def parse_int(s):
    """Go's strconv.ParseInt(s, 0, 64)."""
    neg = s[:1] == "-"
    body = s[1:] if s[:1] in "+-" else s
    n = parse_uint(body)
    n = -n if neg else n
    if not INT64_MIN <= n <= INT64_MAX:
        raise ValueError
    return n


def parse_float(s):
    """Go's strconv.ParseFloat(s, 64) on decimal text: out of range is an error."""
    if not re.match(r"^[-+]?[0-9._]*([eE][-+]?[0-9_]+)?$", s) or "_" in s:
        raise ValueError
    f = float(s)
    if math.isinf(f):
        raise ValueError
    return f


def resolve(text):
    """A plain scalar's value: (kind, value), kind one of null bool int uint float str."""
    if text in BOOLS:
        return "bool", BOOLS[text]
    if text in NULLS:
        return "null", None
    if text in SPECIAL_FLOATS:
        return "float", SPECIAL_FLOATS[text]
    first = text[:1]
    if first == ".":
        try:
            return "float", parse_float(text)
        except ValueError:
            return "str", text
    if first and first in "+-0123456789":
        if re.match(r"^[0-9]{4}-", text):
            return "str", text  # timestamps stay text when decoded into interface{}
        plain = text.replace("_", "")
        try:
            return "int", parse_int(plain)
        except ValueError:
            pass
        try:
            if plain[:1] != "+":
                return "uint", parse_uint(plain)
        except ValueError:
            pass
        if YAML_FLOAT.match(plain):
            try:
                return "float", parse_float(plain)
            except ValueError:
                pass
    return "str", text


# ---- nodes from PyYAML events, then go-yaml v2's decoding ------------------------------

class Node:
    def __init__(self, kind, tag=None, value=None, plain=False):
        self.kind, self.tag, self.value, self.plain = kind, tag, value, plain
        self.children = []
        self.target = None


def first_document(text):
    """The first document of a piece, as nodes (go-yaml's Unmarshal reads only that)."""
    anchors, stack, root = {}, [], None
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(ev, yaml.DocumentEndEvent):
            break
        if isinstance(ev, yaml.AliasEvent):
            if ev.anchor not in anchors:
                raise ReadError("unknown anchor " + ev.anchor)
            n = Node("alias")
            n.target = anchors[ev.anchor]
        elif isinstance(ev, yaml.ScalarEvent):
            n = Node("scalar", ev.tag, ev.value, plain=ev.implicit[0] or ev.tag == "!")
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            n = Node("map" if isinstance(ev, yaml.MappingStartEvent) else "seq", ev.tag)
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            continue
        else:
            continue
        if getattr(ev, "anchor", None):
            anchors[ev.anchor] = n
        if stack:
            stack[-1].children.append(n)
        else:
            root = n
        if n.kind in ("map", "seq"):
            stack.append(n)
    return root


def scalar(n):
    tag = n.tag
    if tag == "!" or (not tag and not n.plain) or tag == TAG + "str":
        return "str", n.value
    if not tag:
        return resolve(n.value)
    if tag == TAG + "binary":
        try:
            raw = base64.b64decode(n.value.replace("\n", "").replace("\r", ""), validate=True)
        except Exception:
            raise ReadError("!!binary value contains invalid base64 data")
        return "str", raw.decode("utf-8", errors="replace")
    wanted = {TAG + "bool": "bool", TAG + "int": "int", TAG + "float": "float",
              TAG + "null": "null", TAG + "timestamp": "timestamp"}.get(tag)
    if wanted is None:
        return "str", n.value  # any other tag: the raw text
    kind, value = resolve(n.value)
    if wanted == "timestamp" and re.match(r"^[0-9]{4}-", n.value):
        return "str", n.value
    if kind == "uint":
        kind = "int"
    if kind == wanted:
        return kind, value
    if wanted == "float" and kind == "int":
        return "float", float(value)
    raise ReadError("cannot decode %s as a %s" % (kind, wanted))


def key_of(k):
    """go-yaml's key identity: (type, value)."""
    if k is None:
        return ("null", None)
    if isinstance(k, bool):
        return ("bool", k)
    if isinstance(k, int):
        return ("int", k)
    if isinstance(k, float):
        return ("float", k)
    return ("str", k)


class Decoder:
    def __init__(self):
        self.active = set()

    def decode(self, n):
        if n.kind == "alias":
            if id(n) in self.active:
                raise ReadError("anchor value contains itself")
            self.active.add(id(n))
            try:
                return self.decode(n.target)
            finally:
                self.active.discard(id(n))
        if n.kind == "scalar":
            return scalar(n)[1]
        if n.kind == "seq":
            return [self.decode(c) for c in n.children]
        out = {}
        self.mapping_into(n, out)
        return out

    def mapping_into(self, n, out):
        ch = n.children
        for i in range(0, len(ch), 2):
            k, v = ch[i], ch[i + 1]
            if k.kind == "scalar" and k.value == "<<" and (k.plain or k.tag == TAG + "merge"):
                self.merge(v, out)
                continue
            key = self.decode(k)
            if isinstance(key, (dict, list)):
                raise ReadError("invalid map key")
            out[key_of(key)] = self.decode(v)

    def merge(self, v, out):
        fail = ReadError("map merge requires map or sequence of maps as the value")
        if v.kind == "map":
            self.mapping_into(v, out)
        elif v.kind == "alias":
            if v.target.kind != "map":
                raise fail
            self.mapping_into(v.target, out)
        elif v.kind == "seq":
            for item in reversed(v.children):
                target = item.target if item.kind == "alias" else item
                if target.kind != "map":
                    raise fail
                self.mapping_into(target, out)
        else:
            raise fail


def float32_g(x):
    """strconv.FormatFloat(x, 'g', -1, 32), as sigs.k8s.io/yaml writes float keys."""
    import struct
    v = struct.unpack("f", struct.pack("f", x))[0]
    for p in range(1, 10):
        s = "%.*e" % (p - 1, v)
        if struct.unpack("f", struct.pack("f", float(s)))[0] == v:
            break
    mant, exp = s.split("e")
    exp = int(exp)
    digits = mant.replace(".", "").replace("-", "")
    if exp < -4 or exp >= 6:
        m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        out = m + "e" + ("-" if exp < 0 else "+") + "%02d" % abs(exp)
    else:
        dp = exp + 1
        if dp <= 0:
            out = "0." + "0" * (-dp) + digits
        elif dp >= len(digits):
            out = digits + "0" * (dp - len(digits))
        else:
            out = digits[:dp] + "." + digits[dp:]
    return ("-" if v < 0 else "") + out


def to_json(v):
    """sigs.k8s.io/yaml's conversion, then Kubernetes' JSON reading of numbers."""
    if isinstance(v, dict):
        out = {}
        for (kind, k), val in v.items():
            if kind == "str":
                s = k
            elif kind == "bool":
                s = "true" if k else "false"
            elif kind == "int" and k <= INT64_MAX:
                s = str(k)
            elif kind == "float":
                s = float32_g(k)
            else:
                raise ReadError("unsupported map key")
            if s in out:
                raise ReadError("keys collide after conversion to strings")
            out[s] = to_json(val)
        return out
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        raise ReadError("json: unsupported value")
    # JSON text without '.' that fits int64 is an int64; everything else a float64.
    if isinstance(v, int):
        return v if INT64_MIN <= v <= INT64_MAX else float(v)
    if v == int(v) and abs(v) < 1e21:
        i = int(v)
        return i if INT64_MIN <= i <= INT64_MAX else v
    return v


# ---- streams and objects ---------------------------------------------------------------

def pieces(text):
    """kubectl's YAMLReader: split on `---` lines (the rest blank or a comment)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # Each line is read without its break and given back a "\n", the last one too.
    out, cur = [], []
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if line.startswith("---"):
            rest = line[3:].strip()
            if rest == "" or rest.startswith("#"):
                out.append("".join(cur))
                cur = []
                continue
            raise ReadError("invalid document separator")
        cur.append(line + "\n")
    out.append("".join(cur))
    return out


def objects(text):
    """The objects Argo CD gets from a stream, in order."""
    found = []
    for piece in pieces(text):
        root = first_document(piece)
        if root is None:
            continue
        v = to_json(Decoder().decode(root))
        if v is None:
            continue
        if not isinstance(v, dict):
            raise ReadError("a document is not a mapping")
        items = v.get("items", 0)
        if isinstance(items, list):
            found.extend(items)
        elif items is None and "spec" not in v and "status" not in v and "items" in v:
            continue
        else:
            found.append(v)
    return found


def without_ours(objs):
    out = []
    for o in objs:
        meta = o.get("metadata") or {}
        if (meta.get("labels") or {}).get("app.kubernetes.io/managed-by") == "bcp-render":
            continue
        ann = meta.get("annotations")
        if isinstance(ann, dict):
            for k in [k for k in ann if k.startswith("bcp-render.dev/")]:
                del ann[k]
        out.append(o)
    return out


def no_empty_annotations(o):
    """An empty or null annotation map is no annotations, to the API server: bcp-render,
    which adds its own, may write one where the input had none, or none for an empty one."""
    meta = o.get("metadata")
    if isinstance(meta, dict) and "annotations" in meta and not meta["annotations"]:
        del meta["annotations"]
    return o


def canonical(o):
    # JSON keeps 1 and 1.0 apart, and True and 1, as Kubernetes does.
    return json.dumps(no_empty_annotations(o), sort_keys=True, ensure_ascii=False)


def compare(d):
    names = sorted({f.rsplit(".", 1)[0] for f in os.listdir(d)}, key=lambda n: (len(n), n))
    for n in names:
        try:
            a = [canonical(o) for o in objects(open(os.path.join(d, n + ".in"), encoding="utf-8").read())]
        except (ReadError, yaml.YAMLError) as e:
            print(n, "ERROR in", str(e).replace("\n", " ")[:200])
            continue
        try:
            b = [canonical(o) for o in without_ours(objects(open(os.path.join(d, n + ".out"), encoding="utf-8").read()))]
        except (ReadError, yaml.YAMLError) as e:
            print(n, "ERROR out", str(e).replace("\n", " ")[:200])
            continue
        if sorted(a) == sorted(b):
            print(n, "SAME")
        else:
            extra_in = sorted(set(a) - set(b))[:1]
            extra_out = sorted(set(b) - set(a))[:1]
            print(n, "DIFFERENT", "input:", extra_in, "output:", extra_out)


def documents(text):
    """Every document of a stream, as JSON values (no flattening)."""
    out = []
    for piece in pieces(text):
        root = first_document(piece)
        if root is not None:
            out.append(to_json(Decoder().decode(root)))
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "compare":
        compare(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "documents":
        print(json.dumps(documents(open(sys.argv[2], encoding="utf-8").read()), ensure_ascii=False))
    else:
        sys.exit(__doc__)
