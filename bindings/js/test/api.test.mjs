// SPDX-License-Identifier: MIT
// The JavaScript API around the WebAssembly codec: number/bigint ids,
// zero-copy payloads, growth of the module's memory, argument errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
    decodeUpstream, decodeDownstream, encodeUpstream, encodeDownstream, toProtoJSON, WpsError, receivers,
} from '../wpspb.mjs';

const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const hex = (u) => Buffer.from(u).toString('hex');

test('64-bit ids: numbers while safe, bigints beyond; both encode', () => {
    for (const [v, want] of [[0, 0], [1, 1], [2 ** 32, 2 ** 32], [2 ** 53 - 1, 2 ** 53 - 1],
        [2n ** 53n, 2n ** 53n], [2n ** 64n - 1n, 2n ** 64n - 1n]]) {
        const frame = encodeDownstream({ kind: 'ackMessage', ackId: v, success: true });
        const m = decodeDownstream(frame);
        assert.equal(m.ackId, want);
        assert.equal(typeof m.ackId, typeof want);
        assert.equal(hex(encodeDownstream(m)), hex(frame));
    }
    assert.equal(hex(encodeUpstream({ kind: 'sequenceAckMessage', sequenceId: 2n ** 63n })), hex(encodeUpstream({ kind: 'sequenceAckMessage', sequenceId: 2 ** 63 })));
    const item = { connectionId: 'c', updatedAt: -5 };
    const g = decodeDownstream(encodeDownstream({ kind: 'groupStateUpdateMessage', group: 'g', items: [item, { connectionId: 'd', updatedAt: -(2n ** 63n) }] }));
    assert.equal(g.items[0].updatedAt, -5);
    assert.equal(g.items[1].updatedAt, -(2n ** 63n));
});

test('payloads are views into the caller\'s frame; strings are strings', () => {
    const frame = encodeDownstream({ kind: 'dataMessage', from: 'group', group: 'g', data: { binaryData: new Uint8Array([1, 2, 3]) } });
    const m = decodeDownstream(frame);
    assert.equal(m.data.binaryData.buffer, frame.buffer, 'no copy');
    assert.deepEqual([...m.data.binaryData], [1, 2, 3]);
    const t = decodeDownstream(encodeDownstream({ kind: 'dataMessage', from: 'server', data: { textData: 'caf\u00e9 \u65e5\u672c \u{1F600}' } }));
    assert.equal(t.data.textData, 'caf\u00e9 \u65e5\u672c \u{1F600}');
});

test('inputs: Uint8Array, Buffer, ArrayBuffer, DataView, a view at an offset', () => {
    const f = unhex('0a110a046368617410011a070a0568656c6c6f');
    const want = { sendToGroupMessage: { group: 'chat', ackId: '1', data: { textData: 'hello' } } };
    assert.deepEqual(toProtoJSON(decodeUpstream(f)), want);
    assert.deepEqual(toProtoJSON(decodeUpstream(Buffer.from(f))), want);
    assert.deepEqual(toProtoJSON(decodeUpstream(f.buffer.slice(0))), want);
    assert.deepEqual(toProtoJSON(decodeUpstream(new DataView(f.buffer))), want);
    const padded = new Uint8Array(f.length + 7);
    padded.set(f, 7);
    const m = decodeUpstream(padded.subarray(7));
    assert.equal(m.data.textData, 'hello');
    for (const bad of ['0a00', null, undefined, 5, {}, [1, 2]]) {
        assert.throws(() => decodeUpstream(bad), (e) => e instanceof WpsError && e.status === 'PBW_E_ARG', String(bad));
    }
});

test('large frames, large maps and many items grow the module\'s memory', () => {
    const big = new Uint8Array(3 << 20);
    for (let i = 0; i < big.length; i++) big[i] = i * 31;
    const metadata = {};
    for (let i = 0; i < 5000; i++) metadata[`key-${i}`] = `value-${i}`;
    const frame = encodeUpstream({ kind: 'sendToGroupMessage', group: 'g', data: { binaryData: big }, metadata });
    const m = decodeUpstream(frame);
    assert.equal(m.data.binaryData.length, big.length);
    assert.ok(m.data.binaryData.every((b, i) => b === big[i]));
    assert.equal(Object.keys(m.metadata).length, 5000);
    assert.equal(m.metadata['key-4999'], 'value-4999');
    const items = [];
    for (let i = 0; i < 3000; i++) items.push({ connectionId: `c${i}`, userId: i % 2 ? `u${i}` : undefined, state: { a: String(i) }, updatedAt: i });
    const g = decodeDownstream(encodeDownstream({ kind: 'groupStateSnapshotMessage', group: 'g', items, sequenceId: 1 }));
    assert.equal(g.items.length, 3000);
    assert.deepEqual(g.items[2999], { connectionId: 'c2999', userId: 'u2999', state: { a: '2999' }, updatedAt: 2999 });
    assert.deepEqual(g.items[10], { connectionId: 'c10', userId: undefined, state: { a: '10' }, updatedAt: 10 });
    // and small frames still decode after the growth
    assert.equal(decodeUpstream(unhex('4a00')).kind, 'pingMessage');
    const long = 'x'.repeat(100000) + '\u00e9'.repeat(100000);
    assert.equal(decodeUpstream(encodeUpstream({ kind: 'eventMessage', event: long })).event, long);
});

test('maps: later entries win, "__proto__" is a key like any other, keys are sorted on encode', () => {
    // metadata {a: first}, {b: x}, {a: second}
    const m = decodeUpstream(unhex('0a21320a0a01611205666972737432060a0162120178320b0a016112067365636f6e64'));
    assert.deepEqual(m.metadata, { a: 'second', b: 'x' });
    const p = decodeUpstream(encodeUpstream({ kind: 'eventMessage', event: 'e', metadata: JSON.parse('{"__proto__":"v","z":"1"}') }));
    assert.equal(Object.getPrototypeOf(p.metadata), Object.prototype);
    assert.deepEqual(Object.keys(p.metadata).sort(), ['__proto__', 'z']);
    assert.equal(p.metadata.__proto__ === 'v' || Object.getOwnPropertyDescriptor(p.metadata, '__proto__').value === 'v', true);
    // code-point order: U+FFFD sorts before U+1F600 (whose UTF-16 starts with 0xD83D)
    const e = encodeUpstream({ kind: 'eventMessage', metadata: { '\u{1F600}': '1', '\uFFFD': '2' } });
    assert.ok(hex(e).indexOf('efbfbd') < hex(e).indexOf('f09f9880'));
});

test('invalid UTF-8 is rejected unless noUtf8 is asked for', () => {
    const f = unhex('0a050a03ff6162'); // SendToGroup{group: "\xffab"}
    assert.throws(() => decodeUpstream(f), (e) => e instanceof WpsError && e.status === 'PBW_E_UTF8' && e.offset === 4);
    assert.equal(decodeUpstream(f, { noUtf8: true }).kind, 'sendToGroupMessage');
});

test('encode refuses wrong arguments with PBW_E_ARG', () => {
    const bad = [
        [encodeUpstream, null], [encodeUpstream, { kind: 'nope' }], [encodeUpstream, { kind: 'toString' }],
        [encodeUpstream, { kind: 'joinGroupMessage', group: 5 }],
        [encodeUpstream, { kind: 'joinGroupMessage', ackId: 1.5 }],
        [encodeUpstream, { kind: 'joinGroupMessage', ackId: 2 ** 64 }],
        [encodeUpstream, { kind: 'joinGroupMessage', ackId: -1n }],
        [encodeUpstream, { kind: 'sendToGroupMessage', ttlSeconds: 2 ** 32 }],
        [encodeUpstream, { kind: 'sendToGroupMessage', noEcho: 1 }],
        [encodeUpstream, { kind: 'sendToGroupMessage', data: { binaryData: 'abc' } }],
        [encodeUpstream, { kind: 'sendToGroupMessage', metadata: { k: 1 } }],
        [encodeDownstream, { kind: 'groupStateUpdateMessage', items: [{ updatedAt: 2n ** 63n }] }],
        [encodeDownstream, { kind: 'ackMessage', error: 'x' }],
    ];
    for (const [fn, arg] of bad) {
        assert.throws(() => fn(arg), (e) => e instanceof WpsError && e.status === 'PBW_E_ARG' && e.offset === undefined,
            JSON.stringify(arg, (k, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
    // after an error the codec is still usable
    assert.equal(hex(encodeUpstream({ kind: 'pingMessage' })), '4a00');
});

test('an empty message and an empty frame', () => {
    assert.deepEqual(decodeUpstream(new Uint8Array(0)), { kind: null });
    assert.equal(encodeDownstream({ kind: null }).length, 0);
    assert.deepEqual(decodeDownstream(unhex('1a00')), { kind: 'systemMessage' });
    assert.equal(hex(encodeDownstream({ kind: 'systemMessage' })), '1a00');
});

test('receivers: what json, plain WebSocket and CloudEvents receivers get (wps_service through WebAssembly)', () => {
    const up = receivers(unhex('0a110a046368617410011a070a0568656c6c6f'));
    assert.equal(up.jsonClient, '{"type":"message","from":"group","group":"chat","dataType":"text","data":"hello"}');
    assert.equal(up.raw.frameType, 'text');
    assert.equal(up.raw.contentType, 'text/plain');
    assert.equal(Buffer.from(up.raw.bytes).toString(), 'hello');
    assert.equal(up.cloudEvent, undefined);
    const any = receivers(encodeDownstream({ kind: 'dataMessage', from: 'server', data: { protobufData: { typeUrl: 't/x', value: new Uint8Array([8, 1]) } }, sequenceId: 2 }), { down: true });
    assert.equal(any.raw.frameType, 'binary');
    assert.equal(any.raw.contentType, 'application/x-protobuf');
    assert.equal(hex(any.raw.bytes), '0a03742f78' + '12020801');
    assert.equal(any.jsonClient, '{"sequenceId":2,"type":"message","from":"server","dataType":"protobuf","data":"CgN0L3gSAggB"}');
    const ev = receivers(encodeUpstream({ kind: 'eventMessage', event: 'bad\r\nname', data: { textData: 'x' } }));
    assert.deepEqual(ev.cloudEvent, { error: 'PBW_E_ARG' }, 'header injection refused');
    const badJson = receivers(encodeUpstream({ kind: 'sendToGroupMessage', group: 'g', data: { jsonData: '{"a":' } }));
    assert.deepEqual(badJson.jsonClient, { error: 'PBW_E_JSON' });
    assert.deepEqual(receivers(unhex('4a00')), {});
    assert.throws(() => receivers(unhex('0a05')), (e) => e instanceof WpsError && e.status === 'PBW_E_LENGTH' && e.offset === 1);
});

test('the short-string cache never returns another string\'s text', () => {
    // many short strings (1..33 bytes, some non-ASCII) in every string field,
    // repeated and colliding in the cache's slots, decoded in a shuffled order
    let seed = 12345;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    const alphabet = 'ab\u00e9\u65e5\u{1F600}xyz01';
    const pool = [];
    for (let i = 0; i < 3000; i++) {
        let s = '';
        const n = 1 + rnd(33);
        while (Buffer.byteLength(s) < n) s += [...alphabet][rnd(9)];
        pool.push(s);
    }
    for (let i = 0; i < 20000; i++) {
        const from = pool[rnd(pool.length)], group = pool[rnd(40)], k = pool[rnd(pool.length)], v = pool[rnd(100)];
        const m = decodeDownstream(encodeDownstream({ kind: 'dataMessage', from, group, metadata: { [k]: v }, data: { textData: v } }));
        assert.equal(m.from, from);
        assert.equal(m.group, group);
        assert.deepEqual(m.metadata, { [k]: v });
        assert.equal(m.data.textData, v);
    }
});

test('large frames: binary payloads are not copied in, and everything around them decodes', () => {
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 255);
    const msg = {
        kind: 'dataMessage', from: 'group', group: 'g', data: { binaryData: big }, sequenceId: 2 ** 40,
        metadata: { a: 'b', 'caf\u00e9': '\u65e5' }, stream: { streamId: 's', streamSequenceId: 3, endOfStream: true },
    };
    const frame = encodeDownstream(msg);
    const m = decodeDownstream(frame);
    assert.equal(m.data.binaryData.buffer, frame.buffer);
    assert.ok(m.data.binaryData.every((b, i) => b === big[i]));
    assert.deepEqual({ ...m, data: undefined }, { ...msg, data: undefined, stream: { ...msg.stream, error: undefined } });
    const any = decodeUpstream(encodeUpstream({ kind: 'sendToGroupMessage', group: 'g', ackId: 9, data: { protobufData: { typeUrl: 't/x', value: big } } }));
    assert.equal(any.data.protobufData.typeUrl, 't/x');
    assert.equal(any.data.protobufData.value.length, big.length);
    assert.equal(any.ackId, 9);
    // large text: checked in full, errors at their offsets
    const text = 'x'.repeat(100000) + '\u00e9';
    const t = encodeUpstream({ kind: 'sendToGroupMessage', group: 'g', data: { textData: text } });
    assert.equal(decodeUpstream(t).data.textData, text);
    const bad = new Uint8Array(t);
    bad[bad.length - 1] = 0x41; // é's second byte
    assert.throws(() => decodeUpstream(bad), (e) => e.status === 'PBW_E_UTF8' && e.offset === bad.length - 2);
    assert.throws(() => decodeUpstream(t.subarray(0, t.length - 1)), (e) => e.status === 'PBW_E_LENGTH');
    // a large frame whose payload is cut short
    assert.throws(() => decodeDownstream(frame.subarray(0, 50000)), (e) => e instanceof WpsError && e.status === 'PBW_E_LENGTH');
    // and small frames afterwards
    assert.equal(decodeUpstream(unhex('4a00')).kind, 'pingMessage');
});
