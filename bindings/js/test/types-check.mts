// SPDX-License-Identifier: MIT
// Compiled (not run) by types.test.mjs: the declarations describe the API.
import { decodeDownstream, decodeUpstream, encodeUpstream, encodeDownstream, WpsError, toProtoJSON } from '../wpspb.mjs';
import type { DownstreamMessage, Int64 } from '../wpspb.mjs';
import { WebPubSubProtobufProtocol, WebPubSubProtobufReliableProtocol } from '../protocol.mjs';
import { WebPubSubClient } from '@azure/web-pubsub-client';

const m: DownstreamMessage = decodeDownstream(new Uint8Array(0));
if (m.kind === 'dataMessage') {
    const from: string = m.from;
    const seq: Int64 | undefined = m.sequenceId;
    if (m.data && 'binaryData' in m.data) { const b: Uint8Array = m.data.binaryData; void b; }
    void from; void seq;
}
const u = decodeUpstream(new ArrayBuffer(0), { noUtf8: true });
const frame: Uint8Array = encodeUpstream({ kind: 'joinGroupMessage', group: 'g', ackId: 1n });
const back: Uint8Array = encodeDownstream({ kind: 'ackMessage', ackId: 1, success: true });
try { encodeUpstream({ kind: 'pingMessage' }); } catch (e) {
    if (e instanceof WpsError) { const s: string = e.status; const o: number | undefined = e.offset; void s; void o; }
}
const client = new WebPubSubClient('wss://example.invalid/client/hubs/h?access_token=x', {
    protocol: WebPubSubProtobufReliableProtocol(),
});
const plain = WebPubSubProtobufProtocol();
void u; void frame; void back; void client; void plain; void toProtoJSON(m);
