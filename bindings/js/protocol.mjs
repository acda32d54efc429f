// SPDX-License-Identifier: MIT
// The protobuf subprotocols for the official JavaScript client,
// @azure/web-pubsub-client: objects implementing its WebPubSubClientProtocol
// interface (name, isReliableSubProtocol, parseMessages, writeMessage),
// backed by the WebAssembly codec.
//
//   import { WebPubSubClient } from '@azure/web-pubsub-client';
//   import { WebPubSubProtobufReliableProtocol } from 'wpspb/protocol';
//   const client = new WebPubSubClient(url, { protocol: WebPubSubProtobufReliableProtocol() });
//
// Messages map the way Microsoft's @azure/web-pubsub-client-protobuf maps
// them, with two differences where that package is wrong: a data message
// whose text is empty is delivered (it drops it), and a data message without
// data is delivered without dataType and data (it throws).  It also maps
// the messages it leaves out (invocations, streams, group state).
import { decodeDownstream, encodeUpstreamArrayBuffer, WpsError } from './wpspb.mjs';

const toNumber = (v) => (v === undefined ? undefined : Number(v)); // the client's ids are numbers

// MessageData -> [dataType, data], as the client hands them to the application.
function payload(d) {
    if (d === undefined) return [undefined, undefined];
    if (d.textData !== undefined) return ['text', d.textData];
    if (d.jsonData !== undefined) return ['json', JSON.parse(d.jsonData)];
    if (d.binaryData !== undefined) {
        const b = d.binaryData; // a view into the frame: the application gets its own ArrayBuffer
        return ['binary', b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)];
    }
    if (d.protobufData !== undefined) {
        // google.protobuf.Any with protobufjs's field names, as the official package delivers it
        return ['protobuf', { type_url: d.protobufData.typeUrl, value: d.protobufData.value.slice() }];
    }
    return [undefined, undefined]; // MessageData present but empty
}

function streamInfo(s) {
    if (s === undefined) return undefined;
    return {
        streamId: s.streamId,
        streamSequenceId: Number(s.streamSequenceId),
        endOfStream: s.endOfStream,
        error: s.error,
    };
}

function groupStateItems(items) {
    return items.map((it) => ({
        connectionId: it.connectionId,
        userId: it.userId,
        state: it.state,
        updatedAt: Number(it.updatedAt),
    }));
}

/** DownstreamMessage bytes -> the client's message, or null for what it does not know. */
export function parseDownstream(input) {
    if (typeof input === 'string') throw new WpsError('PBW_E_ARG', undefined, 'the protobuf subprotocols use binary frames');
    const m = decodeDownstream(input);
    switch (m.kind) {
        case 'ackMessage': {
            const ack = { kind: 'ack', ackId: Number(m.ackId), success: m.success };
            if (m.error !== undefined) ack.error = { name: m.error.name, message: m.error.message };
            return ack;
        }
        case 'connectedMessage':
            return {
                kind: 'connected',
                connectionId: m.connectionId,
                userId: m.userId,
                reconnectionToken: m.reconnectionToken,
            };
        case 'disconnectedMessage':
            return { kind: 'disconnected', message: m.reason };
        case 'dataMessage': {
            const [dataType, data] = payload(m.data);
            const sequenceId = toNumber(m.sequenceId);
            if (m.from === 'group') {
                return {
                    kind: 'groupData', dataType, data, sequenceId, group: m.group, stream: streamInfo(m.stream),
                };
            }
            if (m.from === 'server') return { kind: 'serverData', dataType, data, sequenceId };
            return null;
        }
        case 'pongMessage':
            return { kind: 'pong' };
        case 'invokeResponseMessage': {
            const [dataType, data] = payload(m.data);
            return {
                kind: 'invokeResponse',
                invocationId: m.invocationId,
                success: m.success,
                dataType,
                data,
                error: m.error,
            };
        }
        case 'streamAckMessage':
            return { kind: 'streamAck', streamId: m.streamId, expectedSequenceId: Number(m.expectedSequenceId) };
        case 'streamNackMessage':
            return {
                kind: 'streamNack',
                streamId: m.streamId,
                name: m.name,
                message: m.message,
                expectedSequenceId: Number(m.expectedSequenceId),
            };
        case 'streamClosedMessage':
            return { kind: 'streamClosed', streamId: m.streamId, error: m.error };
        case 'groupStateSnapshotMessage':
        case 'groupStateUpdateMessage':
            return {
                kind: m.kind === 'groupStateUpdateMessage' ? 'groupStateUpdate' : 'groupStateSnapshot',
                group: m.group,
                items: groupStateItems(m.items),
                sequenceId: toNumber(m.sequenceId),
            };
        default: // an empty message or SystemMessage: nothing the client knows
            return null;
    }
}

// The application's (dataType, data) -> MessageData.
function messageData(data, dataType) {
    switch (dataType) {
        case 'text':
            if (typeof data !== 'string') throw new TypeError('Message must be a string.');
            return { textData: data };
        case 'json':
            return { jsonData: JSON.stringify(data) };
        case 'binary':
            if (data instanceof ArrayBuffer) return { binaryData: new Uint8Array(data) };
            if (ArrayBuffer.isView(data)) return { binaryData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
            throw new TypeError('Message must be an ArrayBuffer.');
        case 'protobuf':
            if (data !== null && typeof data === 'object' && 'type_url' in data && 'value' in data) {
                return { protobufData: { typeUrl: data.type_url, value: data.value } };
            }
            throw new TypeError('Message must be a google.protobuf.Any.');
        default:
            throw new TypeError(`dataType is not supported: ${dataType}`);
    }
}

const optionalData = (m) => (m.dataType == null && m.data == null ? undefined : messageData(m.data, m.dataType));

/** The client's message -> UpstreamMessage bytes (an ArrayBuffer). */
export function writeUpstream(message) {
    let up;
    switch (message.kind) {
        case 'joinGroup':
            up = { kind: 'joinGroupMessage', group: message.group, ackId: message.ackId };
            break;
        case 'leaveGroup':
            up = { kind: 'leaveGroupMessage', group: message.group, ackId: message.ackId };
            break;
        case 'sendToGroup':
            up = {
                kind: 'sendToGroupMessage',
                group: message.group,
                ackId: message.ackId,
                data: optionalData(message),
                noEcho: message.noEcho,
                stream: message.stream == null ? undefined
                    : { streamId: message.stream.streamId, idleTimeoutMs: message.stream.idleTimeoutInMs },
            };
            break;
        case 'sendEvent':
            up = { kind: 'eventMessage', event: message.event, ackId: message.ackId, data: messageData(message.data, message.dataType) };
            break;
        case 'sequenceAck':
            up = { kind: 'sequenceAckMessage', sequenceId: message.sequenceId };
            break;
        case 'ping':
            up = { kind: 'pingMessage' };
            break;
        case 'invoke':
            up = {
                kind: 'invokeEventMessage',
                event: message.event,
                invocationId: message.invocationId,
                data: optionalData(message),
            };
            break;
        case 'cancelInvocation':
            up = { kind: 'cancelInvocationMessage', invocationId: message.invocationId };
            break;
        case 'streamData':
            up = {
                kind: 'streamDataMessage',
                streamId: message.streamId,
                streamSequenceId: message.streamSequenceId,
                data: optionalData(message),
            };
            break;
        case 'streamEnd':
            up = {
                kind: 'streamEndMessage',
                streamId: message.streamId,
                error: message.error == null ? undefined
                    : { message: message.error.message, userErrorCode: message.error.userErrorCode },
            };
            break;
        case 'setGroupState':
            up = { kind: 'setGroupStateMessage', group: message.group, ackId: message.ackId, state: message.state };
            break;
        case 'subscribeGroupState':
            up = { kind: 'subscribeGroupStateMessage', group: message.group, ackId: message.ackId };
            break;
        case 'unsubscribeGroupState':
            up = { kind: 'unsubscribeGroupStateMessage', group: message.group, ackId: message.ackId };
            break;
        default:
            throw new TypeError(`kind is not supported: ${message.kind}`);
    }
    return encodeUpstreamArrayBuffer(up);
}

class ProtobufProtocol {
    constructor(reliable) {
        this.name = reliable ? 'protobuf.reliable.webpubsub.azure.v1' : 'protobuf.webpubsub.azure.v1';
        this.isReliableSubProtocol = reliable;
        Object.freeze(this);
    }
    parseMessages(input) {
        return parseDownstream(input);
    }
    writeMessage(message) {
        return writeUpstream(message);
    }
}

/** The "protobuf.webpubsub.azure.v1" subprotocol. */
export const WebPubSubProtobufProtocol = () => new ProtobufProtocol(false);

/** The "protobuf.reliable.webpubsub.azure.v1" subprotocol (sequence ids, recovery). */
export const WebPubSubProtobufReliableProtocol = () => new ProtobufProtocol(true);
