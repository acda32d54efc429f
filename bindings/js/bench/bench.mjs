// SPDX-License-Identifier: MIT
// make bench-js: decode and encode over the shared corpus, in one Node
// process: wpspb (the C codec in WebAssembly) against protobufjs static
// code (what the official protobuf client uses), @bufbuild/protobuf and
// google-protobuf.  Not a test: it prints figures.
//
//   node bindings/js/bench/bench.mjs [CORPUS_DIR] [--quick] [--only=CLASS,...]
//
// Decode includes reading every field the official client reads (kind,
// ids as numbers, strings, payload length), so lazy work is paid for.
// ns/message: min and median of 15 samples of about 4 ms of CPU time each,
// the codecs taking turns sample by sample.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as ours from '../wpspb.mjs';
import * as gpb from './gpb_codec.mjs';

const require = createRequire(import.meta.url);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = (args.find((a) => a.startsWith('--only=')) || '').slice(7).split(',').filter(Boolean);
const corpusDir = args.find((a) => !a.startsWith('--')) || here('../../../../shared/corpus/');
const genDir = here('../../../build/js-bench/');
if (!existsSync(genDir + 'pbjs_static.mjs') || !existsSync(genDir + 'webpubsub_pb.js')) {
    console.error('bench-js: generated peers missing in build/js-bench (run make bench-js)');
    process.exit(2);
}
const pbjs = (await import(genDir + 'pbjs_static.mjs')).azure.webpubsub;
const es = await import(genDir + 'webpubsub_pb.js');
const { fromBinary, toBinary } = await import('@bufbuild/protobuf');

// ---- corpus ----
function load(file) {
    const buf = readFileSync(file);
    const out = [];
    for (let off = 0; off + 4 <= buf.length;) {
        const n = buf.readUInt32LE(off);
        // each message in a buffer of its own, as a WebSocket library hands it over
        out.push(new Uint8Array(buf.subarray(off + 4, off + 4 + n)));
        off += 4 + n;
    }
    return out;
}
const classes = readdirSync(corpusDir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4))
    .filter((c) => only.length === 0 || only.includes(c)).sort();

// ---- reading every field, per codec ----
let sink = 0;
const num = (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v == null ? 0 : v.toNumber());
const len = (s) => (s == null ? 0 : s.length);

function readOursData(d) {
    if (d === undefined) return 0;
    if (d.textData !== undefined) return d.textData.length;
    if (d.binaryData !== undefined) return d.binaryData.length;
    if (d.protobufData !== undefined) return d.protobufData.typeUrl.length + d.protobufData.value.length;
    if (d.jsonData !== undefined) return d.jsonData.length;
    return 0;
}
function readOurs(m) {
    switch (m.kind) {
        case 'dataMessage': return m.from.length + len(m.group) + readOursData(m.data) + num(m.sequenceId);
        case 'ackMessage': return num(m.ackId) + (m.success ? 1 : 0) + (m.error ? m.error.name.length + m.error.message.length : 0);
        case 'connectedMessage': return m.connectionId.length + m.userId.length + len(m.reconnectionToken);
        case 'disconnectedMessage': return m.reason.length;
        case 'streamAckMessage': return m.streamId.length + num(m.expectedSequenceId);
        case 'sendToGroupMessage': return m.group.length + num(m.ackId) + readOursData(m.data) + (m.noEcho ? 1 : 0);
        case 'joinGroupMessage': case 'leaveGroupMessage': return m.group.length + num(m.ackId);
        case 'sequenceAckMessage': return num(m.sequenceId);
        default: return 1;
    }
}

// protobufjs and the google-protobuf objects: oneof members as properties
function readPbData(d) {
    if (d == null) return 0;
    if (d.textData != null && d.data === 'textData') return d.textData.length;
    if (d.binaryData != null && (d.data === 'binaryData' || d.data === undefined)) return d.binaryData.length;
    if (d.protobufData != null) return len(d.protobufData.type_url ?? d.protobufData.typeUrl) + len(d.protobufData.value);
    if (d.jsonData != null) return d.jsonData.length;
    if (d.textData != null) return d.textData.length;
    return 0;
}
function readPb(m) {
    let x;
    if ((x = m.dataMessage)) return len(x.from) + len(x.group) + readPbData(x.data) + num(x.sequenceId);
    if ((x = m.ackMessage)) return num(x.ackId) + (x.success ? 1 : 0) + (x.error ? len(x.error.name) + len(x.error.message) : 0);
    if ((x = m.systemMessage)) {
        if (x.connectedMessage) return len(x.connectedMessage.connectionId) + len(x.connectedMessage.userId) + len(x.connectedMessage.reconnectionToken);
        if (x.disconnectedMessage) return len(x.disconnectedMessage.reason);
        return 0;
    }
    if ((x = m.streamAckMessage)) return len(x.streamId) + num(x.expectedSequenceId);
    if ((x = m.sendToGroupMessage)) return len(x.group) + num(x.ackId) + readPbData(x.data) + (x.noEcho ? 1 : 0);
    if ((x = m.joinGroupMessage) || (x = m.leaveGroupMessage)) return len(x.group) + num(x.ackId);
    if ((x = m.sequenceAckMessage)) return num(x.sequenceId);
    return 1;
}

// @bufbuild/protobuf: oneofs as {case, value}, uint64 as bigint
function readEsData(d) {
    if (d === undefined) return 0;
    const v = d.data.value;
    switch (d.data.case) {
        case 'textData': case 'jsonData': case 'binaryData': return v.length;
        case 'protobufData': return v.typeUrl.length + v.value.length;
        default: return 0;
    }
}
function readEs(m) {
    const v = m.message.value;
    switch (m.message.case) {
        case 'dataMessage': return v.from.length + len(v.group) + readEsData(v.data) + num(v.sequenceId);
        case 'ackMessage': return num(v.ackId) + (v.success ? 1 : 0) + (v.error ? v.error.name.length + v.error.message.length : 0);
        case 'systemMessage': {
            const s = v.message;
            if (s.case === 'connectedMessage') return s.value.connectionId.length + s.value.userId.length + len(s.value.reconnectionToken);
            if (s.case === 'disconnectedMessage') return s.value.reason.length;
            return 0;
        }
        case 'streamAckMessage': return v.streamId.length + num(v.expectedSequenceId);
        case 'sendToGroupMessage': return v.group.length + num(v.ackId) + readEsData(v.data) + (v.noEcho ? 1 : 0);
        case 'joinGroupMessage': case 'leaveGroupMessage': return v.group.length + num(v.ackId);
        case 'sequenceAckMessage': return num(v.sequenceId);
        default: return 1;
    }
}

const codecs = (up) => ({
    wpspb: {
        decode: up ? (b) => readOurs(ours.decodeUpstream(b)) : (b) => readOurs(ours.decodeDownstream(b)),
        parse: up ? ours.decodeUpstream : ours.decodeDownstream,
        encode: up ? ours.encodeUpstream : ours.encodeDownstream,
    },
    protobufjs: {
        decode: up ? (b) => readPb(pbjs.UpstreamMessage.decode(b)) : (b) => readPb(pbjs.DownstreamMessage.decode(b)),
        parse: up ? (b) => pbjs.UpstreamMessage.decode(b) : (b) => pbjs.DownstreamMessage.decode(b),
        encode: up ? (m) => pbjs.UpstreamMessage.encode(m).finish() : (m) => pbjs.DownstreamMessage.encode(m).finish(),
    },
    bufbuild: {
        decode: up ? (b) => readEs(fromBinary(es.UpstreamMessageSchema, b)) : (b) => readEs(fromBinary(es.DownstreamMessageSchema, b)),
        parse: up ? (b) => fromBinary(es.UpstreamMessageSchema, b) : (b) => fromBinary(es.DownstreamMessageSchema, b),
        encode: up ? (m) => toBinary(es.UpstreamMessageSchema, m) : (m) => toBinary(es.DownstreamMessageSchema, m),
    },
    'google-protobuf': {
        decode: up ? (b) => readPb(gpb.decodeUp(b)) : (b) => readPb(gpb.decodeDown(b)),
        parse: up ? gpb.decodeUp : gpb.decodeDown,
        encode: up ? gpb.encodeUp : gpb.encodeDown,
    },
});

// ---- timing ----
// The machine is shared (other processes take the cores for whole time
// slices), so the clock is this process's CPU time (user + system, all its
// threads: the garbage collector's helpers count), not the wall clock; the
// codecs take turns sample by sample, and the minimum is the figure to
// compare.
const SAMPLES = quick ? 7 : 15;
const SAMPLE_NS = quick ? 2e6 : 4e6;
function pass(fn, inputs) {
    const n = inputs.length;
    for (let i = 0; i < n; i++) sink += fn(inputs[i]) === undefined ? 0 : 1;
}
function cpuNs(fn, inputs, reps) {
    const c0 = process.cpuUsage();
    for (let r = 0; r < reps; r++) pass(fn, inputs);
    const d = process.cpuUsage(c0);
    return (d.user + d.system) * 1000;
}
// jobs: [{fn, inputs}] -> [{min, med}] ns per input, measured in turns
function measureAll(jobs) {
    const reps = jobs.map((j) => {
        for (let w = 0; w < 3; w++) pass(j.fn, j.inputs); // warm up
        let r = 1;
        while (cpuNs(j.fn, j.inputs, r) < SAMPLE_NS / 4 && r < 1e6) r *= 2;
        return r * 4;
    });
    const per = jobs.map(() => []);
    for (let s = 0; s < SAMPLES; s++) {
        jobs.forEach((j, k) => per[k].push(cpuNs(j.fn, j.inputs, reps[k]) / (reps[k] * j.inputs.length)));
    }
    return per.map((v) => {
        v.sort((a, b) => a - b);
        return { min: v[0], med: v[v.length >> 1] };
    });
}
const measure = (fn, inputs) => measureAll([{ fn, inputs }])[0];

const f1 = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const pad = (s, n) => String(s).padStart(n);
const PEERS = ['protobufjs', 'bufbuild', 'google-protobuf'];

console.log(`# wpspb in WebAssembly vs JavaScript protobuf codecs, Node ${process.version}, corpus ${corpusDir}`);
console.log('# ns/message of CPU time, min / median of ' + SAMPLES + ' samples; ratio = peer min / wpspb min (> 1: wpspb faster)');
console.log('# decode = decode + read every field the official client reads; encode = encode the decoded message\n');
const header = `| class | op | wpspb | protobufjs | @bufbuild/protobuf | google-protobuf* | x protobufjs | x bufbuild | x google-protobuf |`;
console.log(header);
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');

const summary = {};
for (const cls of classes) {
    const up = cls.startsWith('up_');
    const msgs = load(corpusDir + cls + '.bin');
    const cs = codecs(up);
    // encode correctness: every codec's encoding of its own decoding is the corpus bytes
    const inputs = {};
    for (const [name, c] of Object.entries(cs)) {
        inputs[name] = msgs.map((b) => c.parse(b));
        let bad = 0;
        for (let i = 0; i < msgs.length; i++) {
            const e = c.encode(inputs[name][i]);
            if (e.length !== msgs[i].length || !e.every((x, k) => x === msgs[i][k])) bad++;
        }
        if (bad) console.log(`# note: ${name} re-encodes ${bad} of ${msgs.length} ${cls} messages differently`);
    }
    for (const op of ['decode', 'encode']) {
        const names = Object.keys(cs);
        const res = measureAll(names.map((name) => (op === 'decode'
            ? { fn: cs[name].decode, inputs: msgs } : { fn: cs[name].encode, inputs: inputs[name] })));
        const r = {};
        names.forEach((name, k) => { r[name] = res[k]; });
        summary[cls + ' ' + op] = r;
        const ratio = (p) => (r[p].min / r.wpspb.min).toFixed(2) + 'x';
        console.log(`| ${cls} | ${op} | ${['wpspb', ...PEERS].map((k) => `${f1(r[k].min)} / ${f1(r[k].med)}`).join(' | ')} | ${PEERS.map(ratio).join(' | ')} |`);
    }
}
console.log('\n* google-protobuf: its BinaryReader/BinaryWriter driven by hand-written code for the corpus kinds (no JS generator in protoc 3.21, see gpb_codec.mjs); flatters it.');

// ---- targets ----
const t = (cls, op) => summary[`${cls} ${op}`];
console.log('\n## Targets (ratios of min ns/message, protobufjs / wpspb)');
for (const [cls, op, target] of [['down_mix', 'decode', 3], ['up_mix', 'decode', 3], ['down_ctl_all', 'decode', 3], ['up_ctl_all', 'decode', 3],
    ['down_mix', 'encode', 2], ['up_mix', 'encode', 2]]) {
    const r = t(cls, op);
    if (!r) continue;
    const x = r.protobufjs.min / r.wpspb.min;
    console.log(`${cls} ${op}: ${x.toFixed(2)}x (target ${target}x: ${x >= target ? 'met' : 'NOT met'})`);
}

// ---- payload-size independence ----
console.log('\n## Binary payload decode vs payload size (wpspb, ns/message min)');
for (const dir of ['down_data', 'up_send']) {
    const row = ['bin64', 'bin64k', 'bin1m'].map((s) => t(`${dir}_${s}`, 'decode')).filter(Boolean);
    if (row.length === 3) console.log(`${dir}: 64 B ${f1(row[0].wpspb.min)}, 64 KiB ${f1(row[1].wpspb.min)}, 1 MiB ${f1(row[2].wpspb.min)}`);
}

// ---- the boundary ----
console.log('\n## One call across the JS/WebAssembly boundary');
{
    const f = ours.wasm.wpsjs_io_cap;
    const N = 2e7;
    const loop = (fn) => {
        let best = Infinity;
        for (let s = 0; s < 5; s++) {
            const c0 = process.cpuUsage();
            let a = 0;
            for (let i = 0; i < N; i++) a += fn();
            const d = process.cpuUsage(c0);
            best = Math.min(best, (d.user + d.system) * 1000 / N);
            sink += a;
        }
        return best;
    };
    const best = loop(f);
    const empty = loop(() => 1);
    console.log(`an exported function with no work: ${best.toFixed(2)} ns per call (a JS loop calling a JS function: ${empty.toFixed(2)} ns)`);
}

// ---- alternatives of the API's shape ----
if (!only.length || only.includes('down_mix')) {
    console.log('\n## API shape alternatives (down_mix and down_data_text256 decode, ns/message min)');
    const mix = load(corpusDir + 'down_mix.bin'), t256 = load(corpusDir + 'down_data_text256.bin');
    const rows = [
        ['strings by Node Buffer utf8Slice (default), every field read', () => { ours._bench.strings('buffer'); return (b) => readOurs(ours.decodeDownstream(b)); }],
        ['strings by TextDecoder, every field read', () => { ours._bench.strings('textdecoder'); return (b) => readOurs(ours.decodeDownstream(b)); }],
        ['lazy strings (made when read), every field read', () => { ours._bench.strings('buffer'); return (b) => readOurs(ours._bench.decodeDownstreamLazy(b)); }],
        ['eager, only kind and group read', () => (b) => { const m = ours.decodeDownstream(b); return m.kind === 'dataMessage' ? len(m.group) : 0; }],
        ['lazy, only kind and group read', () => (b) => { const m = ours._bench.decodeDownstreamLazy(b); return m.kind === 'dataMessage' ? len(m.group) : 0; }],
        ['protobufjs, only kind and group read', () => (b) => { const m = pbjs.DownstreamMessage.decode(b); return m.dataMessage ? len(m.dataMessage.group) : 0; }],
    ];
    for (const [label, make] of rows) {
        const fn = make();
        console.log(`${label}: down_mix ${f1(measure(fn, mix).min)}, down_data_text256 ${f1(measure(fn, t256).min)}`);
    }
    ours._bench.strings('buffer');
    // payload views against copies, on the payload sizes of the mixes
    const frame = new Uint8Array(600);
    for (const n of [20, 64, 500]) {
        const v = measure(() => frame.subarray(10, 10 + n), new Array(4096).fill(0)).min;
        const c = measure(() => frame.slice(10, 10 + n), new Array(4096).fill(0)).min;
        console.log(`payload of ${n} B: view (subarray) ${f1(v)} ns, copy (slice) ${f1(c)} ns`);
    }
}
if (sink === 0.5) console.log(sink);
