// SPDX-License-Identifier: MIT
// WebPubSubProtobufProtocol / WebPubSubProtobufReliableProtocol: every
// message the official client knows, checked against protobufjs (an
// independent codec, loaded from the schema) in both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WebPubSubProtobufProtocol, WebPubSubProtobufReliableProtocol } from '../protocol.mjs';
import { WpsError } from '../wpspb.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const schema = fileURLToPath(new URL('../../../../shared/spec/webpubsub.proto', import.meta.url));
const root = protobuf.loadSync(schema);
const Down = root.lookupType('azure.webpubsub.DownstreamMessage');
const Up = root.lookupType('azure.webpubsub.UpstreamMessage');

// protobufjs bytes of a DownstreamMessage, as an ArrayBuffer of its own (what ws hands the client)
const down = (obj) => {
    const err = Down.verify(obj);
    if (err) throw new Error(err);
    const u = Down.encode(Down.fromObject(obj)).finish();
    return u.buffer.slice(u.byteOffset, u.byteOffset + u.length);
};
const up = (ab) => {
    assert.ok(ab instanceof ArrayBuffer, 'writeMessage returns an ArrayBuffer');
    return Up.toObject(Up.decode(new Uint8Array(ab)), { longs: Number, bytes: Array, defaults: false });
};

const p = WebPubSubProtobufProtocol();
const r = WebPubSubProtobufReliableProtocol();

test('names and reliability', () => {
    assert.equal(p.name, 'protobuf.webpubsub.azure.v1');
    assert.equal(p.isReliableSubProtocol, false);
    assert.equal(r.name, 'protobuf.reliable.webpubsub.azure.v1');
    assert.equal(r.isReliableSubProtocol, true);
});

test('ack, with and without error', () => {
    assert.deepEqual(p.parseMessages(down({ ackMessage: { ackId: 7, success: true } })),
        { kind: 'ack', ackId: 7, success: true });
    assert.deepEqual(p.parseMessages(down({ ackMessage: { ackId: 8, error: { name: 'Duplicate', message: 'dup' } } })),
        { kind: 'ack', ackId: 8, success: false, error: { name: 'Duplicate', message: 'dup' } });
});

test('connected and disconnected', () => {
    assert.deepEqual(r.parseMessages(down({ systemMessage: { connectedMessage: { connectionId: 'c1', userId: 'u1', reconnectionToken: 'tok' } } })),
        { kind: 'connected', connectionId: 'c1', userId: 'u1', reconnectionToken: 'tok' });
    assert.deepEqual(p.parseMessages(down({ systemMessage: { disconnectedMessage: { reason: 'bye' } } })),
        { kind: 'disconnected', message: 'bye' });
    assert.equal(p.parseMessages(down({ systemMessage: {} })), null);
});

test('pong', () => {
    assert.deepEqual(p.parseMessages(down({ pongMessage: {} })), { kind: 'pong' });
});

test('group data of every data type, with sequence ids', () => {
    const g = (data) => r.parseMessages(down({ dataMessage: { from: 'group', group: 'g', data, sequenceId: 12 } }));
    let m = g({ textData: 'hi' });
    assert.equal(m.kind, 'groupData');
    assert.equal(m.group, 'g');
    assert.equal(m.sequenceId, 12);
    assert.equal(m.dataType, 'text');
    assert.equal(m.data, 'hi');
    m = g({ jsonData: '{"a":[1,2]}' });
    assert.equal(m.dataType, 'json');
    assert.deepEqual(m.data, { a: [1, 2] });
    m = g({ binaryData: Buffer.from([1, 2, 3]) });
    assert.equal(m.dataType, 'binary');
    assert.ok(m.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(m.data)], [1, 2, 3]);
    m = g({ protobufData: { type_url: 'type.googleapis.com/x.Y', value: Buffer.from([8, 1]) } });
    assert.equal(m.dataType, 'protobuf');
    assert.equal(m.data.type_url, 'type.googleapis.com/x.Y');
    assert.deepEqual([...m.data.value], [8, 1]);
});

test('server data', () => {
    const m = p.parseMessages(down({ dataMessage: { from: 'server', data: { textData: 'srv' } } }));
    assert.deepEqual(m, { kind: 'serverData', dataType: 'text', data: 'srv', sequenceId: undefined });
    assert.equal(p.parseMessages(down({ dataMessage: { from: 'elsewhere', data: { textData: 'x' } } })), null);
});

test('the official package\'s two bugs are not here: empty text is delivered, no data does not throw', () => {
    const m = r.parseMessages(down({ dataMessage: { from: 'group', group: 'g', data: { textData: '' }, sequenceId: 3 } }));
    assert.equal(m.kind, 'groupData');
    assert.equal(m.dataType, 'text');
    assert.equal(m.data, '');
    const n = r.parseMessages(down({ dataMessage: { from: 'group', group: 'g', sequenceId: 4, stream: { streamId: 's', streamSequenceId: 9, endOfStream: true } } }));
    assert.equal(n.kind, 'groupData');
    assert.equal(n.sequenceId, 4);
    assert.equal(n.dataType, undefined);
    assert.equal(n.data, undefined);
    assert.deepEqual(n.stream, { streamId: 's', streamSequenceId: 9, endOfStream: true, error: undefined });
});

test('invoke response, stream ack/nack/closed, group state', () => {
    assert.deepEqual(p.parseMessages(down({ invokeResponseMessage: { invocationId: 'i1', success: true, data: { textData: 'r' } } })),
        { kind: 'invokeResponse', invocationId: 'i1', success: true, dataType: 'text', data: 'r', error: undefined });
    assert.deepEqual(p.parseMessages(down({ streamAckMessage: { streamId: 's', expectedSequenceId: 5 } })),
        { kind: 'streamAck', streamId: 's', expectedSequenceId: 5 });
    assert.deepEqual(p.parseMessages(down({ streamNackMessage: { streamId: 's', name: 'n', message: 'm', expectedSequenceId: 2 } })),
        { kind: 'streamNack', streamId: 's', name: 'n', message: 'm', expectedSequenceId: 2 });
    assert.deepEqual(p.parseMessages(down({ streamClosedMessage: { streamId: 's', error: { name: 'n', message: 'm' } } })),
        { kind: 'streamClosed', streamId: 's', error: { name: 'n', message: 'm' } });
    assert.deepEqual(p.parseMessages(down({
        groupStateSnapshotMessage: {
            group: 'g', items: [{ connectionId: 'c', userId: 'u', state: { entries: { k: 'v' } }, updatedAt: 1700000000000 }], sequenceId: 6,
        },
    })), {
        kind: 'groupStateSnapshot', group: 'g', sequenceId: 6,
        items: [{ connectionId: 'c', userId: 'u', state: { k: 'v' }, updatedAt: 1700000000000 }],
    });
});

test('malformed frames throw WpsError with the status and offset; text frames are refused', () => {
    assert.throws(() => p.parseMessages(new Uint8Array([0x12, 0x05, 0x0a]).buffer),
        (e) => e instanceof WpsError && e.status === 'PBW_E_LENGTH' && e.offset === 1);
    assert.throws(() => p.parseMessages('{"type":"ack"}'), (e) => e instanceof WpsError && e.status === 'PBW_E_ARG');
});

test('writeMessage: join, leave, send to group (every data type, stream), event, sequence ack, ping', () => {
    assert.deepEqual(up(p.writeMessage({ kind: 'joinGroup', group: 'g', ackId: 1 })), { joinGroupMessage: { group: 'g', ackId: 1 } });
    assert.deepEqual(up(p.writeMessage({ kind: 'leaveGroup', group: 'g' })), { leaveGroupMessage: { group: 'g' } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendToGroup', group: 'g', ackId: 2, noEcho: true, dataType: 'text', data: 'hi' })),
        { sendToGroupMessage: { group: 'g', ackId: 2, noEcho: true, data: { textData: 'hi' } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'json', data: { a: 1 } })),
        { sendToGroupMessage: { group: 'g', noEcho: false, data: { jsonData: '{"a":1}' } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'binary', data: new Uint8Array([9, 8]).buffer })),
        { sendToGroupMessage: { group: 'g', noEcho: false, data: { binaryData: [9, 8] } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, dataType: 'protobuf', data: { type_url: 't/x', value: new Uint8Array([1]) } })),
        { sendToGroupMessage: { group: 'g', noEcho: false, data: { protobufData: { type_url: 't/x', value: [1] } } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendToGroup', group: 'g', noEcho: false, stream: { streamId: 's', idleTimeoutInMs: 500 } })),
        { sendToGroupMessage: { group: 'g', noEcho: false, stream: { streamId: 's', idleTimeoutMs: 500 } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'sendEvent', event: 'e', ackId: 3, dataType: 'text', data: 'x' })),
        { eventMessage: { event: 'e', ackId: 3, data: { textData: 'x' } } });
    assert.deepEqual(up(r.writeMessage({ kind: 'sequenceAck', sequenceId: 99 })), { sequenceAckMessage: { sequenceId: 99 } });
    assert.deepEqual(up(p.writeMessage({ kind: 'ping' })), { pingMessage: {} });
});

test('writeMessage: invoke, cancel, stream data/end, group state', () => {
    assert.deepEqual(up(p.writeMessage({ kind: 'invoke', invocationId: 'i', target: 'event', event: 'e', dataType: 'text', data: 'q' })),
        { invokeEventMessage: { event: 'e', invocationId: 'i', data: { textData: 'q' } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'cancelInvocation', invocationId: 'i' })), { cancelInvocationMessage: { invocationId: 'i' } });
    assert.deepEqual(up(p.writeMessage({ kind: 'streamData', streamId: 's', streamSequenceId: 4, dataType: 'text', data: 'c' })),
        { streamDataMessage: { streamId: 's', streamSequenceId: 4, data: { textData: 'c' } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'streamEnd', streamId: 's', error: { message: 'm' } })),
        { streamEndMessage: { streamId: 's', error: { message: 'm' } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'setGroupState', group: 'g', ackId: 5, state: { b: '2', a: '1' } })),
        { setGroupStateMessage: { group: 'g', ackId: 5, state: { entries: { a: '1', b: '2' } } } });
    assert.deepEqual(up(p.writeMessage({ kind: 'subscribeGroupState', group: 'g' })), { subscribeGroupStateMessage: { group: 'g' } });
    assert.deepEqual(up(p.writeMessage({ kind: 'unsubscribeGroupState', group: 'g', ackId: 0 })), { unsubscribeGroupStateMessage: { group: 'g', ackId: 0 } });
});

test('writeMessage refuses what it cannot send', () => {
    assert.throws(() => p.writeMessage({ kind: 'sendToGroup', group: 'g', dataType: 'binary', data: 'not bytes' }), TypeError);
    assert.throws(() => p.writeMessage({ kind: 'sendToGroup', group: 'g', dataType: 'protobuf', data: {} }), TypeError);
    assert.throws(() => p.writeMessage({ kind: 'sendEvent', event: 'e', dataType: 'text', data: 5 }), TypeError);
    assert.throws(() => p.writeMessage({ kind: 'nonsense' }), TypeError);
    assert.throws(() => p.writeMessage({ kind: 'joinGroup', group: 'g', ackId: -1 }), (e) => e instanceof WpsError && e.status === 'PBW_E_ARG');
});

test('writeMessage of large payloads (assembled around the payload) reads back in protobufjs', () => {
    const big = new Uint8Array(100000).map((_, i) => i & 255);
    const ab = p.writeMessage({ kind: 'sendToGroup', group: 'g', ackId: 4, noEcho: true, dataType: 'binary', data: big.buffer });
    const m = Up.decode(new Uint8Array(ab));
    assert.equal(m.sendToGroupMessage.group, 'g');
    assert.equal(Number(m.sendToGroupMessage.ackId), 4);
    assert.equal(m.sendToGroupMessage.noEcho, true);
    assert.deepEqual(new Uint8Array(m.sendToGroupMessage.data.binaryData), big);
    const b = p.writeMessage({ kind: 'sendEvent', event: 'e', dataType: 'protobuf', data: { type_url: 't/y', value: big } });
    const e = Up.decode(new Uint8Array(b));
    assert.equal(e.eventMessage.data.protobufData.type_url, 't/y');
    assert.deepEqual(new Uint8Array(e.eventMessage.data.protobufData.value), big);
    // the bytes are libprotobuf's: protobufjs writes the same for this message
    assert.deepEqual(new Uint8Array(ab), new Uint8Array(Up.encode(Up.fromObject({ sendToGroupMessage: { group: 'g', ackId: 4, data: { binaryData: big }, noEcho: true } })).finish()));
});
