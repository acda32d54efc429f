#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential cases: random messages, perturbed encodings, mutated bytes.

    /usr/bin/python3 tests/diff/gen_cases.py --dir up|down --count N --seed S OUT_PREFIX

writes OUT_PREFIX.hex (one message per line, hex) and OUT_PREFIX.expect (one
JSON line per message).  The expectation of an accepted message is
libprotobuf's own parse printed as canonical JSON (tools/wps_json.h); of a
rejected one, {"error": STATUS, "offset": N} from tests/wire_model.py, whose
accept/reject verdict must equal libprotobuf's (the script stops otherwise).
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import pbref  # noqa: E402
import wire_model  # noqa: E402
from google.protobuf import descriptor as _d  # noqa: E402

FD = _d.FieldDescriptor

STRINGS = ['', 'a', 'group', 'group-1', 'chat', 'caf\u00e9', '\u65e5\u672c\u8a9e',
           '\u2713 ok', '\U0001F600', '\U0010FFFF', '\ufffe', '\x00', 'nul\x00inside',
           'tab\tnew\nline\r', 'quote"back\\slash', '\x01\x1f\x7f', 'x' * 130,
           '\u00e9' * 70, 'Forbidden', 'InternalServerError', 'type.googleapis.com/x.Y',
           '{"a":1}', '<\u2028\u2029>', '\ud7ff\ue000']
U64 = [0, 1, 2, 127, 128, 300, 16383, 16384, 2**31 - 1, 2**31, 2**32 - 1, 2**32,
       2**35, 2**56, 2**63 - 1, 2**63, 2**64 - 1]


def rand_str(r):
    if r.random() < 0.7:
        return r.choice(STRINGS)
    n = r.randrange(0, 40)
    pool = 'abcXYZ019 -_./:"\\\u00e9\u00fc\u65e5\u2713\U0001F600\x00\n'
    return ''.join(r.choice(pool) for _ in range(n))


def rand_bytes(r):
    n = r.choice([0, 0, 1, 2, 3, 5, 16, 64, 129, r.randrange(0, 300)])
    return bytes(r.randrange(256) for _ in range(n))


def rand_scalar(f, r):
    t = f.type
    if t == FD.TYPE_BOOL:
        return r.random() < 0.5
    if t == FD.TYPE_UINT32:
        return r.choice([0, 1, 127, 128, 300, 2**31, 2**32 - 1, r.randrange(2**32)])
    if t == FD.TYPE_INT64:
        return r.choice([0, 1, -1, -5, 2**63 - 1, -2**63, r.randrange(-2**63, 2**63)])
    if t == FD.TYPE_UINT64:
        return r.choice(U64 + [r.randrange(2**64)])
    if t == FD.TYPE_STRING:
        return rand_str(r)
    if t == FD.TYPE_BYTES:
        return rand_bytes(r)
    raise AssertionError(f.full_name)


def fill(m, r, depth=0):
    """Sets a random selection of m's fields (one member per oneof)."""
    desc = m.DESCRIPTOR
    chosen = {}
    for o in desc.oneofs:
        if r.random() < 0.9:
            chosen[o.name] = r.choice(o.fields).name
    for f in desc.fields:
        if f.containing_oneof is not None:
            if chosen.get(f.containing_oneof.name) != f.name:
                continue
        elif r.random() < 0.35:
            continue
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            for _ in range(r.choice([0, 1, 1, 2, 3, 5])):
                getattr(m, f.name)[rand_str(r)] = rand_str(r)
        elif f.label == FD.LABEL_REPEATED:
            for _ in range(r.choice([0, 1, 2, 3])):
                fill(getattr(m, f.name).add(), r, depth + 1)
        elif f.type == FD.TYPE_MESSAGE:
            sub = getattr(m, f.name)
            sub.SetInParent()
            if r.random() < 0.85:
                fill(sub, r, depth + 1)
        else:
            setattr(m, f.name, rand_scalar(f, r))
    return m


# ---- a perturbing serialiser: valid wire bytes, often not canonical ----

varint = wire_model.varint


def pad_for(r):
    return r.choice([1, 2, 3]) if r.random() < 0.05 else 0


def tag(num, wt, r):
    t = varint(num << 3 | wt)
    if r.random() < 0.04 and len(t) < 5:
        t = varint(num << 3 | wt, r.randrange(1, 5 - len(t) + 1))
    return t


def ld(num, payload, r):
    n = varint(len(payload))
    if r.random() < 0.04 and len(n) < 5:
        n = varint(len(payload), r.randrange(1, 5 - len(n) + 1))
    return tag(num, 2, r) + n + payload


def unknown_field(r, known, depth=0):
    while True:
        num = r.choice([3, 12, 18, 19, 30, 100, 1000, 2**29 - 1, r.randrange(1, 40)])
        if num not in known or r.random() < 0.5:
            break
    wt = r.choice([0, 0, 1, 2, 2, 3, 5])
    if wt == 0:
        return tag(num, 0, r) + varint(r.choice(U64))
    if wt == 1:
        return tag(num, 1, r) + bytes(r.randrange(256) for _ in range(8))
    if wt == 5:
        return tag(num, 5, r) + bytes(r.randrange(256) for _ in range(4))
    if wt == 2:
        return ld(num, rand_bytes(r), r)
    inner = b''.join(unknown_field(r, set(), depth + 1)
                     for _ in range(r.choice([0, 1, 2])) if depth < 4)
    return tag(num, 3, r) + inner + tag(num, 4, r)


def scalar_bytes(f, v, r):
    t = f.type
    if t == FD.TYPE_STRING:
        return ld(f.number, v.encode('utf-8'), r)
    if t == FD.TYPE_BYTES:
        return ld(f.number, v, r)
    if t == FD.TYPE_BOOL:
        x = int(v)
        if x and r.random() < 0.1:
            x = r.choice([2, 255, 2**40, 2**64 - 1])
        return tag(f.number, 0, r) + varint(x, pad_for(r))
    if t == FD.TYPE_INT64:
        return tag(f.number, 0, r) + varint(v & (2**64 - 1), pad_for(r))
    if t == FD.TYPE_UINT32 and r.random() < 0.05:
        v |= r.randrange(1, 2**32) << 32  # high bits libprotobuf drops
    return tag(f.number, 0, r) + varint(v, pad_for(r))


def entry_bytes(key, value, r):
    parts = []
    if r.random() > 0.05:
        parts.append(ld(1, key.encode('utf-8'), r))
    if r.random() > 0.05:
        parts.append(ld(2, value.encode('utf-8'), r))
    if r.random() < 0.1:
        parts.insert(0, ld(r.choice([1, 2]), rand_str(r).encode('utf-8'), r))
    if r.random() < 0.1:
        parts.insert(r.randrange(len(parts) + 1), unknown_field(r, {1, 2}))
    if r.random() < 0.1:
        r.shuffle(parts)
    return b''.join(parts)


def ser(m, r, depth=0):
    desc = m.DESCRIPTOR
    pieces = []
    for f, v in m.ListFields():
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            items = list(v.items())
            r.shuffle(items)
            for k, val in items:
                if r.random() < 0.1:  # an earlier entry with the same key
                    pieces.append(ld(f.number, entry_bytes(k, rand_str(r), r), r))
                pieces.append(ld(f.number, entry_bytes(k, val, r), r))
        elif f.label == FD.LABEL_REPEATED:
            for x in v:
                pieces.append(ld(f.number, ser(x, r, depth + 1), r))
        elif f.type == FD.TYPE_MESSAGE:
            if r.random() < 0.1:  # an earlier occurrence to merge with
                junk = fill(type(v)(), r, depth + 1)
                pieces.append(ld(f.number, ser(junk, r, depth + 1), r))
            pieces.append(ld(f.number, ser(v, r, depth + 1), r))
        else:
            if r.random() < 0.1:  # an earlier value the last one replaces
                pieces.append(scalar_bytes(f, rand_scalar(f, r), r))
            pieces.append(scalar_bytes(f, v, r))
    if desc.oneofs and r.random() < 0.1:  # another member first: switched away
        f = r.choice(desc.oneofs[0].fields)
        other = type(m)()
        if f.type == FD.TYPE_MESSAGE:
            getattr(other, f.name).SetInParent()
            fill(getattr(other, f.name), r, depth + 1)
        else:
            setattr(other, f.name, rand_scalar(f, r))
        pieces.insert(0, ser(other, r, depth + 1))
    known = set(desc.fields_by_number)
    for _ in range(r.choice([0, 0, 0, 1, 2])):
        pieces.insert(r.randrange(len(pieces) + 1), unknown_field(r, known))
    if desc.fields and r.random() < 0.05:  # a known number with the wrong wire type
        f = r.choice(desc.fields)
        wrong = 0 if f.type in (FD.TYPE_STRING, FD.TYPE_BYTES, FD.TYPE_MESSAGE) else 2
        pieces.insert(r.randrange(len(pieces) + 1),
                      tag(f.number, wrong, r) + (varint(5) if wrong == 0 else varint(1) + b'\x80'))
    if r.random() < 0.15:
        r.shuffle(pieces)
    return b''.join(pieces)


def deep_groups(n):
    return b''.join(varint((i % 50 + 20) << 3 | 3) for i in range(n)) + \
        b''.join(varint(((n - 1 - i) % 50 + 20) << 3 | 4) for i in range(n))


def mutate(data, r):
    d = bytearray(data)
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        op = r.randrange(9)
        if op == 0 and d:
            i = r.randrange(len(d))
            d[i] ^= 1 << r.randrange(8)
        elif op == 1 and d:
            d[r.randrange(len(d))] = r.choice([0x00, 0x04, 0x06, 0x07, 0x0c, 0x80, 0xff,
                                               0xc0, 0xed, 0xf4, 0xf5, 0x8b, r.randrange(256)])
        elif op == 2:
            d.insert(r.randrange(len(d) + 1), r.randrange(256))
        elif op == 3 and d:
            del d[r.randrange(len(d))]
        elif op == 4 and d:
            del d[r.randrange(len(d)):]
        elif op == 5:
            i = r.randrange(len(d) + 1)
            d[i:i] = r.choice([b'\x80' * 10 + b'\x01', b'\xff' * 11, b'\x08' + b'\x80' * 9 + b'\x7f',
                               b'\x0b', b'\x0c', b'\x0b\x14', b'\x04', b'\x00', b'\x07\x00',
                               b'\x0a\xff\xff\xff\xff\x0f', b'\x0a\x80\x80\x80\x80\x10',
                               b'\x0a\x80\x80\x80\x80\x80\x01', b'\x8a\x80\x80\x80\x80\x00',
                               b'\xed\xa0\x80', b'\xc0\xaf'])
        elif op == 6 and len(d) > 2:
            i = r.randrange(len(d))
            j = r.randrange(i, min(len(d), i + 16) + 1)
            k = r.randrange(len(d) + 1)
            d[k:k] = d[i:j]
        elif op == 7:
            n = r.choice([98, 99, 100, 101, 150])
            i = r.randrange(len(d) + 1)
            d[i:i] = deep_groups(n)
        elif op == 8 and d:
            i = r.randrange(len(d))
            d[i] = (d[i] + r.choice([1, -1, 2, -2, 100])) & 0xff
    return bytes(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', choices=['up', 'down'], required=True)
    ap.add_argument('--count', type=int, default=50000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('out')
    a = ap.parse_args()
    cls = pbref.Up if a.dir == 'up' else pbref.Down
    r = random.Random('%s-%d' % (a.dir, a.seed))
    n_ok = n_err = 0
    with open(a.out + '.hex', 'w') as fh, open(a.out + '.expect', 'w', encoding='utf-8') as fe:
        for i in range(a.count):
            m = fill(cls(), r)
            kind = r.random()
            if kind < 0.3:
                data = pbref.serialize(m)
            else:
                data = ser(m, r)
                if r.random() < 0.15:
                    data += ser(fill(cls(), r), r)  # two messages merge
            if r.random() < 0.45:
                data = mutate(data, r)
            parsed = pbref.parse(cls, data)
            status, off = wire_model.check(cls.DESCRIPTOR, data)
            if (parsed is None) != (status != 'PBW_OK'):
                sys.exit('model and libprotobuf disagree on case %d: %s (%s %d) libprotobuf %s'
                         % (i, data.hex(), status, off, 'rejects' if parsed is None else 'accepts'))
            if parsed is None:
                n_err += 1
                line = json.dumps({'error': status, 'offset': off})
            else:
                n_ok += 1
                line = pbref.to_json(parsed)
            fh.write(data.hex() + '\n')
            fe.write(line + '\n')
    print('%s: %d cases (%d accepted, %d rejected)' % (a.out, a.count, n_ok, n_err))


if __name__ == '__main__':
    main()
