// SPDX-License-Identifier: MIT
// The golden and malformed vectors of tests/vectors/ through the WebAssembly
// build: the same JSON, the same canonical bytes, the same statuses and
// offsets as the C build (tests/test_vectors.c checks the C side against
// the same files).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
    decodeUpstream, decodeDownstream, encodeUpstream, encodeDownstream, toProtoJSON, WpsError, _bench,
} from '../wpspb.mjs';

const dir = new URL('../../../tests/vectors/', import.meta.url);
const rows = (name) => readFileSync(new URL(name, dir), 'utf8').split('\n')
    .filter((l) => l && !l.startsWith('#')).map((l) => l.split('\t'));
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (u) => Buffer.from(u).toString('hex');
const codec = (d) => d === 'down'
    ? { decode: decodeDownstream, encode: encodeDownstream }
    : { decode: decodeUpstream, encode: encodeUpstream };

const golden = rows('golden.tsv');
const malformed = rows('malformed.tsv');

test('the vector files are there', () => {
    assert.ok(golden.length > 250, `golden.tsv: ${golden.length} rows`);
    assert.ok(malformed.length > 9000, `malformed.tsv: ${malformed.length} rows`);
});

// Twice: frames decoded in one call, and through the streaming decoder fed
// in windows (the path of large frames, forced here for every frame).
const MODES = [['', Infinity], ['windowed ', 1]];
for (const [mode, from] of MODES) for (const [d, name, h, json, canonHex] of golden) {
    test(`${mode}golden ${name}`, () => {
        _bench.streamFrom(from);
        const { decode, encode } = codec(d);
        const m = decode(unhex(h));
        assert.deepEqual(toProtoJSON(m), JSON.parse(json), 'JSON of the decoded message');
        // Our encoder writes a map's entries sorted by key, one per key (a
        // decoded map is a JavaScript object): libprotobuf's bytes, always.
        assert.equal(hex(encode(m)), canonHex, 'encoding of the decoded message');
        const c = decode(unhex(canonHex));
        assert.deepEqual(toProtoJSON(c), JSON.parse(json), 'JSON of canon_hex');
        assert.equal(hex(encode(c)), canonHex, 're-encoding of canon_hex');
    });
}

// One test per status and direction; each checks every vector of its class
// and reports every mismatch.
const classes = new Map();
for (const r of malformed) {
    const key = `${r[0]} ${r[3]}`;
    if (!classes.has(key)) classes.set(key, []);
    classes.get(key).push(r);
}
for (const [mode, from] of MODES) for (const [key, list] of classes) {
    test(`${mode}malformed ${key} (${list.length} vectors)`, () => {
        _bench.streamFrom(from);
        const bad = [];
        for (const [d, name, h, status, offset] of list) {
            const { decode } = codec(d);
            const input = unhex(h);
            let got;
            try {
                decode(input);
                got = `PBW_OK ${input.length}`;
            } catch (e) {
                if (!(e instanceof WpsError)) throw e;
                got = `${e.status} ${e.offset}`;
            }
            if (got !== `${status} ${offset}`) bad.push(`${name}: got ${got}, want ${status} ${offset}`);
        }
        assert.deepEqual(bad.slice(0, 20), [], `${bad.length} of ${list.length} differ`);
    });
}
