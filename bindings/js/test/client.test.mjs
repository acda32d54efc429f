// SPDX-License-Identifier: MIT
// The official client for real: @azure/web-pubsub-client from npm with our
// protobuf subprotocols, against the scripted service of tests/e2e/
// (Node + ws, protobuf by protobufjs from the schema: an independent codec)
// on loopback.  Connect, join, send text/binary/JSON/protobuf to a group,
// receive them, ack results (Duplicate included), an event echoed back, and
// a sequence-acked reliable session that survives a forced drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { WebPubSubClient } from '@azure/web-pubsub-client';
import { WebPubSubProtobufProtocol, WebPubSubProtobufReliableProtocol } from '../protocol.mjs';

const serviceJs = fileURLToPath(new URL('../../../tests/e2e/service.mjs', import.meta.url));
const TIMEOUT = 15000;

function startService() {
    const child = spawn(process.execPath, [serviceJs, '--port', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error('the service did not start')), TIMEOUT);
        child.stdout.on('data', (d) => {
            out += d;
            const m = /PORT (\d+)/.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve({ child, port: Number(m[1]) });
            }
        });
        child.on('exit', (code) => reject(new Error(`the service exited (${code})`)));
    });
}

const get = (port, path) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
});

// Events of one kind, and a way to wait for the n-th.
function recorder(client, event) {
    const seen = [];
    let waiters = [];
    client.on(event, (e) => {
        seen.push(e);
        waiters = waiters.filter((w) => (seen.length >= w.n ? (w.resolve(), false) : true));
    });
    seen.until = (n) => (seen.length >= n ? Promise.resolve() : new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${event}: ${seen.length} of ${n} after ${TIMEOUT} ms`)), TIMEOUT);
        waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
    }));
    return seen;
}

const bytes = (ab) => [...new Uint8Array(ab)];

test('@azure/web-pubsub-client with the protobuf subprotocols against a scripted service', { timeout: 120000 }, async (t) => {
    const { child, port } = await startService();
    const url = (user) => `ws://127.0.0.1:${port}/client/hubs/chat?access_token=user.${user}`;
    const alice = new WebPubSubClient(url('alice'), { protocol: WebPubSubProtobufReliableProtocol() });
    const bob = new WebPubSubClient(url('bob'), { protocol: WebPubSubProtobufProtocol() });
    const aliceGroup = recorder(alice, 'group-message');
    const aliceServer = recorder(alice, 'server-message');
    const aliceConnected = recorder(alice, 'connected');
    const aliceDisconnected = recorder(alice, 'disconnected');
    const bobGroup = recorder(bob, 'group-message');
    const bobConnected = recorder(bob, 'connected');
    try {
        await t.test('connect: connected messages decoded by our protocol', async () => {
            await alice.start();
            await bob.start();
            await aliceConnected.until(1);
            await bobConnected.until(1);
            assert.equal(aliceConnected[0].userId, 'alice');
            assert.equal(bobConnected[0].userId, 'bob');
            assert.match(aliceConnected[0].connectionId, /^conn/);
        });

        await t.test('join a group (acked)', async () => {
            const a = await alice.joinGroup('room');
            const b = await bob.joinGroup('room');
            assert.equal(typeof a.ackId, 'number');
            assert.equal(typeof b.ackId, 'number');
        });

        await t.test('send text, binary, JSON and protobuf to the group; both receive them', async () => {
            const sent = [
                ['text', 'hello \u00e9\u65e5 \u{1F600}'],
                ['text', ''],
                ['binary', new Uint8Array([0, 1, 2, 250, 255]).buffer],
                ['json', { a: [1, 2, { b: null }], s: 'x' }],
                ['protobuf', { type_url: 'type.googleapis.com/google.protobuf.StringValue', value: new Uint8Array([10, 2, 104, 105]) }],
            ];
            for (const [type, data] of sent) {
                const r = await alice.sendToGroup('room', data, type);
                assert.equal(r.isDuplicated, false);
            }
            await bobGroup.until(sent.length);
            await aliceGroup.until(sent.length);
            for (const seen of [bobGroup, aliceGroup]) {
                const got = seen.slice(-sent.length).map((e) => e.message);
                assert.deepEqual(got.map((m) => [m.group, m.dataType]), sent.map(([type]) => ['room', type]));
                assert.equal(got[0].data, sent[0][1]);
                assert.equal(got[1].data, '', 'an empty text is delivered');
                assert.deepEqual(bytes(got[2].data), [0, 1, 2, 250, 255]);
                assert.deepEqual(got[3].data, sent[3][1]);
                assert.equal(got[4].data.type_url, sent[4][1].type_url);
                assert.deepEqual([...got[4].data.value], [10, 2, 104, 105]);
            }
            // the reliable connection gets sequence ids, the plain one does not
            assert.deepEqual(aliceGroup.map((e) => typeof e.message.sequenceId), sent.map(() => 'number'));
            assert.deepEqual(bobGroup.map((e) => e.message.sequenceId), sent.map(() => undefined));
        });

        await t.test('noEcho, ack ids chosen by the caller, Duplicate', async () => {
            const before = aliceGroup.length;
            const r = await bob.sendToGroup('room', 'from bob', 'text', { noEcho: true, ackId: 5000 });
            assert.deepEqual(r, { ackId: 5000, isDuplicated: false });
            await aliceGroup.until(before + 1);
            assert.equal(aliceGroup[before].message.data, 'from bob');
            const again = await bob.sendToGroup('room', 'from bob', 'text', { noEcho: true, ackId: 5000 });
            assert.deepEqual(again, { ackId: 5000, isDuplicated: true });
            const stats = await get(port, '/control/stats');
            assert.equal(stats.duplicates, 1);
            assert.equal(bobGroup.filter((e) => e.message.data === 'from bob').length, 0, 'noEcho honoured');
        });

        await t.test('an event, acked and echoed back as server data', async () => {
            const r = await alice.sendEvent('order', { id: 7 }, 'json');
            assert.equal(r.isDuplicated, false);
            await aliceServer.until(1);
            assert.equal(aliceServer[0].message.kind, 'serverData');
            assert.equal(aliceServer[0].message.dataType, 'json');
            assert.deepEqual(aliceServer[0].message.data, { id: 7 });
        });

        await t.test('leave the group (acked): no more group messages', async () => {
            await bob.leaveGroup('room');
            const n = bobGroup.length;
            const a = aliceGroup.length;
            await alice.sendToGroup('room', 'after leave', 'text');
            await aliceGroup.until(a + 1);
            assert.equal(aliceGroup[a].message.data, 'after leave');
            assert.equal(bobGroup.length, n);
            await bob.joinGroup('room');
        });

        await t.test('reliable session: sequence acks, a forced drop, recovery, replay without duplicates', async () => {
            const id = aliceConnected[0].connectionId;
            let replayedBefore = (await get(port, '/control/stats')).replayed;
            let replayed = 0;
            for (let attempt = 0; attempt < 3 && replayed === 0; attempt++) {
                // a burst, then the drop as soon as alice has it all: some of it
                // is not yet covered by her sequence ack (sent once a second)
                const start = aliceGroup.length;
                const texts = Array.from({ length: 5 }, (_, i) => `burst ${attempt}.${i}`);
                // (acked sends: tests/e2e/service.mjs reads an absent ack id as 0, so
                // it would take fire-and-forget sends after the first for duplicates)
                for (const s of texts) await bob.sendToGroup('room', s, 'text');
                await aliceGroup.until(start + texts.length);
                const bobsBefore = bobConnected.length;
                const dropped = await get(port, '/control/drop');
                assert.ok(dropped.dropped >= 2);
                // bob (plain subprotocol) starts a new connection and rejoins;
                // alice recovers hers: no new connection, no disconnected event
                await bobConnected.until(bobsBefore + 1);
                const deadline = Date.now() + TIMEOUT;
                let stats;
                while (Date.now() < deadline) {
                    stats = await get(port, '/control/stats');
                    if (stats.recoveries > attempt && stats.live >= 2) break;
                    await new Promise((r) => setTimeout(r, 50));
                }
                assert.ok(stats.recoveries > attempt, 'alice recovered');
                replayed = stats.replayed - replayedBefore;
                replayedBefore = stats.replayed;
                const got = aliceGroup.slice(start).map((e) => e.message.data);
                assert.deepEqual(got, texts, 'each message once, in order, replays dropped by sequence id');
            }
            assert.ok(replayed > 0, 'the service replayed unacknowledged messages after recovery');
            assert.equal(aliceConnected.length, 1, 'a recovered connection is not a new connection');
            assert.equal(aliceDisconnected.length, 0);
            // the recovered connection works: send, receive, sequence ids go on
            await bob.joinGroup('room');
            const n = aliceGroup.length;
            await bob.sendToGroup('room', 'after recovery', 'text');
            await aliceGroup.until(n + 1);
            assert.equal(aliceGroup[n].message.data, 'after recovery');
            const seqs = aliceGroup.map((e) => e.message.sequenceId);
            assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'sequence ids increase');
            assert.equal(new Set(seqs).size, seqs.length, 'no sequence id twice');
            // alice acknowledges what she got (the client sends SequenceAck once a second)
            const acksBefore = (await get(port, '/control/stats')).sequenceAcks;
            await new Promise((r) => setTimeout(r, 1500));
            assert.ok((await get(port, '/control/stats')).sequenceAcks > acksBefore);
            assert.equal(id, aliceConnected[0].connectionId);
        });
    } finally {
        await alice.stop();
        await bob.stop();
        child.stdin.end();
        await new Promise((r) => child.on('exit', r));
    }
});
