// SPDX-License-Identifier: MIT
// google-protobuf for the benchmark.  Its JavaScript code generator is not
// part of protoc since 3.21 (Debian's protoc is 3.21.12), and the npm
// distributions of protoc-gen-js download the binary from GitHub when
// installed, which this machine cannot reach.  So this is what the
// generated code does at its core, written by hand over google-protobuf's
// own BinaryReader / BinaryWriter (the classes generated code calls), for
// the message kinds of the corpus, into plain objects.  It leaves out the
// jspb.Message wrapper objects generated code builds, so it flatters
// google-protobuf.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jspb = require('google-protobuf');
const { BinaryReader, BinaryWriter } = jspb;

function readAny(o, r) {
    while (r.nextField()) {
        if (r.isEndGroup()) break;
        switch (r.getFieldNumber()) {
            case 1: o.typeUrl = r.readString(); break;
            case 2: o.value = r.readBytes(); break;
            default: r.skipField();
        }
    }
}

function readData(d, r) {
    while (r.nextField()) {
        if (r.isEndGroup()) break;
        switch (r.getFieldNumber()) {
            case 1: d.textData = r.readString(); break;
            case 2: d.binaryData = r.readBytes(); break;
            case 3: { const a = { typeUrl: '', value: new Uint8Array(0) }; r.readMessage(a, readAny); d.protobufData = a; break; }
            case 4: d.jsonData = r.readString(); break;
            default: r.skipField();
        }
    }
}

function readFields(o, r, fields) {
    while (r.nextField()) {
        if (r.isEndGroup()) break;
        const f = fields[r.getFieldNumber()];
        if (f === undefined) r.skipField();
        else f(o, r);
    }
}

const str = (k) => (o, r) => { o[k] = r.readString(); };
const u64 = (k) => (o, r) => { o[k] = r.readUint64(); };
const bool = (k) => (o, r) => { o[k] = r.readBool(); };
const data = (k) => (o, r) => { const d = {}; r.readMessage(d, readData); o[k] = d; };
const sub = (k, fields) => (o, r) => { const s = {}; r.readMessage(s, (s2, r2) => readFields(s2, r2, fields)); o[k] = s; };

const UP = {
    1: sub('sendToGroupMessage', { 1: str('group'), 2: u64('ackId'), 3: data('data'), 4: bool('noEcho') }),
    6: sub('joinGroupMessage', { 1: str('group'), 2: u64('ackId') }),
    7: sub('leaveGroupMessage', { 1: str('group'), 2: u64('ackId') }),
    8: sub('sequenceAckMessage', { 1: u64('sequenceId') }),
    9: sub('pingMessage', {}),
};
const DOWN = {
    1: sub('ackMessage', { 1: u64('ackId'), 2: bool('success'), 3: sub('error', { 1: str('name'), 2: str('message') }) }),
    2: sub('dataMessage', { 1: str('from'), 2: str('group'), 3: data('data'), 4: u64('sequenceId') }),
    3: sub('systemMessage', {
        1: sub('connectedMessage', { 1: str('connectionId'), 2: str('userId'), 3: str('reconnectionToken') }),
        2: sub('disconnectedMessage', { 2: str('reason') }),
    }),
    4: sub('pongMessage', {}),
    6: sub('streamAckMessage', { 1: str('streamId'), 2: u64('expectedSequenceId') }),
};

export function decodeUp(bytes) {
    const o = {};
    readFields(o, new BinaryReader(bytes), UP);
    return o;
}
export function decodeDown(bytes) {
    const o = {};
    readFields(o, new BinaryReader(bytes), DOWN);
    return o;
}

function writeData(d, w) {
    if (d.textData !== undefined) w.writeString(1, d.textData);
    else if (d.binaryData !== undefined) w.writeBytes(2, d.binaryData);
    else if (d.protobufData !== undefined) {
        w.writeMessage(3, d.protobufData, (a, w2) => {
            if (a.typeUrl) w2.writeString(1, a.typeUrl);
            if (a.value && a.value.length) w2.writeBytes(2, a.value);
        });
    } else if (d.jsonData !== undefined) w.writeString(4, d.jsonData);
}

const group = (m, w) => { if (m.group) w.writeString(1, m.group); if (m.ackId !== undefined) w.writeUint64(2, m.ackId); };

export function encodeUp(o) {
    const w = new BinaryWriter();
    if (o.sendToGroupMessage) {
        w.writeMessage(1, o.sendToGroupMessage, (m, w2) => {
            if (m.group) w2.writeString(1, m.group);
            if (m.ackId !== undefined) w2.writeUint64(2, m.ackId);
            if (m.data) w2.writeMessage(3, m.data, writeData);
            if (m.noEcho !== undefined) w2.writeBool(4, m.noEcho);
        });
    } else if (o.joinGroupMessage) w.writeMessage(6, o.joinGroupMessage, group);
    else if (o.leaveGroupMessage) w.writeMessage(7, o.leaveGroupMessage, group);
    else if (o.sequenceAckMessage) w.writeMessage(8, o.sequenceAckMessage, (m, w2) => { if (m.sequenceId) w2.writeUint64(1, m.sequenceId); });
    else if (o.pingMessage) w.writeMessage(9, o.pingMessage, () => {});
    return w.getResultBuffer();
}

export function encodeDown(o) {
    const w = new BinaryWriter();
    if (o.ackMessage) {
        w.writeMessage(1, o.ackMessage, (m, w2) => {
            if (m.ackId) w2.writeUint64(1, m.ackId);
            if (m.success) w2.writeBool(2, m.success);
            if (m.error) w2.writeMessage(3, m.error, (e, w3) => { if (e.name) w3.writeString(1, e.name); if (e.message) w3.writeString(2, e.message); });
        });
    } else if (o.dataMessage) {
        w.writeMessage(2, o.dataMessage, (m, w2) => {
            if (m.from) w2.writeString(1, m.from);
            if (m.group !== undefined) w2.writeString(2, m.group);
            if (m.data) w2.writeMessage(3, m.data, writeData);
            if (m.sequenceId !== undefined) w2.writeUint64(4, m.sequenceId);
        });
    } else if (o.systemMessage) {
        w.writeMessage(3, o.systemMessage, (s, w2) => {
            if (s.connectedMessage) {
                w2.writeMessage(1, s.connectedMessage, (c, w3) => {
                    if (c.connectionId) w3.writeString(1, c.connectionId);
                    if (c.userId) w3.writeString(2, c.userId);
                    if (c.reconnectionToken !== undefined) w3.writeString(3, c.reconnectionToken);
                });
            } else if (s.disconnectedMessage) {
                w2.writeMessage(2, s.disconnectedMessage, (d, w3) => { if (d.reason) w3.writeString(2, d.reason); });
            }
        });
    } else if (o.pongMessage) w.writeMessage(4, o.pongMessage, () => {});
    else if (o.streamAckMessage) {
        w.writeMessage(6, o.streamAckMessage, (m, w2) => {
            if (m.streamId) w2.writeString(1, m.streamId);
            if (m.expectedSequenceId) w2.writeUint64(2, m.expectedSequenceId);
        });
    }
    return w.getResultBuffer();
}
