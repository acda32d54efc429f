// SPDX-License-Identifier: MIT
// Types of protocol.mjs: the protobuf subprotocols for @azure/web-pubsub-client.
import type { WebPubSubClientProtocol, WebPubSubMessage } from '@azure/web-pubsub-client';

/** "protobuf.webpubsub.azure.v1" */
export function WebPubSubProtobufProtocol(): WebPubSubClientProtocol;
/** "protobuf.reliable.webpubsub.azure.v1" (sequence ids, recovery) */
export function WebPubSubProtobufReliableProtocol(): WebPubSubClientProtocol;

/**
 * A DownstreamMessage frame as the client's message, or null for one the
 * client does not know.  Ids are numbers (as the client's types say).
 * Throws WpsError for a malformed frame or a text frame.
 */
export function parseDownstream(input: string | ArrayBuffer | Uint8Array): WebPubSubMessage | null;
/** The client's message as an UpstreamMessage frame.  Throws TypeError for what the subprotocol cannot carry. */
export function writeUpstream(message: WebPubSubMessage): ArrayBuffer;
