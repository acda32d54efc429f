// SPDX-License-Identifier: MIT
// wpspb for JavaScript: the C codec compiled to WebAssembly, one call per
// frame.  See README.md in this directory and wpspb.d.ts for the API.
//
// Decoding copies the frame into the module's memory, decodes it there (the
// C decoder checks every byte, UTF-8 included), and reads the result from a
// flat record of 32-bit words (see wpspb_wasm.c).  Strings are built by the
// engine's native UTF-8 decoder from the validated bytes; payloads are views
// into the caller's frame.  Encoding writes the same record and the
// strings' UTF-8 into the module's memory and copies the encoding out.

// The status names, read from the module (pbw_status_name) once it is loaded.
const STATUS = [];

/** The one error class: a status name (as in pbwire.h) and, for input, the
 * byte offset of the first error. */
export class WpsError extends Error {
    constructor(status, offset, detail) {
        const name = typeof status === 'number' ? (STATUS[status] || 'PBW_UNKNOWN') : status;
        super(offset === undefined ? `${name}${detail ? ': ' + detail : ''}`
            : `${name} at byte ${offset}${detail ? ': ' + detail : ''}`);
        this.name = 'WpsError';
        this.status = name;
        this.offset = offset;
    }
}

// ---- the module ----------------------------------------------------------

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
const wasmUrl = new URL('./wpspb.wasm', import.meta.url);
let wasmBytes;
if (isNode) {
    const { readFile } = await import('node:fs/promises');
    wasmBytes = await readFile(wasmUrl);
} else {
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new Error(`wpspb: cannot load ${wasmUrl}: ${res.status}`);
    wasmBytes = await res.arrayBuffer();
}
const { instance } = await WebAssembly.instantiate(wasmBytes, {});
const ex = instance.exports;
/** The raw exports of the WebAssembly module (for tests and tools). */
export const wasm = ex;

const HasBuffer = isNode && typeof Buffer === 'function';
const FIXED = ex.wpsjs_fixed_words();
const KV_SIZE = ex.wpsjs_kv_size();
const ITEM_SIZE = ex.wpsjs_item_size();
const td = new TextDecoder('utf-8', { ignoreBOM: true });
const te = new TextEncoder();

let u8, u32, nb; // views of the memory (nb: a Node Buffer over it)
let ioPtr = 0, ioCap = 0, W = 0, recCap = 0;

function refresh() {
    const buf = ex.memory.buffer;
    u8 = new Uint8Array(buf);
    u32 = new Uint32Array(buf);
    nb = HasBuffer ? Buffer.from(buf) : null;
    ioPtr = ex.wpsjs_io(0, 0);
    ioCap = ex.wpsjs_io_cap();
    W = ex.wpsjs_rec() >>> 2;
    recCap = ex.wpsjs_rec_cap() >>> 2;
}

function growIo(n, keep) {
    if (!ex.wpsjs_io(n, keep)) throw new WpsError('PBW_E_NOSPACE', undefined, 'out of memory');
    refresh();
}

ex.wpsjs_rec_need(FIXED + 64);
growIo(4096, 0);
for (let i = 0; i < 256; i++) {
    const p = ex.wpsjs_status_name(i);
    let e = p;
    while (u8[e] !== 0) e++;
    const name = td.decode(u8.subarray(p, e));
    if (name === 'PBW_UNKNOWN') break;
    STATUS.push(name);
}

// Strings from the validated bytes at io[s..e).
const utf8Buffer = (s, e) => nb.utf8Slice(s, e);
const utf8TextDecoder = (s, e) => td.decode(u8.subarray(s, e));
let utf8 = HasBuffer ? utf8Buffer : utf8TextDecoder;

// Strings of up to 32 bytes come with a cache slot and generation (see
// wpspb_wasm.c): the same slot and generation means the same bytes, so the
// string made for them last time is the string.
const cacheStr = new Array(1024).fill('');
const cacheGen = new Int32Array(1024).fill(-1);

function S(i) {
    const w = u32[i + 1];
    if (w < 0x80000000) {
        if (w === 0) return '';
        const s = ioPtr + u32[i];
        return utf8(s, s + w);
    }
    const slot = (w >>> 6) & 1023, gen = (w >>> 16) & 0x3fff;
    if (cacheGen[slot] === gen) return cacheStr[slot];
    const s = ioPtr + u32[i], n = w & 63;
    let str;
    if (n <= 8) { // a few ASCII bytes: cheaper in JavaScript than a call into the engine's decoder
        str = '';
        for (let k = s; k < s + n; k++) {
            const c = u8[k];
            if (c >= 0x80) { str = utf8(s, s + n); break; }
            str += String.fromCharCode(c);
        }
    } else {
        str = utf8(s, s + n);
    }
    cacheStr[slot] = str;
    cacheGen[slot] = gen;
    return str;
}

// A uint64 from its halves: a number when it is a safe integer, else a bigint.
function U(i) {
    const lo = u32[i], hi = u32[i + 1];
    if (hi === 0) return lo;
    if (hi < 0x200000) return hi * 4294967296 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
}

// An int64 (GroupStateItem.updated_at), the same way.
function I(i) {
    const lo = u32[i], hi = u32[i + 1] | 0;
    if (hi >= -0x200000 && hi < 0x200000) {
        const v = hi * 4294967296 + lo;
        if (Number.isSafeInteger(v)) return v;
    }
    return BigInt.asIntN(64, (BigInt(u32[i + 1]) << 32n) | BigInt(lo));
}

let F; // the caller's frame, for payload views

function bytes(i) {
    const o = u32[i];
    return F.subarray(o, o + u32[i + 1]);
}

// MessageData (5 words: kind, bytes, type_url).
function D(i) {
    switch (u32[i]) {
        case 1: return { textData: S(i + 1) };
        case 2: return { binaryData: bytes(i + 1) };
        case 3: return { protobufData: { typeUrl: S(i + 3), value: bytes(i + 1) } };
        case 4: return { jsonData: S(i + 1) };
        default: return {};
    }
}

function setKey(o, k, v) {
    if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    else o[k] = v;
}

// map<string,string> (count, index of the entries): a plain object; a
// later entry with the same key replaces an earlier one (libprotobuf's map).
function M(i) {
    const o = {};
    let n = u32[i];
    if (n === 0) return o;
    for (let e = W + u32[i + 1]; n > 0; n--, e += 4) setKey(o, S(e), S(e + 2));
    return o;
}

function items(i) {
    const n = u32[i], out = new Array(n);
    for (let k = 0, e = W + u32[i + 1]; k < n; k++, e += 9) {
        const f = u32[e + 2];
        out[k] = {
            connectionId: S(e),
            userId: f & 1 ? S(e + 3) : undefined,
            state: f & 2 ? M(e + 7) : undefined,
            updatedAt: I(e + 5),
        };
    }
    return out;
}

function groupRequest(kind, b) {
    const f = u32[b];
    return { kind, group: S(b + 1), ackId: f & 1 ? U(b + 3) : undefined };
}

const UP = [];
UP[0] = () => ({ kind: null });
UP[1] = (b) => {
    const f = u32[b];
    return {
        kind: 'sendToGroupMessage',
        group: S(b + 1),
        ackId: f & 1 ? U(b + 3) : undefined,
        data: f & 2 ? D(b + 5) : undefined,
        noEcho: f & 4 ? (f & 8) !== 0 : undefined,
        ttlSeconds: f & 16 ? u32[b + 10] : undefined,
        metadata: M(b + 11),
        stream: f & 32 ? { streamId: S(b + 13), idleTimeoutMs: f & 64 ? u32[b + 15] : undefined } : undefined,
    };
};
UP[5] = (b) => {
    const f = u32[b];
    return {
        kind: 'eventMessage',
        event: S(b + 1),
        data: f & 1 ? D(b + 3) : undefined,
        ackId: f & 2 ? U(b + 8) : undefined,
        metadata: M(b + 10),
        stream: f & 4 ? { streamId: S(b + 12), idleTimeoutMs: f & 8 ? u32[b + 14] : undefined } : undefined,
    };
};
UP[6] = (b) => groupRequest('joinGroupMessage', b);
UP[7] = (b) => groupRequest('leaveGroupMessage', b);
UP[8] = (b) => ({ kind: 'sequenceAckMessage', sequenceId: U(b) });
UP[9] = () => ({ kind: 'pingMessage' });
UP[10] = (b) => {
    const f = u32[b];
    return {
        kind: 'invokeEventMessage',
        event: S(b + 1),
        invocationId: S(b + 3),
        data: f & 1 ? D(b + 5) : undefined,
        metadata: M(b + 10),
        stream: f & 2 ? { streamId: S(b + 12), idleTimeoutMs: f & 4 ? u32[b + 14] : undefined } : undefined,
    };
};
UP[11] = (b) => ({ kind: 'cancelInvocationMessage', invocationId: S(b) });
UP[13] = (b) => {
    const f = u32[b];
    return {
        kind: 'streamDataMessage',
        streamId: S(b + 1),
        streamSequenceId: f & 1 ? U(b + 3) : undefined,
        data: f & 2 ? D(b + 5) : undefined,
    };
};
UP[14] = (b) => {
    const f = u32[b];
    return {
        kind: 'streamEndMessage',
        streamId: S(b + 1),
        error: f & 1 ? {
            message: f & 2 ? S(b + 3) : undefined,
            userErrorCode: f & 4 ? S(b + 5) : undefined,
        } : undefined,
    };
};
UP[15] = (b) => {
    const f = u32[b];
    return {
        kind: 'setGroupStateMessage',
        group: S(b + 1),
        ackId: f & 1 ? U(b + 3) : undefined,
        state: f & 2 ? M(b + 5) : undefined,
    };
};
UP[16] = (b) => groupRequest('subscribeGroupStateMessage', b);
UP[17] = (b) => groupRequest('unsubscribeGroupStateMessage', b);

const DOWN = [];
DOWN[0] = () => ({ kind: null });
DOWN[1] = (b) => {
    const f = u32[b];
    return {
        kind: 'ackMessage',
        ackId: U(b + 1),
        success: (f & 1) !== 0,
        error: f & 2 ? { name: S(b + 3), message: S(b + 5) } : undefined,
    };
};
DOWN[2] = (b) => {
    const f = u32[b];
    return {
        kind: 'dataMessage',
        from: S(b + 1),
        group: f & 1 ? S(b + 3) : undefined,
        data: f & 2 ? D(b + 5) : undefined,
        sequenceId: f & 4 ? U(b + 10) : undefined,
        metadata: M(b + 12),
        stream: f & 8 ? {
            streamId: S(b + 14),
            streamSequenceId: U(b + 16),
            endOfStream: f & 16 ? (f & 32) !== 0 : undefined,
            error: f & 64 ? { name: S(b + 18), message: S(b + 20), userErrorCode: S(b + 22) } : undefined,
        } : undefined,
    };
};
DOWN[3] = (b) => {
    switch (u32[b]) {
        case 1: {
            const f = u32[b + 1];
            return {
                kind: 'connectedMessage',
                connectionId: S(b + 2),
                userId: S(b + 4),
                reconnectionToken: f & 1 ? S(b + 6) : undefined,
            };
        }
        case 2: return { kind: 'disconnectedMessage', reason: S(b + 1) };
        default: return { kind: 'systemMessage' };
    }
};
DOWN[4] = () => ({ kind: 'pongMessage' });
DOWN[5] = (b) => {
    const f = u32[b];
    return {
        kind: 'invokeResponseMessage',
        invocationId: S(b + 1),
        success: (f & 1) !== 0,
        data: f & 2 ? D(b + 3) : undefined,
        error: f & 4 ? { name: S(b + 8), message: S(b + 10) } : undefined,
        metadata: M(b + 12),
    };
};
DOWN[6] = (b) => ({ kind: 'streamAckMessage', streamId: S(b), expectedSequenceId: U(b + 2) });
DOWN[7] = (b) => ({
    kind: 'streamNackMessage', streamId: S(b), name: S(b + 2), message: S(b + 4), expectedSequenceId: U(b + 6),
});
DOWN[8] = (b) => {
    const f = u32[b];
    return {
        kind: 'streamClosedMessage',
        streamId: S(b + 1),
        error: f & 1 ? { name: S(b + 3), message: S(b + 5) } : undefined,
    };
};
const groupState = (kind) => (b) => {
    const f = u32[b];
    return { kind, group: S(b + 1), items: items(b + 3), sequenceId: f & 1 ? U(b + 5) : undefined };
};
DOWN[9] = groupState('groupStateUpdateMessage');
DOWN[10] = groupState('groupStateSnapshotMessage');

function asBytes(frame) {
    if (frame instanceof Uint8Array) return frame;
    if (frame instanceof ArrayBuffer) return new Uint8Array(frame);
    if (ArrayBuffer.isView(frame)) return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    throw new WpsError('PBW_E_ARG', undefined, 'a frame is a Uint8Array, an ArrayBuffer or a Buffer');
}

function load(frame) {
    const f = asBytes(frame), n = f.length;
    if (n > ioCap) growIo(n, 0);
    u8.set(f, ioPtr);
    return f;
}

function finish(r, f, table) {
    if (r > 255) refresh();
    const st = r & 255;
    if (st !== 0) throw new WpsError(st, u32[W + 1]);
    F = f;
    const kind = u32[W + 2] & 255;
    const m = table[kind](W + 4);
    F = undefined;
    return m;
}

// Frames from this size on go through the streaming decoder, fed in windows
// (see wpspb_wasm.c): a binary payload is then never copied into the module.
let streamMin = 16384;

function decodeLarge(frame, down, flags, table) {
    const f = asBytes(frame), n = f.length;
    if (2 * n > ioCap) growIo(2 * n, 0);
    let r = ex.wpsjs_sdecode_begin(n, down, flags);
    while (true) {
        if (r > 255) {
            refresh();
            r &= 255;
        }
        if (r !== 253) break;
        const a = u32[W + 1], b = u32[W + 2];
        u8.set(f.subarray(a, b), ioPtr + a);
        r = ex.wpsjs_sdecode_next();
    }
    if (r === 11) { // PBW_E_NOSPACE: short fields fill the frame (no payload to skip): in one piece
        const g = load(f);
        return finish(down ? ex.wpsjs_decode_down(g.length, flags) : ex.wpsjs_decode_up(g.length, flags), g, table);
    }
    return finish(r, f, table);
}

/** Decodes an UpstreamMessage (client to service). */
export function decodeUpstream(frame, options) {
    const flags = options && options.noUtf8 ? 1 : 0;
    if (frame != null && frame.byteLength >= streamMin) return decodeLarge(frame, 0, flags, UP);
    const f = load(frame);
    return finish(ex.wpsjs_decode_up(f.length, flags), f, UP);
}

/** Decodes a DownstreamMessage (service to client). */
export function decodeDownstream(frame, options) {
    const flags = options && options.noUtf8 ? 1 : 0;
    if (frame != null && frame.byteLength >= streamMin) return decodeLarge(frame, 1, flags, DOWN);
    const f = load(frame);
    return finish(ex.wpsjs_decode_down(f.length, flags), f, DOWN);
}

// ---- encode ---------------------------------------------------------------

let sp = 0;     // bytes of io used by the strings
let vw = 0;     // next free record word (maps and items)
let arenaN = 0; // arena bytes the C side needs for maps and items

function argError(what) {
    return new WpsError('PBW_E_ARG', undefined, what);
}

function roomIo(n) {
    if (sp + n > ioCap) growIo(Math.max(sp + n, ioCap * 2), sp);
}

function roomRec(words) {
    if (vw + words > recCap) {
        if (!ex.wpsjs_rec_need(Math.max(vw + words, recCap * 2))) throw new WpsError('PBW_E_NOSPACE', undefined, 'out of memory');
        refresh();
    }
}

const writeUtf8 = HasBuffer
    ? (s, at, room) => nb.utf8Write(s, at, room)
    : (s, at, room) => te.encodeInto(s, u8.subarray(at, at + room)).written;

function putStr(i, s, name) {
    if (s === undefined || s === null || s === '') {
        u32[W + i] = 0; u32[W + i + 1] = 0;
        return;
    }
    if (typeof s !== 'string') throw argError(`${name} must be a string`);
    const len = s.length, room = len * 3;
    roomIo(room);
    if (len <= 64) { // short ASCII strings: cheaper in JavaScript than a call into the engine's encoder
        const p = ioPtr + sp;
        let k = 0;
        for (; k < len; k++) {
            const c = s.charCodeAt(k);
            if (c >= 0x80) break;
            u8[p + k] = c;
        }
        if (k === len) {
            u32[W + i] = sp; u32[W + i + 1] = len;
            sp += len;
            return;
        }
    }
    const n = writeUtf8(s, ioPtr + sp, room);
    u32[W + i] = sp; u32[W + i + 1] = n;
    sp += n;
}

// A payload of at least this many bytes is not copied into the module: the
// encoder writes the bytes around it, and the output is assembled here.
const SPLIT_MIN = 16384;
let splitPayload = null;

function putBytes(i, b, name, isPayload) {
    if (b === undefined || b === null) { u32[W + i] = 0; u32[W + i + 1] = 0; return; }
    let v;
    if (b instanceof Uint8Array) v = b;
    else if (b instanceof ArrayBuffer) v = new Uint8Array(b);
    else if (ArrayBuffer.isView(b)) v = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    else throw argError(`${name} must be a Uint8Array or an ArrayBuffer`);
    const n = v.length;
    if (isPayload && n >= SPLIT_MIN) {
        splitPayload = v;
        u32[W + i] = 0; u32[W + i + 1] = n;
        return;
    }
    roomIo(n);
    u8.set(v, ioPtr + sp);
    u32[W + i] = sp; u32[W + i + 1] = n;
    sp += n;
}

const TWO32 = 4294967296;

function putU64(i, v, name) {
    if (v === undefined || v === null) { u32[W + i] = 0; u32[W + i + 1] = 0; return; }
    if (typeof v === 'number') {
        if (!(v >= 0 && v < 18446744073709551616 && Number.isInteger(v))) throw argError(`${name} must be an integer in 0..2^64-1`);
        u32[W + i] = v >>> 0;
        u32[W + i + 1] = (v / TWO32) >>> 0;
    } else if (typeof v === 'bigint') {
        if (v < 0n || v > 0xffffffffffffffffn) throw argError(`${name} must be an integer in 0..2^64-1`);
        u32[W + i] = Number(v & 0xffffffffn);
        u32[W + i + 1] = Number(v >> 32n);
    } else throw argError(`${name} must be a number or a bigint`);
}

function putI64(i, v, name) {
    if (v === undefined || v === null) { u32[W + i] = 0; u32[W + i + 1] = 0; return; }
    let b;
    if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < -9223372036854775808 || v >= 9223372036854775808) throw argError(`${name} must be an int64`);
        b = BigInt(v);
    } else if (typeof v === 'bigint') {
        if (v < -0x8000000000000000n || v > 0x7fffffffffffffffn) throw argError(`${name} must be an int64`);
        b = v;
    } else throw argError(`${name} must be a number or a bigint`);
    b = BigInt.asUintN(64, b);
    u32[W + i] = Number(b & 0xffffffffn);
    u32[W + i + 1] = Number(b >> 32n);
}

function putU32(i, v, name) {
    if (v === undefined || v === null) { u32[W + i] = 0; return; }
    if (typeof v !== 'number' || !(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw argError(`${name} must be an integer in 0..2^32-1`);
    u32[W + i] = v;
}

// MessageData.  Returns 1 when d is present (its has_ flag).
function putData(i, d, name) {
    u32[W + i] = 0;
    u32[W + i + 1] = 0; u32[W + i + 2] = 0; u32[W + i + 3] = 0; u32[W + i + 4] = 0;
    if (d === undefined || d === null) return 0;
    if (typeof d !== 'object') throw argError(`${name} must be an object`);
    if (d.textData !== undefined) { u32[W + i] = 1; putStr(i + 1, d.textData, name + '.textData'); }
    else if (d.binaryData !== undefined) { u32[W + i] = 2; putBytes(i + 1, d.binaryData, name + '.binaryData', true); }
    else if (d.protobufData !== undefined) {
        const a = d.protobufData;
        if (a === null || typeof a !== 'object') throw argError(`${name}.protobufData must be an object`);
        u32[W + i] = 3;
        putBytes(i + 1, a.value, name + '.protobufData.value', true);
        putStr(i + 3, a.typeUrl, name + '.protobufData.typeUrl');
    } else if (d.jsonData !== undefined) { u32[W + i] = 4; putStr(i + 1, d.jsonData, name + '.jsonData'); }
    return 1;
}

// Code-point order of two strings: libprotobuf sorts map keys by their
// UTF-8 bytes, which is code-point order (JavaScript's < compares UTF-16).
function keyOrder(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let k = 0; k < n; k++) {
        let x = a.charCodeAt(k), y = b.charCodeAt(k);
        if (x === y) continue;
        if (x >= 0xd800 && x < 0xe000) x += 0x2000; else if (x >= 0xe000) x -= 0x800;
        if (y >= 0xd800 && y < 0xe000) y += 0x2000; else if (y >= 0xe000) y -= 0x800;
        return x - y;
    }
    return a.length - b.length;
}

// map<string,string>: entries sorted by key, as libprotobuf writes them.
function putMap(i, m, name) {
    u32[W + i] = 0; u32[W + i + 1] = 0;
    if (m === undefined || m === null) return;
    if (typeof m !== 'object') throw argError(`${name} must be an object of strings`);
    const keys = Object.keys(m), n = keys.length;
    if (n === 0) return;
    if (n > 1) keys.sort(keyOrder);
    roomRec(n * 4);
    const at = vw;
    vw += n * 4;
    u32[W + i] = n; u32[W + i + 1] = at;
    for (let k = 0; k < n; k++) {
        const key = keys[k], v = m[key];
        if (typeof v !== 'string') throw argError(`${name}[${JSON.stringify(key)}] must be a string`);
        putStr(at + k * 4, key, name);
        putStr(at + k * 4 + 2, v, name);
    }
    arenaN += n * KV_SIZE;
}

function putItems(i, list, name) {
    u32[W + i] = 0; u32[W + i + 1] = 0;
    if (list === undefined || list === null) return;
    if (!Array.isArray(list)) throw argError(`${name} must be an array`);
    const n = list.length;
    if (n === 0) return;
    roomRec(n * 9);
    const at = vw;
    vw += n * 9;
    u32[W + i] = n; u32[W + i + 1] = at;
    for (let k = 0; k < n; k++) {
        const it = list[k], e = at + k * 9;
        if (it === null || typeof it !== 'object') throw argError(`${name}[${k}] must be an object`);
        putStr(e, it.connectionId, `${name}[${k}].connectionId`);
        u32[W + e + 2] = (it.userId !== undefined ? 1 : 0) | (it.state !== undefined ? 2 : 0);
        putStr(e + 3, it.userId, `${name}[${k}].userId`);
        putI64(e + 5, it.updatedAt, `${name}[${k}].updatedAt`);
        putMap(e + 7, it.state, `${name}[${k}].state`);
    }
    arenaN += n * ITEM_SIZE;
}

const has = (v) => (v !== undefined && v !== null ? 1 : 0);

function putBool(v, name) {
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'boolean') throw argError(`${name} must be a boolean`);
    return v ? 1 : 0;
}

function groupReq(code) {
    return (b, m) => {
        u32[W + b] = has(m.ackId);
        putStr(b + 1, m.group, 'group');
        putU64(b + 3, m.ackId, 'ackId');
        return code;
    };
}

function putStreamStart(b, s, name) {
    if (s === undefined || s === null) { putStr(b, ''); u32[W + b + 2] = 0; return 0; }
    if (typeof s !== 'object') throw argError(`${name} must be an object`);
    putStr(b, s.streamId, name + '.streamId');
    putU32(b + 2, s.idleTimeoutMs, name + '.idleTimeoutMs');
    return s.idleTimeoutMs !== undefined && s.idleTimeoutMs !== null ? 2 : 1;
}

// Writers: (first field word, message) -> the kind code.  Every record word
// is written as u32[W + i] = value with the value computed first: writing a
// string may grow the memory, which replaces u32 and may move W.
const UPW = {
    sendToGroupMessage(b, m) {
        const hd = putData(b + 5, m.data, 'data');
        const ss = putStreamStart(b + 13, m.stream, 'stream');
        const f = has(m.ackId) | hd << 1 | has(m.noEcho) << 2 | putBool(m.noEcho, 'noEcho') << 3 |
            has(m.ttlSeconds) << 4 | (ss ? 32 : 0) | (ss === 2 ? 64 : 0);
        u32[W + b] = f;
        putStr(b + 1, m.group, 'group');
        putU64(b + 3, m.ackId, 'ackId');
        putU32(b + 10, m.ttlSeconds, 'ttlSeconds');
        putMap(b + 11, m.metadata, 'metadata');
        return 1;
    },
    eventMessage(b, m) {
        const hd = putData(b + 3, m.data, 'data');
        const ss = putStreamStart(b + 12, m.stream, 'stream');
        u32[W + b] = hd | has(m.ackId) << 1 | (ss ? 4 : 0) | (ss === 2 ? 8 : 0);
        putStr(b + 1, m.event, 'event');
        putU64(b + 8, m.ackId, 'ackId');
        putMap(b + 10, m.metadata, 'metadata');
        return 5;
    },
    joinGroupMessage: groupReq(6),
    leaveGroupMessage: groupReq(7),
    sequenceAckMessage(b, m) { putU64(b, m.sequenceId, 'sequenceId'); return 8; },
    pingMessage() { return 9; },
    invokeEventMessage(b, m) {
        const hd = putData(b + 5, m.data, 'data');
        const ss = putStreamStart(b + 12, m.stream, 'stream');
        u32[W + b] = hd | (ss ? 2 : 0) | (ss === 2 ? 4 : 0);
        putStr(b + 1, m.event, 'event');
        putStr(b + 3, m.invocationId, 'invocationId');
        putMap(b + 10, m.metadata, 'metadata');
        return 10;
    },
    cancelInvocationMessage(b, m) { putStr(b, m.invocationId, 'invocationId'); return 11; },
    streamDataMessage(b, m) {
        const f = has(m.streamSequenceId) | putData(b + 5, m.data, 'data') << 1;
        u32[W + b] = f;
        putStr(b + 1, m.streamId, 'streamId');
        putU64(b + 3, m.streamSequenceId, 'streamSequenceId');
        return 13;
    },
    streamEndMessage(b, m) {
        const e = m.error;
        if (e !== undefined && e !== null && typeof e !== 'object') throw argError('error must be an object');
        u32[W + b] = has(e) | (e ? has(e.message) << 1 | has(e.userErrorCode) << 2 : 0);
        putStr(b + 1, m.streamId, 'streamId');
        putStr(b + 3, e ? e.message : undefined, 'error.message');
        putStr(b + 5, e ? e.userErrorCode : undefined, 'error.userErrorCode');
        return 14;
    },
    setGroupStateMessage(b, m) {
        u32[W + b] = has(m.ackId) | has(m.state) << 1;
        putStr(b + 1, m.group, 'group');
        putU64(b + 3, m.ackId, 'ackId');
        putMap(b + 5, m.state, 'state');
        return 15;
    },
    subscribeGroupStateMessage: groupReq(16),
    unsubscribeGroupStateMessage: groupReq(17),
};

function putError2(b, e, name) {
    if (e !== undefined && e !== null && typeof e !== 'object') throw argError(`${name} must be an object`);
    putStr(b, e ? e.name : undefined, name + '.name');
    putStr(b + 2, e ? e.message : undefined, name + '.message');
    return has(e);
}

const DOWNW = {
    ackMessage(b, m) {
        const f = putBool(m.success, 'success') | putError2(b + 3, m.error, 'error') << 1;
        u32[W + b] = f;
        putU64(b + 1, m.ackId, 'ackId');
        return 1;
    },
    dataMessage(b, m) {
        const s = m.stream;
        if (s !== undefined && s !== null && typeof s !== 'object') throw argError('stream must be an object');
        const se = s ? s.error : undefined;
        if (se !== undefined && se !== null && typeof se !== 'object') throw argError('stream.error must be an object');
        const f = has(m.group) | putData(b + 5, m.data, 'data') << 1 | has(m.sequenceId) << 2 | has(s) << 3 |
            (s ? has(s.endOfStream) << 4 | putBool(s.endOfStream, 'stream.endOfStream') << 5 | has(se) << 6 : 0);
        u32[W + b] = f;
        putStr(b + 1, m.from, 'from');
        putStr(b + 3, m.group, 'group');
        putU64(b + 10, m.sequenceId, 'sequenceId');
        putMap(b + 12, m.metadata, 'metadata');
        putStr(b + 14, s ? s.streamId : undefined, 'stream.streamId');
        putU64(b + 16, s ? s.streamSequenceId : undefined, 'stream.streamSequenceId');
        putStr(b + 18, se ? se.name : undefined, 'stream.error.name');
        putStr(b + 20, se ? se.message : undefined, 'stream.error.message');
        putStr(b + 22, se ? se.userErrorCode : undefined, 'stream.error.userErrorCode');
        return 2;
    },
    connectedMessage(b, m) {
        u32[W + b] = 1;
        u32[W + b + 1] = has(m.reconnectionToken);
        putStr(b + 2, m.connectionId, 'connectionId');
        putStr(b + 4, m.userId, 'userId');
        putStr(b + 6, m.reconnectionToken, 'reconnectionToken');
        return 3 | 1 << 8;
    },
    disconnectedMessage(b, m) {
        u32[W + b] = 2;
        putStr(b + 1, m.reason, 'reason');
        return 3 | 2 << 8;
    },
    systemMessage(b) { u32[W + b] = 0; return 3; },
    pongMessage() { return 4; },
    invokeResponseMessage(b, m) {
        const f = putBool(m.success, 'success') | putData(b + 3, m.data, 'data') << 1 |
            putError2(b + 8, m.error, 'error') << 2;
        u32[W + b] = f;
        putStr(b + 1, m.invocationId, 'invocationId');
        putMap(b + 12, m.metadata, 'metadata');
        return 5;
    },
    streamAckMessage(b, m) {
        putStr(b, m.streamId, 'streamId');
        putU64(b + 2, m.expectedSequenceId, 'expectedSequenceId');
        return 6;
    },
    streamNackMessage(b, m) {
        putStr(b, m.streamId, 'streamId');
        putStr(b + 2, m.name, 'name');
        putStr(b + 4, m.message, 'message');
        putU64(b + 6, m.expectedSequenceId, 'expectedSequenceId');
        return 7;
    },
    streamClosedMessage(b, m) {
        const f = putError2(b + 3, m.error, 'error');
        u32[W + b] = f;
        putStr(b + 1, m.streamId, 'streamId');
        return 8;
    },
    groupStateUpdateMessage(b, m) { return groupStateW(b, m, 9); },
    groupStateSnapshotMessage(b, m) { return groupStateW(b, m, 10); },
};

function groupStateW(b, m, code) {
    u32[W + b] = has(m.sequenceId);
    putStr(b + 1, m.group, 'group');
    putItems(b + 3, m.items, 'items');
    putU64(b + 5, m.sequenceId, 'sequenceId');
    return code;
}

function encode(msg, table, call, asArrayBuffer) {
    if (msg === null || typeof msg !== 'object') throw argError('a message is an object with a kind');
    sp = 0; vw = FIXED; arenaN = 0; splitPayload = null;
    let code = 0;
    if (msg.kind !== null && msg.kind !== undefined) {
        const w = Object.prototype.hasOwnProperty.call(table, msg.kind) ? table[msg.kind] : undefined;
        if (w === undefined) throw argError(`unknown kind ${JSON.stringify(msg.kind)}`);
        code = w(4, msg);
    }
    u32[W + 2] = code;
    u32[W + 3] = vw;
    const payload = splitPayload;
    splitPayload = null;
    const r = call(sp, arenaN, payload ? 1 : 0);
    if (r > 255) refresh();
    if ((r & 255) !== 0) throw new WpsError(r & 255);
    const out = ex.wpsjs_out();
    if (payload) {
        const head = u32[W + 1], tail = u32[W + 2], n = head + payload.length + tail;
        const dst = asArrayBuffer ? new Uint8Array(new ArrayBuffer(n)) : HasBuffer ? Buffer.allocUnsafe(n) : new Uint8Array(n);
        dst.set(u8.subarray(out, out + head), 0);
        dst.set(payload, head);
        dst.set(u8.subarray(out + head, out + head + tail), head + payload.length);
        return asArrayBuffer ? dst.buffer : dst;
    }
    const n = u32[W + 1];
    if (asArrayBuffer) {
        const ab = new ArrayBuffer(n);
        new Uint8Array(ab).set(u8.subarray(out, out + n));
        return ab;
    }
    if (HasBuffer) { // Node's pooled allocation, as protobufjs does: far cheaper for small frames
        const b = Buffer.allocUnsafe(n);
        if (n <= 64) for (let k = 0; k < n; k++) b[k] = u8[out + k];
        else nb.copy(b, 0, out, out + n);
        return b;
    }
    return u8.slice(out, out + n);
}

/** Encodes an UpstreamMessage into a new Uint8Array (libprotobuf's bytes;
 * in Node a Buffer, small ones from Node's shared pool). */
export function encodeUpstream(msg) {
    return encode(msg, UPW, ex.wpsjs_encode_up, false);
}

/** encodeUpstream into an ArrayBuffer of its own (what WebSocket.send takes whole). */
export function encodeUpstreamArrayBuffer(msg) {
    return encode(msg, UPW, ex.wpsjs_encode_up, true);
}

/** Encodes a DownstreamMessage into a new Uint8Array (libprotobuf's bytes). */
export function encodeDownstream(msg) {
    return encode(msg, DOWNW, ex.wpsjs_encode_down, false);
}

// ---- what receivers get (wps_service.h) ----------------------------------

/**
 * What each kind of receiver gets for a frame, as the service core renders
 * it: a json.webpubsub.azure.v1 client (the DataMessage as JSON), a plain
 * WebSocket client (the bare payload) and, for an EventMessage, the
 * upstream event handler (CloudEvents header lines and body).  A receiver
 * that gets nothing for this message is left out; one whose rendering
 * fails has {error, offset?}.  Throws WpsError for a malformed frame.
 * (The CloudEvents connection fields are fixed samples: hub "hub",
 * connection "conn-1", user "user-1".)
 */
export function receivers(frame, options) {
    const f = load(frame);
    const r = ex.wpsjs_render(f.length, options && options.down ? 1 : 0);
    if (r > 255) refresh();
    if ((r & 255) !== 0) throw new WpsError(r & 255, u32[W + 1]);
    const out = ex.wpsjs_out(), w = W;
    const text = (o, n) => td.decode(u8.subarray(out + o, out + o + n));
    const res = {};
    const js = u32[w + 4];
    if (js === 0) res.jsonClient = text(u32[w + 5], u32[w + 6]);
    else if (js !== 255) res.jsonClient = { error: STATUS[js] };
    const rs = u32[w + 7];
    if (rs !== 0 && rs !== 255) res.raw = { error: STATUS[rs] };
    if (rs === 0) {
        res.raw = {
            frameType: u32[w + 8] === 1 ? 'text' : 'binary',
            contentType: text(u32[w + 11], u32[w + 12]),
            bytes: u8.slice(out + u32[w + 9], out + u32[w + 9] + u32[w + 10]),
        };
    }
    const ce = u32[w + 13];
    if (ce === 0) res.cloudEvent = { headers: text(u32[w + 14], u32[w + 15]), body: res.raw ? res.raw.bytes : new Uint8Array(0) };
    else if (ce !== 255) res.cloudEvent = { error: STATUS[ce] };
    return res;
}

// ---- protobuf JSON ---------------------------------------------------------

function b64(u) {
    if (HasBuffer) return Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64');
    let s = '';
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
    return btoa(s);
}

/**
 * A decoded message in the protobuf JSON mapping, the way libprotobuf's
 * MessageToJson writes it: the oneof member as the key, 64-bit integers as
 * strings, bytes as base64, fields without presence left out when they are
 * zero or empty, fields with presence (and sub-messages) kept when set.
 */
export function toProtoJSON(m) {
    const o = {};
    const put = (obj, k, v, keep) => {
        if (v === undefined || v === null) return;
        if (!keep && (v === '' || v === 0 || v === 0n || v === false)) return;
        if (typeof v === 'bigint' || (typeof v === 'number' && INT64_KEYS.has(k))) v = String(v);
        else if (v instanceof Uint8Array) { if (!keep && v.length === 0) return; v = b64(v); }
        obj[k] = v;
    };
    const data = (d) => {
        const j = {};
        if (d.textData !== undefined) j.textData = d.textData;
        else if (d.binaryData !== undefined) j.binaryData = b64(d.binaryData);
        else if (d.jsonData !== undefined) j.jsonData = d.jsonData;
        else if (d.protobufData !== undefined) {
            const a = {};
            put(a, 'typeUrl', d.protobufData.typeUrl);
            put(a, 'value', d.protobufData.value);
            j.protobufData = a;
        }
        return j;
    };
    const map = (obj, k, mp) => { if (mp && Object.keys(mp).length) obj[k] = { ...mp }; };
    const body = {};
    let key = m.kind, inner = body;
    for (const k of Object.keys(m)) {
        const v = m[k];
        if (k === 'kind' || v === undefined) continue;
        switch (k) {
            case 'data': body.data = data(v); break;
            case 'metadata': map(body, k, v); break;
            case 'state': body.state = Object.keys(v).length ? { entries: { ...v } } : {}; break;
            case 'items':
                if (v.length) body.items = v.map((it) => {
                    const j = {};
                    put(j, 'connectionId', it.connectionId);
                    put(j, 'userId', it.userId, true);
                    if (it.state !== undefined) j.state = Object.keys(it.state).length ? { entries: { ...it.state } } : {};
                    put(j, 'updatedAt', it.updatedAt);
                    return j;
                });
                break;
            case 'stream': case 'error': {
                const j = {};
                for (const [sk, sv] of Object.entries(v)) {
                    if (sk === 'error' && sv !== undefined) {
                        const e = {};
                        for (const [ek, ev] of Object.entries(sv)) put(e, ek, ev, PRESENT.has(key + '.' + k + '.error.' + ek));
                        j.error = e;
                    } else put(j, sk, sv, PRESENT.has(key + '.' + k + '.' + sk));
                }
                body[k] = j;
                break;
            }
            default: put(body, k, v, PRESENT.has(key + '.' + k));
        }
    }
    if (key === null) return o;
    if (key === 'connectedMessage' || key === 'disconnectedMessage') {
        o.systemMessage = { [key]: inner };
        return o;
    }
    if (key === 'systemMessage') { o.systemMessage = {}; return o; }
    o[key] = inner;
    return o;
}

const INT64_KEYS = new Set(['ackId', 'sequenceId', 'streamSequenceId', 'expectedSequenceId', 'updatedAt']);
// Scalar fields with presence (kept in JSON when set, even to zero or empty).
const PRESENT = new Set([
    'sendToGroupMessage.ackId', 'sendToGroupMessage.noEcho', 'sendToGroupMessage.ttlSeconds',
    'sendToGroupMessage.stream.idleTimeoutMs', 'eventMessage.ackId', 'eventMessage.stream.idleTimeoutMs',
    'invokeEventMessage.stream.idleTimeoutMs', 'joinGroupMessage.ackId', 'leaveGroupMessage.ackId',
    'subscribeGroupStateMessage.ackId', 'unsubscribeGroupStateMessage.ackId', 'setGroupStateMessage.ackId',
    'streamDataMessage.streamSequenceId', 'streamEndMessage.error.message', 'streamEndMessage.error.userErrorCode',
    'dataMessage.group', 'dataMessage.sequenceId', 'dataMessage.stream.endOfStream',
    'connectedMessage.reconnectionToken', 'groupStateUpdateMessage.sequenceId', 'groupStateSnapshotMessage.sequenceId',
]);

// ---- for the benchmark (bench/bench.mjs): alternatives measured, not API ----

const frameUtf8 = HasBuffer
    ? (f, s, e) => Buffer.prototype.utf8Slice.call(f, s, e)
    : (f, s, e) => td.decode(f.subarray(s, e));

// A DataMessage whose strings are made when first read, from the caller's
// frame (the module's memory is reused by the next call).
class LazyDataMessage {
    constructor(f, b) {
        this.kind = 'dataMessage';
        this._f = f;
        this._flags = u32[b];
        this._from = u32[b + 1]; this._fromN = u32[b + 2];
        this._group = u32[b + 3]; this._groupN = u32[b + 4];
        this._dk = u32[b + 5]; this._d = u32[b + 6]; this._dN = u32[b + 7]; this._tu = u32[b + 8]; this._tuN = u32[b + 9];
        this._seq = this._flags & 4 ? U(b + 10) : undefined;
        this._meta = u32[b + 12] === 0 ? undefined : M(b + 12);
        this._stream = this._flags & 8 ? DOWN[2](b).stream : undefined;
    }
    get from() { return this._fromN === 0 ? '' : frameUtf8(this._f, this._from, this._from + this._fromN); }
    get group() { return this._flags & 1 ? (this._groupN === 0 ? '' : frameUtf8(this._f, this._group, this._group + this._groupN)) : undefined; }
    get sequenceId() { return this._seq; }
    get metadata() { return this._meta === undefined ? {} : this._meta; }
    get stream() { return this._stream; }
    get data() {
        if (!(this._flags & 2)) return undefined;
        const f = this._f, o = this._d, n = this._dN;
        switch (this._dk) {
            case 1: return { textData: n === 0 ? '' : frameUtf8(f, o, o + n) };
            case 2: return { binaryData: f.subarray(o, o + n) };
            case 3: return { protobufData: { typeUrl: this._tuN === 0 ? '' : frameUtf8(f, this._tu, this._tu + this._tuN), value: f.subarray(o, o + n) } };
            case 4: return { jsonData: n === 0 ? '' : frameUtf8(f, o, o + n) };
            default: return {};
        }
    }
}

export const _bench = {
    /** Frames of at least n bytes take the streaming path (tests set 0 or 1). */
    streamFrom(n) {
        streamMin = n;
    },
    /** decodeDownstream, with a DataMessage's strings made only when read. */
    decodeDownstreamLazy(frame) {
        const f = load(frame);
        const r = ex.wpsjs_decode_down(f.length, 2); // 2: no string cache (these strings may never be read)
        if (r > 255) refresh();
        if ((r & 255) !== 0) throw new WpsError(r & 255, u32[W + 1]);
        if ((u32[W + 2] & 255) === 2) return new LazyDataMessage(f, W + 4);
        F = f;
        const m = DOWN[u32[W + 2] & 255](W + 4);
        F = undefined;
        return m;
    },
    /** 'buffer' (Node's Buffer UTF-8 slicing, the default in Node) or 'textdecoder'. */
    strings(mode) {
        utf8 = mode === 'buffer' && HasBuffer ? utf8Buffer : utf8TextDecoder;
    },
};
