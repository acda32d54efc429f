// SPDX-License-Identifier: MIT
//
// tests/json_client/real_client.cjs - the json subprotocols against the
// official client, @azure/web-pubsub-client (npm), in both directions:
//
//  1. upstream: thousands of random requests of every kind written by the
//     client's own JSON protocols (writeMessage, both subprotocols: unicode,
//     large ids, every data type) are parsed by wps_json_request_parse
//     (wpsdump --json-client-in) and compared field by field with what the
//     client was asked to send;
//  2. round trip: each parsed request, encoded to protobuf (--to-hex) and
//     decoded again (wpsdump --up), is the same message;
//  3. downstream: random DownstreamMessages of every kind rendered by
//     wps_json_client_down_write (tests/json_client/down_gen.c) are read by
//     the client's parseMessages and compared field by field with the
//     message's protobuf JSON; ids also digit for digit in the text;
//  4. grammar: thousands of generated and mutated texts; our parser rejects
//     a text as not JSON exactly when JSON.parse throws.
//
//   node tests/json_client/real_client.cjs BUILD_DIR
// Ends with "N passed, M failed"; without the client: a SKIPPED line.
"use strict";
const path = require("path");
const fs = require("fs");
const { spawnSync } = require("child_process");
const { isDeepStrictEqual } = require("util");

const root = path.resolve(__dirname, "../..");
const build = path.resolve(process.argv[2] || path.join(root, "build"));
let client;
try {
  client = require(path.join(root, "node_modules/@azure/web-pubsub-client"));
} catch (e) {
  console.log("real-client: @azure/web-pubsub-client not installed (npm ci): SKIPPED");
  console.log("0 passed, 0 failed");
  process.exit(0);
}
const protocols = [client.WebPubSubJsonProtocol(), client.WebPubSubJsonReliableProtocol()];

let passed = 0, failed = 0, shown = 0;
function check(ok, what, detail) {
  if (ok) { passed++; return; }
  failed++;
  if (shown++ < 20) console.log("FAIL " + what + (detail ? ": " + detail : ""));
}

// ---- random values -------------------------------------------------------
let seed = 20260601;
function rnd(n) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return Math.floor((seed / 4294967296) * n);
}
function pick(a) { return a[rnd(a.length)]; }
const pieces = ["a", "Z", "9", " ", "\"", "\\", "/", "\n", "\t", "\u0001", "\u001f", "\u007f",
  "é", "€", "中", "😀", "\uffff", "\u{10ffff}", "\u2028", "group", "<>&'"];
function rstr(max) {
  let s = "";
  for (let i = rnd(max + 1); i > 0; i--) s += pick(pieces);
  return s;
}
function rbytes(max) {
  const b = new Uint8Array(rnd(max + 1));
  for (let i = 0; i < b.length; i++) b[i] = rnd(256);
  return b;
}
function rid() {
  return pick([0, 1, 127, 128, 65535, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 2 ** 63,
               rnd(1000000), rnd(1000000) * 1000003]);
}
function rjson(depth) {
  switch (rnd(depth > 3 ? 5 : 7)) {
    case 0: return null;
    case 1: return rnd(2) === 0;
    case 2: return pick([0, -1, 1.5, 1e21, -2.5e-7, 2 ** 53 + 2, 123456789]);
    case 3: return rstr(6);
    case 4: return rstr(3);
    case 5: { const a = []; for (let i = rnd(4); i > 0; i--) a.push(rjson(depth + 1)); return a; }
    default: { const o = {}; for (let i = rnd(4); i > 0; i--) o[rstr(3)] = rjson(depth + 1); return o; }
  }
}
function varint(n) { const o = []; while (n >= 128) { o.push((n & 127) | 128); n >>>= 7; } o.push(n); return o; }
function b64(u8) { return Buffer.from(u8).toString("base64"); }

// A payload, as the client's API takes it, and the protobuf JSON of the
// MessageData it must become.
function rpayload() {
  const dataType = pick(["text", "json", "binary", "protobuf"]);
  if (dataType === "text") { const s = rstr(10); return [dataType, s, { textData: s }]; }
  if (dataType === "json") {
    // (null is no payload to writeMessage: it drops or refuses it)
    let v = rjson(0);
    if (v === null) v = {};
    return [dataType, v, { jsonData: JSON.stringify(v) }];
  }
  if (dataType === "binary") {
    const b = rbytes(40);
    return [dataType, b.buffer, b.length ? { binaryData: b64(b) } : { binaryData: "" }];
  }
  const typeUrl = pick(["type.googleapis.com/x.Y", "", rstr(3)]);
  const tu = Buffer.from(typeUrl, "utf8"), value = rbytes(30);
  const any = [];
  if (tu.length) any.push(0x0a, ...varint(tu.length), ...tu);
  if (value.length) any.push(0x12, ...varint(value.length), ...value);
  const expect = {};
  if (tu.length) expect.typeUrl = typeUrl;
  if (value.length) expect.value = b64(value);
  return [dataType, new Uint8Array(any).buffer, { protobufData: expect }];
}

// ---- 1. requests: the message for writeMessage, and the protobuf JSON ----
// JSON.stringify writes the shortest text that reads back as the same
// double (2^60 as 1152921504606847000): that text is the id a service sees.
const u64 = (n) => String(n);
function put(o, k, v) { if (v !== undefined && v !== "" ) o[k] = v; }
function rrequest() {
  const kind = pick(["joinGroup", "leaveGroup", "sendToGroup", "sendEvent", "sequenceAck", "ping",
                     "invoke", "cancelInvocation", "streamData", "streamEnd", "setGroupState",
                     "subscribeGroupState", "unsubscribeGroupState"]);
  const ackId = rnd(3) ? rid() : undefined;
  const ack = (o) => { if (ackId !== undefined) o.ackId = u64(ackId); return o; };
  switch (kind) {
    case "joinGroup": case "leaveGroup": case "subscribeGroupState": case "unsubscribeGroupState": {
      const group = rstr(6);
      const o = {}; put(o, "group", group);
      const name = { joinGroup: "joinGroupMessage", leaveGroup: "leaveGroupMessage",
        subscribeGroupState: "subscribeGroupStateMessage",
        unsubscribeGroupState: "unsubscribeGroupStateMessage" }[kind];
      return [{ kind, group, ackId }, { [name]: ack(o) }];
    }
    case "sendToGroup": {
      const group = rstr(6), noEcho = pick([true, false, undefined]);
      const m = { kind, group, ackId, noEcho }, o = {};
      put(o, "group", group); ack(o);
      if (rnd(5)) { const [dt, d, e] = rpayload(); m.dataType = dt; m.data = d; o.data = e; }
      if (noEcho !== undefined) o.noEcho = noEcho;
      if (rnd(4) === 0) {
        const streamId = rstr(5), idle = rnd(2) ? pick([0, 1000, 4294967295]) : undefined;
        m.stream = { streamId, idleTimeoutInMs: idle };
        o.stream = {}; put(o.stream, "streamId", streamId);
        if (idle !== undefined) o.stream.idleTimeoutMs = idle;
      }
      return [m, { sendToGroupMessage: o }];
    }
    case "sendEvent": {
      const event = rstr(5) || "e";
      const [dt, d, e] = rpayload();
      const o = { event, data: e }; ack(o);
      return [{ kind, event, ackId, dataType: dt, data: d }, { eventMessage: o }];
    }
    case "sequenceAck": {
      const id = rid(), o = {};
      if (id) o.sequenceId = u64(id);
      return [{ kind, sequenceId: id }, { sequenceAckMessage: o }];
    }
    case "ping": return [{ kind }, { pingMessage: {} }];
    case "invoke": {
      const invocationId = rstr(6) || "i", event = rnd(4) ? rstr(4) : undefined;
      const m = { kind, invocationId, target: rnd(2) ? "event" : undefined, event }, o = {};
      put(o, "event", event); put(o, "invocationId", invocationId);
      if (rnd(3)) { const [dt, d, e] = rpayload(); m.dataType = dt; m.data = d; o.data = e; }
      return [m, { invokeEventMessage: o }];
    }
    case "cancelInvocation": {
      const invocationId = rstr(6) || "i";
      return [{ kind, invocationId }, { cancelInvocationMessage: { invocationId } }];
    }
    case "streamData": {
      const streamId = rstr(5) || "s", m = { kind, streamId }, o = { streamId };
      if (rnd(4)) {
        const [dt, d, e] = rpayload(), seq = rid();
        Object.assign(m, { streamSequenceId: seq, dataType: dt, data: d });
        o.streamSequenceId = u64(seq); o.data = e;
      }
      return [m, { streamDataMessage: o }];
    }
    case "streamEnd": {
      const streamId = rstr(5) || "s", m = { kind, streamId }, o = { streamId };
      if (rnd(2)) {
        const message = rnd(2) ? rstr(6) : undefined, userErrorCode = rnd(2) ? rstr(3) : undefined;
        m.error = { message, userErrorCode }; o.error = {};
        if (message !== undefined) o.error.message = message;
        if (userErrorCode !== undefined) o.error.userErrorCode = userErrorCode;
      }
      return [m, { streamEndMessage: o }];
    }
    default: { // setGroupState
      const group = rstr(6), m = { kind, group, ackId }, o = {};
      put(o, "group", group); ack(o);
      if (rnd(4)) {
        const state = {}, entries = {};
        for (let i = rnd(5); i > 0; i--) { const k = rstr(3), v = rstr(4); state[k] = v; }
        for (const k of Object.keys(state).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))))
          entries[k] = state[k];
        m.state = state;
        o.state = Object.keys(entries).length ? { entries } : {};
      }
      return [m, { setGroupStateMessage: o }];
    }
  }
}

function wpsdump(args, input) {
  const r = spawnSync(path.join(build, "wpsdump"), args, { input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  return r.stdout.toString("utf8").split("\n").slice(0, -1);
}

const N_UP = 4000;
const frames = [], expected = [];
for (let i = 0; i < N_UP; i++) {
  const [msg, want] = rrequest();
  frames.push(protocols[i & 1].writeMessage(msg));
  expected.push(want);
}
// Requests the client writes that have no protobuf form or that we refuse:
// an id JSON.stringify writes beyond 2^64, a lone surrogate.
const refused = [
  [{ kind: "sequenceAck", sequenceId: 2 ** 64 }, "PBW_E_RANGE"],
  [{ kind: "joinGroup", group: "g", ackId: 1e21 }, "PBW_E_RANGE"],
  [{ kind: "joinGroup", group: "\ud800" }, "PBW_E_UTF8"],
  [{ kind: "sendToGroup", group: "g", noEcho: false, dataType: "text", data: "a\udc00" }, "PBW_E_UTF8"],
  [{ kind: "invokeResponse", invocationId: "i", success: true }, "PBW_E_NO_RENDERING"],
];
for (const [m, st] of refused) { frames.push(protocols[0].writeMessage(m)); expected.push({ error: st }); }

const parsed = wpsdump(["--json-client-in", "--lines"], frames.join("\n") + "\n");
check(parsed.length === frames.length, "upstream: one line out per request", parsed.length);
let nUp = 0;
for (let i = 0; i < frames.length; i++) {
  let got;
  try { got = JSON.parse(parsed[i]); } catch (e) { got = parsed[i]; }
  if (expected[i].error) { got = got && got.error ? { error: got.error } : got; }
  check(isDeepStrictEqual(got, expected[i]), "upstream " + frames[i],
        JSON.stringify(got) + " want " + JSON.stringify(expected[i]));
  nUp++;
}

// ---- 2. round trip through protobuf ----------------------------------------
const hex = wpsdump(["--json-client-in", "--lines", "--to-hex"], frames.slice(0, N_UP).join("\n") + "\n");
const decoded = wpsdump(["--up", "--lines"], hex.join("\n") + "\n");
let nRound = 0;
for (let i = 0; i < N_UP; i++) {
  check(decoded[i] === parsed[i], "round trip " + frames[i], decoded[i] + " vs " + parsed[i]);
  nRound++;
}

// ---- 3. downstream: our renderings through parseMessages -------------------
const N_DOWN = 3000;
const gen = spawnSync(path.join(build, "json_down_gen"), [String(N_DOWN), "7"], { maxBuffer: 1 << 28 });
if (gen.status !== 0) { console.log("down_gen failed: " + gen.stderr); failed++; }
const rows = gen.stdout.toString("utf8").split("\n").slice(0, -1);
check(rows.length === N_DOWN, "downstream: messages generated", rows.length);
const num = (s) => Number(BigInt(s || "0"));
function dataValue(d) { // what parsePayload gives for a MessageData
  if ("textData" in d) return ["text", d.textData];
  if ("jsonData" in d) return ["json", JSON.parse(d.jsonData)];
  if ("binaryData" in d) return ["binary", Buffer.from(d.binaryData, "base64")];
  const a = d.protobufData, tu = Buffer.from(a.typeUrl || "", "utf8"), v = Buffer.from(a.value || "", "base64");
  const any = [];
  if (tu.length) any.push(0x0a, ...varint(tu.length), ...tu);
  if (v.length) any.push(0x12, ...varint(v.length), ...v);
  return ["protobuf", Buffer.from(any)];
}
function sameData(gotType, gotData, d) {
  const [t, v] = dataValue(d);
  if (gotType !== t) return false;
  if (gotData instanceof ArrayBuffer) return Buffer.from(gotData).equals(v);
  return isDeepStrictEqual(gotData, v);
}
function sameError(got, e) {
  return got && got.name === (e.name || "") && got.message === (e.message || "");
}
// Every id in the canonical form must be in the text with all its digits.
function exactIds(text, pairs) {
  return pairs.every(([name, v]) => v === undefined ||
    new RegExp('"' + name + '":' + v + "[,}]").test(text));
}
let nDown = 0;
for (const row of rows) {
  const tab = row.indexOf("\t"), canon = JSON.parse(row.slice(0, tab)), text = row.slice(tab + 1);
  const kind = Object.keys(canon)[0], c = canon[kind];
  for (const proto of protocols) {
    const r = proto.parseMessages(text);
    // The client drops a data message or invoke response whose JSON payload
    // is null (parsePayload returns null, taken as "unsupported"): it must
    // do exactly that, and nothing else may be dropped.
    const payload = c.data && c.data.jsonData === "null";
    if (payload) { check(r === null, proto.name + " drops json null " + text); nDown++; continue; }
    let ok = r !== null;
    if (ok) switch (kind) {
      case "ackMessage":
        ok = r.kind === "ack" && r.ackId === num(c.ackId) && r.success === !!c.success &&
             (c.error ? sameError(r.error, c.error) : r.error === undefined) &&
             exactIds(text, [["ackId", c.ackId || "0"]]);
        break;
      case "dataMessage": {
        const group = c.from === "group";
        ok = r.kind === (group ? "groupData" : "serverData") && sameData(r.dataType, r.data, c.data) &&
             (c.sequenceId === undefined ? r.sequenceId === undefined : r.sequenceId === num(c.sequenceId)) &&
             exactIds(text, [["sequenceId", c.sequenceId]]);
        if (group) {
          ok = ok && r.group === (c.group || "");
          if (c.stream) {
            const s = r.stream;
            ok = ok && s && s.streamId === (c.stream.streamId || "") &&
                 s.streamSequenceId === num(c.stream.streamSequenceId) &&
                 s.endOfStream === c.stream.endOfStream &&
                 (c.stream.error ? s.error.name === (c.stream.error.name || "") &&
                   s.error.message === (c.stream.error.message || "") &&
                   s.error.userErrorCode === c.stream.error.userErrorCode : s.error === undefined);
          } else {
            ok = ok && r.stream === undefined;
          }
        }
        break;
      }
      case "systemMessage":
        if (c.connectedMessage) {
          const m = c.connectedMessage;
          ok = r.kind === "connected" && r.connectionId === (m.connectionId || "") &&
               r.userId === (m.userId || "") && r.reconnectionToken === m.reconnectionToken;
        } else {
          ok = r.kind === "disconnected" && r.message === (c.disconnectedMessage.reason || "");
        }
        break;
      case "pongMessage":
        ok = r.kind === "pong";
        break;
      case "invokeResponseMessage":
        ok = r.kind === "invokeResponse" && r.invocationId === (c.invocationId || "") &&
             r.success === !!c.success &&
             (c.data ? sameData(r.dataType, r.data, c.data) : r.dataType === undefined && r.data === undefined) &&
             (c.error ? sameError(r.error, c.error) : r.error === undefined);
        break;
      case "streamAckMessage":
        ok = r.kind === "streamAck" && r.streamId === (c.streamId || "") &&
             r.expectedSequenceId === num(c.expectedSequenceId) &&
             exactIds(text, [["expectedSequenceId", c.expectedSequenceId || "0"]]);
        break;
      case "streamNackMessage":
        ok = r.kind === "streamNack" && r.streamId === (c.streamId || "") && r.name === (c.name || "") &&
             r.message === (c.message || "") && r.expectedSequenceId === num(c.expectedSequenceId) &&
             exactIds(text, [["expectedSequenceId", c.expectedSequenceId || "0"]]);
        break;
      case "streamClosedMessage":
        ok = r.kind === "streamClosed" && r.streamId === (c.streamId || "") &&
             (c.error ? sameError(r.error, c.error) : r.error === undefined);
        break;
      default: { // group state
        const items = (c.items || []).map((it) => {
          const o = { connectionId: it.connectionId || "" };
          if (it.userId !== undefined) o.userId = it.userId;
          if (it.state) o.state = (it.state.entries || {});
          o.updatedAt = Number(it.updatedAt || "0");
          return o;
        });
        ok = r.kind === (kind === "groupStateUpdateMessage" ? "groupStateUpdate" : "groupStateSnapshot") &&
             r.group === (c.group || "") && isDeepStrictEqual(r.items, items) &&
             (c.sequenceId === undefined ? r.sequenceId === undefined : r.sequenceId === num(c.sequenceId)) &&
             exactIds(text, [["sequenceId", c.sequenceId]]);
      }
    }
    check(ok, proto.name + " parseMessages(" + text + ")", JSON.stringify(r) + " for " + JSON.stringify(canon));
    nDown++;
  }
}

// ---- 4. grammar: our parser against JSON.parse ----------------------------
const grammarTexts = [];
const glyphs = ["{", "}", "[", "]", ",", ":", "\"", "\\", "0", "-", "1", ".", "e", "+", "t", "f", "n",
                " ", "\t", "\r", "u", "a", "E", "00", "\\u12", "\\ud83d\\ude00", "null", "true", "1e5"];
for (let i = 0; i < 4000; i++) {
  let t = pick(frames.slice(0, 200));
  if (i % 4 === 0) t = JSON.stringify(rjson(0));
  const edits = 1 + rnd(3);
  for (let k = 0; k < edits; k++) {
    const at = rnd(t.length + 1);
    switch (rnd(3)) {
      case 0: t = t.slice(0, at) + pick(glyphs) + t.slice(at); break;
      case 1: t = t.slice(0, at) + t.slice(at + 1 + rnd(3)); break;
      default: t = t.slice(0, at) + pick(glyphs) + t.slice(at + 1);
    }
  }
  grammarTexts.push(t.replace(/\n/g, " "));
}
const verdicts = wpsdump(["--json-client-in", "--lines"], grammarTexts.join("\n") + "\n");
let nGrammar = 0, nodeRejects = 0;
for (let i = 0; i < grammarTexts.length; i++) {
  let nodeOk = true;
  try { JSON.parse(grammarTexts[i]); } catch (e) { nodeOk = false; nodeRejects++; }
  let ours = {};
  try { ours = JSON.parse(verdicts[i]); } catch (e) { /* a parsed request */ }
  // Not JSON for us: PBW_E_JSON or PBW_E_DEPTH.  PBW_E_UTF8 here can only be
  // a \u escape of a lone surrogate: JSON.parse accepts it, and so does our
  // grammar; it is refused later, as protobuf strings are UTF-8.
  const oursOk = !(ours.error === "PBW_E_JSON" || ours.error === "PBW_E_DEPTH");
  check(oursOk === nodeOk, "grammar " + JSON.stringify(grammarTexts[i]), verdicts[i]);
  nGrammar++;
}

console.log("real-client: " + nUp + " requests written by @azure/web-pubsub-client parsed and compared, " +
            nRound + " round trips through protobuf, " + nDown + " downstream renderings read by " +
            "parseMessages (" + N_DOWN + " messages x 2 subprotocols), " + nGrammar +
            " texts judged like JSON.parse (" + nodeRejects + " rejected by both)");
console.log(passed + " passed, " + failed + " failed");
process.exit(failed ? 1 : 0);
