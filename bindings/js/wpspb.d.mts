// SPDX-License-Identifier: MIT
// Types of wpspb.mjs: the Web PubSub protobuf codec compiled to WebAssembly.

/** A status name of pbwire.h: "PBW_E_LENGTH", "PBW_E_UTF8", "PBW_E_ARG", ... */
export type StatusName =
    | 'PBW_E_TRUNCATED' | 'PBW_E_VARINT' | 'PBW_E_FIELD_ZERO' | 'PBW_E_WIRE_TYPE' | 'PBW_E_LENGTH'
    | 'PBW_E_END_GROUP' | 'PBW_E_OPEN_GROUP' | 'PBW_E_DEPTH' | 'PBW_E_UTF8' | 'PBW_E_NOSPACE'
    | 'PBW_E_ARG' | 'PBW_E_JSON' | 'PBW_E_TOO_BIG' | 'PBW_E_NO_RENDERING' | 'PBW_E_JSON_TYPE'
    | 'PBW_E_JSON_MISSING' | 'PBW_E_JSON_DUPLICATE' | 'PBW_E_RANGE' | 'PBW_E_BASE64';

/** Every failure: the status, and for a rejected frame the byte offset of its first error. */
export class WpsError extends Error {
    readonly name: 'WpsError';
    readonly status: StatusName;
    /** Byte offset in the frame (decoding); undefined for argument errors. */
    readonly offset: number | undefined;
}

/** uint64 / int64 values: a number while it is a safe integer, a bigint beyond. */
export type Int64 = number | bigint;

/** A frame: the WebSocket binary message. */
export type Frame = Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * MessageData: one member or none.  Decoded payload bytes are views into the
 * frame passed to decode (no copy): they live as long as that frame and
 * change with it.
 */
export type MessageData =
    | { textData: string }
    | { binaryData: Uint8Array }
    | { jsonData: string }
    | { protobufData: { typeUrl: string; value: Uint8Array } }
    | Record<string, never>;

/** map<string,string>: a plain object (a later entry with the same key wins). */
export type StringMap = Record<string, string>;

export interface StreamStartInfo { streamId: string; idleTimeoutMs?: number }
export interface StreamInfo {
    streamId: string;
    streamSequenceId: Int64;
    endOfStream?: boolean;
    error?: { name: string; message: string; userErrorCode: string };
}
export interface GroupStateItem {
    connectionId: string;
    userId?: string;
    state?: StringMap;
    updatedAt: Int64;
}

// Decoded messages carry every field of their kind: fields with presence
// are undefined when absent; fields without presence are '', 0, false or {}.
// The same shapes encode (absent fields may be left out).
export type UpstreamMessage =
    | { kind: 'sendToGroupMessage'; group: string; ackId?: Int64; data?: MessageData; noEcho?: boolean; ttlSeconds?: number; metadata: StringMap; stream?: StreamStartInfo }
    | { kind: 'eventMessage'; event: string; data?: MessageData; ackId?: Int64; metadata: StringMap; stream?: StreamStartInfo }
    | { kind: 'joinGroupMessage' | 'leaveGroupMessage' | 'subscribeGroupStateMessage' | 'unsubscribeGroupStateMessage'; group: string; ackId?: Int64 }
    | { kind: 'sequenceAckMessage'; sequenceId: Int64 }
    | { kind: 'pingMessage' }
    | { kind: 'invokeEventMessage'; event: string; invocationId: string; data?: MessageData; metadata: StringMap; stream?: StreamStartInfo }
    | { kind: 'cancelInvocationMessage'; invocationId: string }
    | { kind: 'streamDataMessage'; streamId: string; streamSequenceId?: Int64; data?: MessageData }
    | { kind: 'streamEndMessage'; streamId: string; error?: { message?: string; userErrorCode?: string } }
    | { kind: 'setGroupStateMessage'; group: string; ackId?: Int64; state?: StringMap }
    | { kind: null };

export type DownstreamMessage =
    | { kind: 'ackMessage'; ackId: Int64; success: boolean; error?: { name: string; message: string } }
    | { kind: 'dataMessage'; from: string; group?: string; data?: MessageData; sequenceId?: Int64; metadata: StringMap; stream?: StreamInfo }
    | { kind: 'connectedMessage'; connectionId: string; userId: string; reconnectionToken?: string }
    | { kind: 'disconnectedMessage'; reason: string }
    | { kind: 'systemMessage' }
    | { kind: 'pongMessage' }
    | { kind: 'invokeResponseMessage'; invocationId: string; success: boolean; data?: MessageData; error?: { name: string; message: string }; metadata: StringMap }
    | { kind: 'streamAckMessage'; streamId: string; expectedSequenceId: Int64 }
    | { kind: 'streamNackMessage'; streamId: string; name: string; message: string; expectedSequenceId: Int64 }
    | { kind: 'streamClosedMessage'; streamId: string; error?: { name: string; message: string } }
    | { kind: 'groupStateUpdateMessage' | 'groupStateSnapshotMessage'; group: string; items: GroupStateItem[]; sequenceId?: Int64 }
    | { kind: null };

export interface DecodeOptions {
    /** Skip the UTF-8 checks of string fields (faster; accepts what libprotobuf rejects). */
    noUtf8?: boolean;
}

/** Decodes an UpstreamMessage.  Throws WpsError (status and offset) on a malformed frame. */
export function decodeUpstream(frame: Frame, options?: DecodeOptions): UpstreamMessage;
/** Decodes a DownstreamMessage.  Throws WpsError (status and offset) on a malformed frame. */
export function decodeDownstream(frame: Frame, options?: DecodeOptions): DownstreamMessage;

/**
 * Encodes to libprotobuf's deterministic bytes (map entries sorted by key),
 * in a new Uint8Array that the caller owns (in Node a Buffer; small ones
 * share Node's allocation pool, so use byteOffset/byteLength with .buffer).  Throws WpsError PBW_E_ARG for
 * an unknown kind or a field of the wrong type or range.
 */
export function encodeUpstream(message: UpstreamMessage): Uint8Array;
/** encodeUpstream into an ArrayBuffer of its own (what WebSocket.send takes whole). */
export function encodeUpstreamArrayBuffer(message: UpstreamMessage): ArrayBuffer;
export function encodeDownstream(message: DownstreamMessage): Uint8Array;

/** A decoded message in the protobuf JSON mapping (libprotobuf's MessageToJson form). */
export function toProtoJSON(message: UpstreamMessage | DownstreamMessage): Record<string, unknown>;

/** The WebAssembly module's exports (tests and tools). */
export const wasm: WebAssembly.Exports;
