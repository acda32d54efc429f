#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Canonical maps: the differential's messages (gen_cases.py's generator:
map entries shuffled, keys repeated with an earlier value, every other
perturbation), kept when libprotobuf accepts them, with libprotobuf's
deterministic serialisation of its own parse as the expectation.

    /usr/bin/python3 tests/diff/canon_maps.py --dir up|down --count N --seed S OUT_PREFIX

writes OUT_PREFIX.hex (the input bytes) and OUT_PREFIX.expect (the bytes
SerializeToString(deterministic=True) gives, unknown fields discarded as our
decoder discards them), one hex line each, and prints how many of the
messages carry a map entry, and how many of those came unsorted or with a
repeated key (so that the check cannot pass vacuously).
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_cases  # noqa: E402
pbref = gen_cases.pbref


def entries(m):
    """(key list in wire order) of every map field anywhere in m."""
    out = []
    for f, v in m.ListFields():
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            out.append(list(v.keys()))
        elif f.label == f.LABEL_REPEATED and f.message_type is not None:
            for x in v:
                out += entries(x)
        elif f.message_type is not None:
            out += entries(v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dir', choices=['up', 'down'], required=True)
    ap.add_argument('--count', type=int, default=20000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('out')
    a = ap.parse_args()
    cls = pbref.Up if a.dir == 'up' else pbref.Down
    r = random.Random('canon-%s-%d' % (a.dir, a.seed))
    kept = with_maps = 0
    with open(a.out + '.hex', 'w') as fh, open(a.out + '.expect', 'w') as fe:
        for _ in range(a.count):
            m = gen_cases.fill(cls(), r)
            data = gen_cases.ser(m, r)  # shuffled entries, repeated keys, ...
            if r.random() < 0.15:
                data += gen_cases.ser(gen_cases.fill(cls(), r), r)  # merged
            parsed = pbref.parse(cls, data)
            if parsed is None:
                continue
            parsed.DiscardUnknownFields()
            kept += 1
            if any(entries(parsed)):
                with_maps += 1
            fh.write(data.hex() + '\n')
            fe.write(pbref.serialize(parsed).hex() + '\n')
    print('%s: %d messages, %d with map entries' % (a.out, kept, with_maps))
    if with_maps < kept // 10:
        sys.exit('too few map cases')


if __name__ == '__main__':
    main()
