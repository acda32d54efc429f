// SPDX-License-Identifier: MIT
// tests/e2e/service.mjs - a small scripted Web PubSub service for end-to-end
// tests, on loopback, with an independent protobuf codec (protobufjs loading
// the wire schema) and a real WebSocket server (ws).
//
//   node tests/e2e/service.mjs [--port 0] [--proto PATH] [--keep-ms 30000]
//
// Listens on 127.0.0.1 and prints one line "PORT <n>" on stdout when ready.
// Exits when its stdin closes.
//
// Client endpoint: /client/hubs/<hub>?access_token=<anything non-empty>
//   (the user id is the token's part after "user." when it starts so,
//   else "user<n>"), or for recovery
//   /client/hubs/<hub>?awps_connection_id=<id>&awps_reconnection_token=<t>.
//   Subprotocols protobuf.reliable.webpubsub.azure.v1 (preferred) and
//   protobuf.webpubsub.azure.v1.
// What it does, as the service does:
//   - ConnectedMessage{connectionId, userId, reconnectionToken (reliable)}
//     first, on new and on recovered connections;
//   - joinGroup / leaveGroup / sendToGroup (to the group's members,
//     honouring noEcho) / event (acked, and echoed back to the sender as a
//     server DataMessage) / invokeEvent (answered with the same data) /
//     sequenceAck / ping (pong); streams are ignored;
//   - acks: success, or error "Duplicate" for an ack id the connection
//     already used (the request is not executed again);
//   - reliable: data messages carry sequence ids 1, 2, ...; those not
//     acknowledged by a SequenceAck are kept (up to 1000; beyond, the
//     connection is closed with 1008 and forgotten) and replayed after a
//     recovery; a connection's state is kept --keep-ms after its socket
//     drops; recovering an unknown or expired connection: close 1008.
// Control, on the same port (HTTP GET, JSON answers):
//   /control/drop            terminate every client socket (no close frame)
//   /control/stats           counters
//   /control/unrecoverable   forget every connection's state (next
//                            recovery gets 1008)
import http from "node:http";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import protobuf from "protobufjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function opt(name, dflt) {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
}
const port = Number(opt("--port", "0"));
const protoPath = opt("--proto", process.env.WPS_PROTO ||
    path.resolve(here, "../../../shared/spec/webpubsub.proto"));
const keepMs = Number(opt("--keep-ms", "30000"));
const QUEUE_LIMIT = 1000;
const RELIABLE = "protobuf.reliable.webpubsub.azure.v1";
const PLAIN = "protobuf.webpubsub.azure.v1";

const root = protobuf.loadSync(protoPath);
const Up = root.lookupType("azure.webpubsub.UpstreamMessage");
const Down = root.lookupType("azure.webpubsub.DownstreamMessage");

const stats = {
    connections: 0, recoveries: 0, recoveryRefused: 0, drops: 0, closed1008: 0,
    upstream: 0, badFrames: 0, acks: 0, duplicates: 0, joins: 0, leaves: 0,
    groupSends: 0, events: 0, invokes: 0, delivered: 0, replayed: 0,
    sequenceAcks: 0, pings: 0, live: 0,
};

const num = (v) => (v == null ? v : typeof v === "number" ? v : v.toNumber ? v.toNumber() : Number(v));
const conns = new Map(); // connection id -> state
const groups = new Map(); // "hub/group" -> Set of states
let nextId = 1;

function send(st, down) {
    if (st.ws && st.ws.readyState === 1) st.ws.send(Down.encode(Down.create(down)).finish());
}

function forget(st) {
    for (const g of st.groups) groups.get(st.hub + "/" + g)?.delete(st);
    clearTimeout(st.expiry);
    conns.delete(st.id);
}

// A DataMessage for one connection: with a sequence id (kept until acked)
// on reliable connections.
function deliver(st, dataMessage) {
    stats.delivered++;
    if (!st.reliable) {
        send(st, { dataMessage });
        return;
    }
    const seq = ++st.seq;
    const down = { dataMessage: { ...dataMessage, sequenceId: seq } };
    st.unacked.push({ seq, down });
    if (st.unacked.length > QUEUE_LIMIT) {
        stats.closed1008++;
        if (st.ws) st.ws.close(1008, "too many unacknowledged messages");
        forget(st);
        return;
    }
    send(st, down);
}

function ack(st, ackId) {
    if (ackId == null) return true;
    stats.acks++;
    if (st.ackIds.has(ackId)) {
        stats.duplicates++;
        send(st, { ackMessage: { ackId, success: false,
            error: { name: "Duplicate", message: "Message with ack id " + ackId + " has been processed" } } });
        return false;
    }
    st.ackIds.add(ackId);
    send(st, { ackMessage: { ackId, success: true } });
    return true;
}

function onUpstream(st, buf) {
    let m;
    try {
        m = Up.decode(buf);
    } catch {
        stats.badFrames++;
        return;
    }
    stats.upstream++;
    switch (m.message) {
    case "joinGroupMessage": {
        const g = m.joinGroupMessage.group, ackId = num(m.joinGroupMessage.ackId);
        // An executed request is not executed again: a duplicate only acks.
        if (ackId == null || !st.ackIds.has(ackId)) {
            stats.joins++;
            st.groups.add(g);
            const key = st.hub + "/" + g;
            if (!groups.has(key)) groups.set(key, new Set());
            groups.get(key).add(st);
        }
        ack(st, ackId);
        break;
    }
    case "leaveGroupMessage": {
        const g = m.leaveGroupMessage.group, ackId = num(m.leaveGroupMessage.ackId);
        if (ackId == null || !st.ackIds.has(ackId)) {
            stats.leaves++;
            st.groups.delete(g);
            groups.get(st.hub + "/" + g)?.delete(st);
        }
        ack(st, ackId);
        break;
    }
    case "sendToGroupMessage": {
        const s = m.sendToGroupMessage, ackId = num(s.ackId);
        if (s.stream) break; // streams: not implemented here
        if (ackId != null && st.ackIds.has(ackId)) {
            ack(st, ackId);
            break;
        }
        stats.groupSends++;
        for (const member of groups.get(st.hub + "/" + s.group) || []) {
            if (member === st && s.noEcho) continue;
            deliver(member, { from: "group", group: s.group, data: s.data });
        }
        ack(st, ackId);
        break;
    }
    case "eventMessage": {
        const e = m.eventMessage, ackId = num(e.ackId);
        if (e.stream) break;
        if (ack(st, ackId)) {
            stats.events++;
            deliver(st, { from: "server", data: e.data });
        }
        break;
    }
    case "invokeEventMessage": {
        const e = m.invokeEventMessage;
        stats.invokes++;
        send(st, { invokeResponseMessage: { invocationId: e.invocationId, success: true, data: e.data } });
        break;
    }
    case "sequenceAckMessage": {
        const upTo = num(m.sequenceAckMessage.sequenceId);
        stats.sequenceAcks++;
        st.unacked = st.unacked.filter((x) => x.seq > upTo);
        break;
    }
    case "pingMessage":
        stats.pings++;
        send(st, { pongMessage: {} });
        break;
    default:
        break;
    }
}

function attach(st, ws) {
    st.ws = ws;
    clearTimeout(st.expiry);
    ws.on("message", (data, isBinary) => {
        if (isBinary) onUpstream(st, data);
        else stats.badFrames++;
    });
    ws.on("close", () => {
        if (st.ws !== ws) return;
        st.ws = null;
        stats.live--;
        if (!st.reliable) {
            forget(st);
            return;
        }
        st.expiry = setTimeout(() => forget(st), keepMs);
    });
    ws.on("error", () => {});
    stats.live++;
}

const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(RELIABLE) ? RELIABLE : protocols.has(PLAIN) ? PLAIN : false),
});

const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const json = (code, body) => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify(body) + "\n");
    };
    if (url.pathname === "/control/drop") {
        let n = 0;
        for (const st of conns.values()) {
            if (st.ws) {
                st.ws.terminate();
                n++;
            }
        }
        stats.drops += n;
        json(200, { dropped: n });
    } else if (url.pathname === "/control/stats") {
        json(200, { ...stats, states: conns.size });
    } else if (url.pathname === "/control/unrecoverable") {
        const n = conns.size;
        for (const st of [...conns.values()]) if (!st.ws) forget(st);
        for (const st of conns.values()) st.unrecoverable = true;
        json(200, { forgotten: n });
    } else {
        json(404, { error: "not found" });
    }
});

server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const m = /^\/client\/hubs\/([^/]+)$/.exec(url.pathname);
    const token = url.searchParams.get("access_token");
    const rid = url.searchParams.get("awps_connection_id");
    const rtok = url.searchParams.get("awps_reconnection_token");
    if (!m || (!token && !(rid && rtok))) {
        socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n");
        return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
        if (!ws.protocol) {
            ws.close(1002, "no supported subprotocol");
            return;
        }
        const reliable = ws.protocol === RELIABLE;
        if (rid && rtok) {
            const st = conns.get(rid);
            if (!st || st.token !== rtok || !st.reliable || !reliable || st.unrecoverable) {
                stats.recoveryRefused++;
                ws.close(1008, "connection cannot be recovered");
                return;
            }
            stats.recoveries++;
            if (st.ws) st.ws.terminate();
            attach(st, ws);
            send(st, { systemMessage: { connectedMessage: { connectionId: st.id, userId: st.userId,
                reconnectionToken: st.token } } });
            for (const x of st.unacked) {
                stats.replayed++;
                send(st, x.down);
            }
            return;
        }
        const n = nextId++;
        const st = {
            id: "conn" + n + "-" + crypto.randomBytes(4).toString("hex"),
            userId: token.startsWith("user.") ? token.slice(5) : "user" + n,
            hub: m[1], reliable, ws: null, groups: new Set(), seq: 0, unacked: [],
            ackIds: new Set(), token: reliable ? crypto.randomBytes(24).toString("base64") : undefined,
        };
        conns.set(st.id, st);
        stats.connections++;
        attach(st, ws);
        send(st, { systemMessage: { connectedMessage: { connectionId: st.id, userId: st.userId,
            ...(reliable ? { reconnectionToken: st.token } : {}) } } });
    });
});

server.listen(port, "127.0.0.1", () => {
    process.stdout.write("PORT " + server.address().port + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
process.stdin.resume();
