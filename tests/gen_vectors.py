#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Hand-designed test vectors: tests/vectors/golden.tsv and malformed.tsv.

    /usr/bin/python3 tests/gen_vectors.py

(Debian's python3, whose protobuf is libprotobuf through the C++ backend; see
tests/pbref.py.)  Deterministic: no clock, no randomness.  Runs from any
directory; writes beside this file.

golden.tsv, one accepted message a line, tab-separated:
    dir  name  hex  json  canon_hex  exact
  json      pbref.to_json() of libprotobuf's parse of hex (tools/wps_json.h);
  canon_hex libprotobuf's deterministic serialisation of that parse, unknown
            fields discarded (our encoder never writes unknown fields);
  exact     1 when our encoder, which writes map entries in wire order and
            keeps repeated keys, must give canon_hex byte for byte: every
            vector whose map keys are strictly ascending on the wire.

malformed.tsv, one input a line:
    dir  name  hex  status  offset
  status is the pbw status name the decoder must return (PBW_OK for the
  truncations that end on a top-level field boundary) and offset the
  err_offset it must report (pbwire.h says what each status points at).
  Names are <dir>.<family>.<case>.

Before anything is written every vector is checked:
  golden     libprotobuf accepts it; tests/wire_model.py says ('PBW_OK', len)
             with and without UTF-8 checks; the parsed value equals the
             expectation stated here (where one is); the exactness stated
             here (where one is) equals the one computed from the wire; the
             canonical bytes parse back to the same JSON;
  malformed  the status and offset written here (the model's for the
             truncation family) equal wire_model.check(); libprotobuf
             rejects the bytes exactly when the status is not PBW_OK; with
             UTF-8 checks off the model gives the same verdict, or PBW_OK
             for a PBW_E_UTF8 row (tests/test_vectors.c checks that too).
Any disagreement: every problem on stderr, exit status 1, nothing written.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import pbref  # noqa: E402
import wire_model  # noqa: E402
from google.protobuf import descriptor as _d  # noqa: E402

FD = _d.FieldDescriptor
OUT_DIR = os.path.join(HERE, 'vectors')
MASK64 = (1 << 64) - 1
CLS = {'up': pbref.Up, 'down': pbref.Down}

# ---------------------------------------------------------------------------
# Wire building blocks.  Everything is written by hand, byte for byte, so
# that non-canonical forms (padding, order, repeats) are easy to state.
# ---------------------------------------------------------------------------


V = wire_model.varint


def T(num, wt, pad=0):
    """A tag."""
    return V(num << 3 | wt, pad)


def Bt(x):
    return x.encode('utf-8') if isinstance(x, str) else bytes(x)


def LD(num, payload, pad=0, tpad=0):
    """A length-delimited field (length padded by `pad`, tag by `tpad`)."""
    payload = Bt(payload)
    return T(num, 2, tpad) + V(len(payload), pad) + payload


S = LD  # a string field: same bytes


def M(num, *parts, **kw):
    """A sub-message field made of the given fields."""
    return LD(num, b''.join(parts), **kw)


def U(num, v, pad=0, tpad=0):
    """A varint field (uint64, uint32, bool)."""
    return T(num, 0, tpad) + V(v, pad)


def I64(num, v):
    return U(num, v & MASK64)


def X32(num, b=b'\x01\x02\x03\x04'):
    return T(num, 5) + b


def X64(num, b=b'\x01\x02\x03\x04\x05\x06\x07\x08'):
    return T(num, 1) + b


def G(num, *parts):
    """A group: start tag, the parts, matching end tag."""
    return T(num, 3) + b''.join(parts) + T(num, 4)


def nested_groups(n, num):
    return T(num, 3) * n + T(num, 4) * n


def KV(num, k=None, v=None):
    """A map entry field with key and/or value (None: left out)."""
    parts = []
    if k is not None:
        parts.append(S(1, k))
    if v is not None:
        parts.append(S(2, v))
    return M(num, *parts)


def cat(*parts):
    return b''.join(parts)


# MessageData members
def TEXT(s):
    return S(1, s)


def BIN(b):
    return LD(2, b)


def ANY(type_url=None, value=None, *extra):
    parts = []
    if type_url is not None:
        parts.append(S(1, type_url))
    if value is not None:
        parts.append(LD(2, value))
    return M(3, *(parts + list(extra)))


def JSONDATA(s):
    return S(4, s)


# Field numbers of the two roots.
(UP_SEND, UP_EVENT, UP_JOIN, UP_LEAVE, UP_SEQACK, UP_PING, UP_INVOKE, UP_CANCEL,
 UP_SDATA, UP_SEND_END, UP_SETSTATE, UP_SUB, UP_UNSUB) = 1, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17
(DN_ACK, DN_DATA, DN_SYSTEM, DN_PONG, DN_INVRESP, DN_SACK, DN_SNACK, DN_SCLOSED,
 DN_GSUPDATE, DN_GSSNAP) = range(1, 11)

UNKNOWN_ALL = lambda num: cat(U(num, 150), X64(num), LD(num, b'\xc0\xaf\xff'), X32(num),  # noqa: E731
                              G(num, U(1, 1), G(2, LD(3, b'x'))))

# ---------------------------------------------------------------------------
# Golden vectors
# ---------------------------------------------------------------------------

GOLDEN = []  # dicts: dir, name, data, expect, exact


def golden(d, name, data, expect=None, exact=None):
    GOLDEN.append({'dir': d, 'name': '%s.%s' % (d, name), 'data': bytes(data),
                   'expect': expect, 'exact': exact})


def up(name, data, expect=None, exact=None):
    golden('up', name, data, expect, exact)


def down(name, data, expect=None, exact=None):
    golden('down', name, data, expect, exact)


def golden_upstream():
    # --- every message type, every field ---
    up('empty', b'', {})
    up('ping', M(UP_PING), {'pingMessage': {}})
    up('send_to_group.minimal', M(UP_SEND, S(1, 'chat')),
       {'sendToGroupMessage': {'group': 'chat'}})
    up('send_to_group.full', M(UP_SEND, S(1, 'chat'), U(2, 7), M(3, TEXT('hello')), U(4, 1), U(5, 60),
                               KV(6, 'a', '1'), KV(6, 'b', '2'), M(7, S(1, 's-1'), U(2, 5000))),
       {'sendToGroupMessage': {'group': 'chat', 'ackId': '7', 'data': {'textData': 'hello'},
                               'noEcho': True, 'ttlSeconds': 60, 'metadata': {'a': '1', 'b': '2'},
                               'stream': {'streamId': 's-1', 'idleTimeoutMs': 5000}}})
    up('send_to_group.empty', M(UP_SEND), {'sendToGroupMessage': {}})
    up('send_to_group.zero_ack_id', M(UP_SEND, S(1, 'g'), U(2, 0)),
       {'sendToGroupMessage': {'group': 'g', 'ackId': '0'}})
    up('send_to_group.no_echo_false', M(UP_SEND, S(1, 'g'), U(4, 0)),
       {'sendToGroupMessage': {'group': 'g', 'noEcho': False}})
    up('send_to_group.ttl_zero', M(UP_SEND, S(1, 'g'), U(5, 0)),
       {'sendToGroupMessage': {'group': 'g', 'ttlSeconds': 0}})
    up('send_to_group.group_empty_string', M(UP_SEND, S(1, '')), {'sendToGroupMessage': {}})
    up('send_to_group.empty_data', M(UP_SEND, S(1, 'g'), M(3)),
       {'sendToGroupMessage': {'group': 'g', 'data': {}}})
    up('send_to_group.stream_start', M(UP_SEND, S(1, 'g'), M(7, S(1, 'st'), U(2, 0))),
       {'sendToGroupMessage': {'group': 'g', 'stream': {'streamId': 'st', 'idleTimeoutMs': 0}}})
    up('send_to_group.stream_empty', M(UP_SEND, S(1, 'g'), M(7)),
       {'sendToGroupMessage': {'group': 'g', 'stream': {}}})
    up('send_to_group.idle_timeout_max', M(UP_SEND, M(7, S(1, 's'), U(2, 0xFFFFFFFF))),
       {'sendToGroupMessage': {'stream': {'streamId': 's', 'idleTimeoutMs': 4294967295}}})
    up('send_to_group.idle_timeout_high_bits', M(UP_SEND, M(7, U(2, (5 << 32) | 1000))),
       {'sendToGroupMessage': {'stream': {'idleTimeoutMs': 1000}}})
    up('send_to_group.ttl_high_bits', M(UP_SEND, U(5, (1 << 32) | 30)),
       {'sendToGroupMessage': {'ttlSeconds': 30}})
    up('send_to_group.ttl_2pow32_is_zero', M(UP_SEND, U(5, 1 << 32)),
       {'sendToGroupMessage': {'ttlSeconds': 0}})
    up('send_to_group.ttl_u64_max_10_bytes', M(UP_SEND, U(5, MASK64)),
       {'sendToGroupMessage': {'ttlSeconds': 4294967295}})
    up('send_to_group.ack_id_u64_max', M(UP_SEND, U(2, MASK64)),
       {'sendToGroupMessage': {'ackId': '18446744073709551615'}})
    up('send_to_group.ack_id_2pow63', M(UP_SEND, U(2, 1 << 63)),
       {'sendToGroupMessage': {'ackId': '9223372036854775808'}})
    up('send_to_group.ack_id_10th_byte_overflow_dropped',
       M(UP_SEND, T(2, 0) + b'\x81\x80\x80\x80\x80\x80\x80\x80\x80\x7f'),
       {'sendToGroupMessage': {'ackId': str(1 | (0x7f << 63) & MASK64)}})
    up('send_to_group.no_echo_as_2', M(UP_SEND, U(4, 2)), {'sendToGroupMessage': {'noEcho': True}})
    up('send_to_group.no_echo_10_byte_true', M(UP_SEND, U(4, MASK64)),
       {'sendToGroupMessage': {'noEcho': True}})
    up('send_to_group.no_echo_padded_10_byte_true', M(UP_SEND, U(4, 1, pad=9)),
       {'sendToGroupMessage': {'noEcho': True}})
    up('send_to_group.no_echo_2pow64_wraps_false',
       M(UP_SEND, T(4, 0) + b'\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02'),
       {'sendToGroupMessage': {'noEcho': False}})
    up('send_to_group.no_echo_2pow32_true', M(UP_SEND, U(4, 1 << 32)),
       {'sendToGroupMessage': {'noEcho': True}})
    # MessageData kinds
    up('send_to_group.data_text_empty', M(UP_SEND, M(3, TEXT(''))),
       {'sendToGroupMessage': {'data': {'textData': ''}}})
    up('send_to_group.data_binary', M(UP_SEND, M(3, BIN(bytes(range(0, 256, 7))))))
    up('send_to_group.data_binary_empty', M(UP_SEND, M(3, BIN(b''))),
       {'sendToGroupMessage': {'data': {'binaryData': ''}}})
    up('send_to_group.data_binary_invalid_utf8', M(UP_SEND, M(3, BIN(b'\xc0\xaf\xed\xa0\x80\xff\xfe\xe2\x82'))))
    up('send_to_group.data_json', M(UP_SEND, M(3, JSONDATA('{"a":[1,2,{"b":null}]}'))))
    up('send_to_group.data_json_empty', M(UP_SEND, M(3, JSONDATA(''))),
       {'sendToGroupMessage': {'data': {'jsonData': ''}}})
    up('send_to_group.data_any', M(UP_SEND, M(3, ANY('type.googleapis.com/google.protobuf.StringValue',
                                                       b'\x0a\x05hello'))))
    up('send_to_group.data_any_empty', M(UP_SEND, M(3, ANY())),
       {'sendToGroupMessage': {'data': {'protobufData': {}}}})
    up('send_to_group.data_any_value_only', M(UP_SEND, M(3, ANY(None, b'\x08\x96\x01'))),
       {'sendToGroupMessage': {'data': {'protobufData': {'value': 'CJYB'}}}})
    up('send_to_group.data_any_type_url_only', M(UP_SEND, M(3, ANY('type.googleapis.com/x.Y'))))
    up('send_to_group.data_any_value_invalid_utf8', M(UP_SEND, M(3, ANY('t', b'\xff\xc0\xaf\xed\xa0\x80'))))
    up('send_to_group.data_any_unknown_fields', M(UP_SEND, M(3, ANY('t', b'v', U(3, 1), G(4, X32(1)), LD(99, b'\xff')))),
       {'sendToGroupMessage': {'data': {'protobufData': {'typeUrl': 't', 'value': 'dg=='}}}})
    # maps
    up('send_to_group.metadata_several', M(UP_SEND, S(1, 'g'), KV(6, '', 'empty key'), KV(6, 'a', ''),
                                           KV(6, 'ab', 'x'), KV(6, 'b', 'y'), KV(6, 'caf\u00e9', '\u65e5')),
       {'sendToGroupMessage': {'group': 'g', 'metadata': {'': 'empty key', 'a': '', 'ab': 'x',
                                                          'b': 'y', 'caf\u00e9': '\u65e5'}}}, exact=True)
    up('send_to_group.metadata_unsorted', M(UP_SEND, KV(6, 'b', '2'), KV(6, 'a', '1'), KV(6, 'c', '3')),
       {'sendToGroupMessage': {'metadata': {'a': '1', 'b': '2', 'c': '3'}}}, exact=False)
    up('send_to_group.metadata_repeated_key_later_wins',
       M(UP_SEND, KV(6, 'a', 'first'), KV(6, 'b', 'x'), KV(6, 'a', 'second')),
       {'sendToGroupMessage': {'metadata': {'a': 'second', 'b': 'x'}}}, exact=False)
    up('send_to_group.metadata_repeated_key_adjacent',
       M(UP_SEND, KV(6, 'k', '1'), KV(6, 'k', '2')),
       {'sendToGroupMessage': {'metadata': {'k': '2'}}}, exact=False)
    up('send_to_group.metadata_entry_empty', M(UP_SEND, M(6)),
       {'sendToGroupMessage': {'metadata': {'': ''}}}, exact=True)
    up('send_to_group.metadata_entry_no_key', M(UP_SEND, KV(6, None, 'v')),
       {'sendToGroupMessage': {'metadata': {'': 'v'}}})
    up('send_to_group.metadata_entry_no_value', M(UP_SEND, KV(6, 'k', None)),
       {'sendToGroupMessage': {'metadata': {'k': ''}}})
    up('send_to_group.metadata_entry_swapped', M(UP_SEND, M(6, S(2, 'v'), S(1, 'k'))),
       {'sendToGroupMessage': {'metadata': {'k': 'v'}}})
    up('send_to_group.metadata_entry_key_twice', M(UP_SEND, M(6, S(1, 'old'), S(2, 'v'), S(1, 'new'))),
       {'sendToGroupMessage': {'metadata': {'new': 'v'}}})
    up('send_to_group.metadata_entry_value_twice', M(UP_SEND, M(6, S(1, 'k'), S(2, 'old'), S(2, 'new'))),
       {'sendToGroupMessage': {'metadata': {'k': 'new'}}})
    up('send_to_group.metadata_entry_unknown_fields',
       M(UP_SEND, M(6, U(3, 5), S(1, 'k'), X64(4), G(5, U(1, 1)), S(2, 'v'), X32(6), LD(7, b'\xff'))),
       {'sendToGroupMessage': {'metadata': {'k': 'v'}}})
    up('send_to_group.metadata_entry_key_wrong_wire_type', M(UP_SEND, M(6, U(1, 5), S(2, 'v'))),
       {'sendToGroupMessage': {'metadata': {'': 'v'}}})
    up('send_to_group.metadata_entry_value_wrong_wire_type', M(UP_SEND, M(6, S(1, 'k'), X32(2))),
       {'sendToGroupMessage': {'metadata': {'k': ''}}})
    up('send_to_group.metadata_interleaved', M(UP_SEND, KV(6, 'a', '1'), S(1, 'g'), KV(6, 'b', '2'), U(2, 3),
                                               KV(6, 'c', '3')),
       {'sendToGroupMessage': {'group': 'g', 'ackId': '3', 'metadata': {'a': '1', 'b': '2', 'c': '3'}}})
    up('send_to_group.metadata_split_over_two_occurrences',
       cat(M(UP_SEND, S(1, 'g'), KV(6, 'a', '1')), M(UP_SEND, KV(6, 'b', '2'))),
       {'sendToGroupMessage': {'group': 'g', 'metadata': {'a': '1', 'b': '2'}}}, exact=True)
    up('send_to_group.metadata_split_repeated_key',
       cat(M(UP_SEND, KV(6, 'b', 'old')), M(UP_SEND, KV(6, 'a', '1'), KV(6, 'b', 'new'))),
       {'sendToGroupMessage': {'metadata': {'a': '1', 'b': 'new'}}}, exact=False)
    up('send_to_group.metadata_field_wrong_wire_type_skipped',
       M(UP_SEND, KV(6, 'a', '1'), U(6, 5), X32(6), KV(6, 'b', '2')),
       {'sendToGroupMessage': {'metadata': {'a': '1', 'b': '2'}}})
    up('send_to_group.metadata_lookalike_inside_group_skipped',
       M(UP_SEND, KV(6, 'a', '1'), G(6, KV(6, 'zz', 'no')), KV(6, 'b', '2')),
       {'sendToGroupMessage': {'metadata': {'a': '1', 'b': '2'}}})
    up('send_to_group.metadata_then_top_field1_wrong_wire_type',
       cat(M(UP_SEND, KV(6, 'a', '1')), U(1, 9), G(1, KV(6, 'zz', 'no')), M(UP_SEND, KV(6, 'b', '2'))),
       {'sendToGroupMessage': {'metadata': {'a': '1', 'b': '2'}}})
    up('send_to_group.metadata_dropped_by_oneof_switch',
       cat(M(UP_SEND, KV(6, 'z', 'old')), M(UP_PING), M(UP_SEND, KV(6, 'a', '1'))),
       {'sendToGroupMessage': {'metadata': {'a': '1'}}}, exact=True)
    up('send_to_group.metadata_dropped_by_oneof_switch_none_after',
       cat(M(UP_SEND, KV(6, 'z', 'old')), M(UP_EVENT, KV(4, 'e', 'v')), M(UP_SEND, S(1, 'g'))),
       {'sendToGroupMessage': {'group': 'g'}})
    # --- EventMessage ---
    up('event.minimal', M(UP_EVENT, S(1, 'connect')), {'eventMessage': {'event': 'connect'}})
    up('event.full', M(UP_EVENT, S(1, 'ev'), M(2, JSONDATA('{"x":1}')), U(3, 99), KV(4, 'k1', 'v1'),
                       KV(4, 'k2', 'v2'), M(5, S(1, 'es'), U(2, 30000))),
       {'eventMessage': {'event': 'ev', 'data': {'jsonData': '{"x":1}'}, 'ackId': '99',
                         'metadata': {'k1': 'v1', 'k2': 'v2'}, 'stream': {'streamId': 'es', 'idleTimeoutMs': 30000}}})
    up('event.zero_ack_id', M(UP_EVENT, S(1, 'e'), U(3, 0)), {'eventMessage': {'event': 'e', 'ackId': '0'}})
    up('event.empty', M(UP_EVENT), {'eventMessage': {}})
    up('event.data_binary', M(UP_EVENT, S(1, 'e'), M(2, BIN(b'\x00\x01\x02'))))
    up('event.empty_data_and_stream', M(UP_EVENT, M(2), M(5)),
       {'eventMessage': {'data': {}, 'stream': {}}})
    up('event.metadata_unsorted', M(UP_EVENT, KV(4, 'y', '1'), KV(4, 'x', '2')), exact=False)
    up('event.stream_idle_zero', M(UP_EVENT, S(1, 'e'), M(5, U(2, 0))),
       {'eventMessage': {'event': 'e', 'stream': {'idleTimeoutMs': 0}}})
    # --- Join / Leave / Subscribe / Unsubscribe ---
    for num, key, short in ((UP_JOIN, 'joinGroupMessage', 'join_group'),
                            (UP_LEAVE, 'leaveGroupMessage', 'leave_group'),
                            (UP_SUB, 'subscribeGroupStateMessage', 'subscribe_group_state'),
                            (UP_UNSUB, 'unsubscribeGroupStateMessage', 'unsubscribe_group_state')):
        up(short + '.full', M(num, S(1, 'group-1'), U(2, 12345)),
           {key: {'group': 'group-1', 'ackId': '12345'}})
        up(short + '.zero_ack_id', M(num, S(1, 'g'), U(2, 0)), {key: {'group': 'g', 'ackId': '0'}})
        if num == UP_JOIN:
            up(short + '.no_ack_id', M(num, S(1, 'group-1')), {key: {'group': 'group-1'}})
            up(short + '.empty', M(num), {key: {}})
    up('subscribe_group_state.tag_padded_to_5_bytes', M(UP_SUB, S(1, 'g'), tpad=3),
       {'subscribeGroupStateMessage': {'group': 'g'}})
    # --- SequenceAck ---
    up('sequence_ack.zero_is_empty', M(UP_SEQACK), {'sequenceAckMessage': {}})
    up('sequence_ack.explicit_zero', M(UP_SEQACK, U(1, 0)), {'sequenceAckMessage': {}})
    up('sequence_ack.one', M(UP_SEQACK, U(1, 1)), {'sequenceAckMessage': {'sequenceId': '1'}})
    up('sequence_ack.u64_max', M(UP_SEQACK, U(1, MASK64)),
       {'sequenceAckMessage': {'sequenceId': '18446744073709551615'}})
    up('sequence_ack.padded_value', M(UP_SEQACK, U(1, 300, pad=5)),
       {'sequenceAckMessage': {'sequenceId': '300'}})
    up('sequence_ack.last_wins', M(UP_SEQACK, U(1, 5), U(1, 4)), {'sequenceAckMessage': {'sequenceId': '4'}})
    # --- InvokeEvent / CancelInvocation ---
    up('invoke_event.full', M(UP_INVOKE, S(1, 'echo'), S(2, 'inv-1'), M(3, TEXT('ping')), KV(4, 'm', 'n'),
                              M(5, S(1, 'is'), U(2, 100))),
       {'invokeEventMessage': {'event': 'echo', 'invocationId': 'inv-1', 'data': {'textData': 'ping'},
                               'metadata': {'m': 'n'}, 'stream': {'streamId': 'is', 'idleTimeoutMs': 100}}})
    up('invoke_event.minimal', M(UP_INVOKE, S(2, 'inv-2')), {'invokeEventMessage': {'invocationId': 'inv-2'}})
    up('invoke_event.empty', M(UP_INVOKE), {'invokeEventMessage': {}})
    up('invoke_event.data_json_empty_stream', M(UP_INVOKE, S(1, 'e'), M(3, JSONDATA('[]')), M(5)))
    up('invoke_event.data_any_metadata_several', M(UP_INVOKE, M(3, ANY('u', b'\x00')), KV(4, 'a', '1'),
                                                    KV(4, 'b', '2'), KV(4, 'c', '3')))
    up('cancel_invocation.full', M(UP_CANCEL, S(1, 'inv-1')), {'cancelInvocationMessage': {'invocationId': 'inv-1'}})
    up('cancel_invocation.empty', M(UP_CANCEL), {'cancelInvocationMessage': {}})
    # --- StreamData / StreamEnd ---
    up('stream_data.keepalive', M(UP_SDATA, S(1, 's1')), {'streamDataMessage': {'streamId': 's1'}})
    up('stream_data.full', M(UP_SDATA, S(1, 's1'), U(2, 3), M(3, BIN(b'chunk'))),
       {'streamDataMessage': {'streamId': 's1', 'streamSequenceId': '3', 'data': {'binaryData': 'Y2h1bms='}}})
    up('stream_data.zero_sequence_id', M(UP_SDATA, S(1, 's1'), U(2, 0)),
       {'streamDataMessage': {'streamId': 's1', 'streamSequenceId': '0'}})
    up('stream_data.empty_data', M(UP_SDATA, S(1, 's'), M(3)))
    up('stream_data.empty', M(UP_SDATA), {'streamDataMessage': {}})
    up('stream_end.no_error', M(UP_SEND_END, S(1, 's1')), {'streamEndMessage': {'streamId': 's1'}})
    up('stream_end.error_empty', M(UP_SEND_END, S(1, 's1'), M(2)),
       {'streamEndMessage': {'streamId': 's1', 'error': {}}})
    up('stream_end.error_message_only', M(UP_SEND_END, S(1, 's1'), M(2, S(1, 'boom'))),
       {'streamEndMessage': {'streamId': 's1', 'error': {'message': 'boom'}}})
    up('stream_end.error_code_only', M(UP_SEND_END, S(1, 's1'), M(2, S(2, 'E42'))),
       {'streamEndMessage': {'streamId': 's1', 'error': {'userErrorCode': 'E42'}}})
    up('stream_end.error_both', M(UP_SEND_END, S(1, 's1'), M(2, S(1, 'boom'), S(2, 'E42'))),
       {'streamEndMessage': {'streamId': 's1', 'error': {'message': 'boom', 'userErrorCode': 'E42'}}})
    up('stream_end.error_both_empty_strings', M(UP_SEND_END, M(2, S(1, ''), S(2, ''))),
       {'streamEndMessage': {'error': {'message': '', 'userErrorCode': ''}}})
    up('stream_end.error_split_merged', cat(M(UP_SEND_END, M(2, S(1, 'm'))), M(UP_SEND_END, M(2, S(2, 'c')))),
       {'streamEndMessage': {'error': {'message': 'm', 'userErrorCode': 'c'}}})
    # --- SetGroupState ---
    up('set_group_state.clear', M(UP_SETSTATE, S(1, 'g'), U(2, 1)),
       {'setGroupStateMessage': {'group': 'g', 'ackId': '1'}})
    up('set_group_state.state_empty', M(UP_SETSTATE, S(1, 'g'), M(3)),
       {'setGroupStateMessage': {'group': 'g', 'state': {}}})
    up('set_group_state.state_entries', M(UP_SETSTATE, S(1, 'g'), U(2, 0), M(3, KV(1, 'mood', 'happy'),
                                                                           KV(1, 'x', ''))),
       {'setGroupStateMessage': {'group': 'g', 'ackId': '0', 'state': {'entries': {'mood': 'happy', 'x': ''}}}})
    up('set_group_state.state_entries_unsorted', M(UP_SETSTATE, M(3, KV(1, 'z', '1'), KV(1, 'a', '2'))),
       exact=False)
    up('set_group_state.state_entries_repeated_key', M(UP_SETSTATE, M(3, KV(1, 'a', '1'), KV(1, 'a', '2'))),
       {'setGroupStateMessage': {'state': {'entries': {'a': '2'}}}}, exact=False)
    up('set_group_state.state_split_merged',
       cat(M(UP_SETSTATE, M(3, KV(1, 'a', '1'))), M(UP_SETSTATE, S(1, 'g'), M(3, KV(1, 'b', '2')))),
       {'setGroupStateMessage': {'group': 'g', 'state': {'entries': {'a': '1', 'b': '2'}}}}, exact=True)
    up('set_group_state.state_twice_in_one_occurrence',
       M(UP_SETSTATE, M(3, KV(1, 'a', '1')), S(1, 'g'), M(3, KV(1, 'b', '2'), M(1))),
       {'setGroupStateMessage': {'group': 'g', 'state': {'entries': {'': '', 'a': '1', 'b': '2'}}}}, exact=False)
    up('set_group_state.entry_with_unknown_and_swapped',
       M(UP_SETSTATE, M(3, M(1, S(2, 'v'), U(9, 1), S(1, 'k')), U(2, 3), M(1, S(1, 'l')))),
       {'setGroupStateMessage': {'state': {'entries': {'k': 'v', 'l': ''}}}})

    # --- unknown fields, reserved fields, wrong wire types ---
    up('unknown.every_wire_type_top', cat(UNKNOWN_ALL(2), M(UP_PING), UNKNOWN_ALL(20)),
       {'pingMessage': {}})
    up('unknown.only_unknown_fields', cat(U(3, 1), X64(4), LD(18, b'abc'), X32(19)), {})
    up('unknown.field_2pow29_minus_1_each_wire_type',
       cat(U((1 << 29) - 1, 1), X64((1 << 29) - 1), LD((1 << 29) - 1, b'z'), G((1 << 29) - 1, U(1, 2)),
           X32((1 << 29) - 1), M(UP_JOIN, S(1, 'g'))),
       {'joinGroupMessage': {'group': 'g'}})
    up('unknown.big_numbers_inside_sub_messages',
       M(UP_SEND, U(1000, 1), S(1, 'g'), M(3, X64(100000), TEXT('t'), G(123456, X32(7))),
         M(7, LD(4096, b''), S(1, 's'))),
       {'sendToGroupMessage': {'group': 'g', 'data': {'textData': 't'}, 'stream': {'streamId': 's'}}})
    up('unknown.nested_groups', cat(G(2, G(3, G(4, U(1, 1), LD(2, b'\xff')), X32(5)), X64(6)), M(UP_PING)),
       {'pingMessage': {}})
    up('unknown.group_lookalike_content_skipped', cat(G(1, M(UP_SEND, S(1, 'no'))), M(UP_JOIN, S(1, 'yes'))),
       {'joinGroupMessage': {'group': 'yes'}})
    up('unknown.every_wire_type_inside_send_to_group', M(UP_SEND, UNKNOWN_ALL(8), S(1, 'g'), UNKNOWN_ALL(30)),
       {'sendToGroupMessage': {'group': 'g'}})
    up('unknown.every_wire_type_inside_message_data', M(UP_SEND, M(3, UNKNOWN_ALL(5), TEXT('t'), UNKNOWN_ALL(6))),
       {'sendToGroupMessage': {'data': {'textData': 't'}}})
    up('unknown.inside_stream_start', M(UP_EVENT, M(5, UNKNOWN_ALL(3), S(1, 's'))),
       {'eventMessage': {'stream': {'streamId': 's'}}})
    up('unknown.inside_state_and_entry', M(UP_SETSTATE, M(3, UNKNOWN_ALL(2), M(1, S(1, 'k'), UNKNOWN_ALL(3)))),
       {'setGroupStateMessage': {'state': {'entries': {'k': ''}}}})
    up('unknown.inside_stream_end_error', M(UP_SEND_END, M(2, UNKNOWN_ALL(3), S(2, 'c'))),
       {'streamEndMessage': {'error': {'userErrorCode': 'c'}}})
    up('unknown.invalid_utf8_in_unknown_fields_not_checked',
       cat(LD(2, b'\xc0\xaf'), M(UP_SEND, LD(9, b'\xed\xa0\x80'), G(10, LD(1, b'\xff'))), G(3, LD(1, b'\xf5'))),
       {'sendToGroupMessage': {}})
    up('unknown.string_field_with_wrong_wire_type_not_checked',
       M(UP_SEND, G(1, LD(1, b'\xff')), S(1, 'g')), {'sendToGroupMessage': {'group': 'g'}})
    up('reserved.field_12_varint', cat(U(12, 1), M(UP_PING)), {'pingMessage': {}})
    up('reserved.field_12_len', cat(LD(12, b'\x0a\x01x'), M(UP_JOIN, S(1, 'g'))), {'joinGroupMessage': {'group': 'g'}})
    up('reserved.field_12_group_and_fixed', cat(G(12, U(1, 1)), X32(12), X64(12)), {})
    up('wrong_wire_type.top_level_members', cat(U(UP_SEND, 5), X32(UP_EVENT), X64(UP_JOIN), G(UP_PING),
                                                 U(UP_UNSUB, 1), M(UP_LEAVE, S(1, 'g'))),
       {'leaveGroupMessage': {'group': 'g'}})
    up('wrong_wire_type.inside_send_to_group',
       M(UP_SEND, U(1, 1), LD(2, b'\x01'), X32(3), LD(4, b'\x01'), X64(5), U(6, 1), U(7, 2), S(1, 'g')),
       {'sendToGroupMessage': {'group': 'g'}})
    up('wrong_wire_type.inside_message_data', M(UP_SEND, M(3, U(1, 1), U(2, 2), U(3, 3), G(4, U(1, 1)))),
       {'sendToGroupMessage': {'data': {}}})
    up('wrong_wire_type.inside_stream_start', M(UP_SEND, M(7, U(1, 1), LD(2, b'\x05'))),
       {'sendToGroupMessage': {'stream': {}}})
    up('wrong_wire_type.sequence_id_as_len', M(UP_SEQACK, LD(1, b'\x05'), U(1, 2), X64(1)),
       {'sequenceAckMessage': {'sequenceId': '2'}})

    # --- non-canonical encodings ---
    up('noncanonical.padded_tags', cat(T(UP_SEND, 2, pad=1), V(len(S(1, 'g', tpad=4) + U(2, 5, tpad=2))),
                                       S(1, 'g', tpad=4), U(2, 5, tpad=2)),
       {'sendToGroupMessage': {'group': 'g', 'ackId': '5'}})
    up('noncanonical.padded_lengths', M(UP_SEND, S(1, 'grp', pad=4), M(3, TEXT('t'), pad=1), pad=2),
       {'sendToGroupMessage': {'group': 'grp', 'data': {'textData': 't'}}})
    up('noncanonical.padded_values', M(UP_SEND, U(2, 0, pad=9), U(4, 1, pad=3), U(5, 60, pad=4)),
       {'sendToGroupMessage': {'ackId': '0', 'noEcho': True, 'ttlSeconds': 60}})
    up('noncanonical.fields_reversed', M(UP_SEND, M(7, U(2, 9), S(1, 's')), KV(6, 'k', 'v'), U(5, 1), U(4, 1),
                                         M(3, TEXT('t')), U(2, 1), S(1, 'g')),
       {'sendToGroupMessage': {'group': 'g', 'ackId': '1', 'data': {'textData': 't'}, 'noEcho': True,
                               'ttlSeconds': 1, 'metadata': {'k': 'v'}, 'stream': {'streamId': 's', 'idleTimeoutMs': 9}}})
    up('noncanonical.scalar_repeated_last_wins', M(UP_SEND, U(2, 1), U(4, 1), U(5, 7), U(2, 2), U(4, 0), U(5, 8)),
       {'sendToGroupMessage': {'ackId': '2', 'noEcho': False, 'ttlSeconds': 8}})
    up('noncanonical.string_repeated_last_wins', M(UP_SEND, S(1, 'first'), S(1, 'second')),
       {'sendToGroupMessage': {'group': 'second'}})
    up('noncanonical.string_repeated_last_empty', M(UP_SEND, S(1, 'first'), S(1, '')),
       {'sendToGroupMessage': {}})
    up('noncanonical.submessage_split_merged', cat(M(UP_SEND, S(1, 'g'), M(7, S(1, 's'))),
                                                   M(UP_SEND, U(2, 4), M(7, U(2, 10)))),
       {'sendToGroupMessage': {'group': 'g', 'ackId': '4', 'stream': {'streamId': 's', 'idleTimeoutMs': 10}}})
    up('noncanonical.data_split_same_kind_last_wins', M(UP_SEND, M(3, TEXT('a')), M(3, TEXT('b'))),
       {'sendToGroupMessage': {'data': {'textData': 'b'}}})
    up('noncanonical.data_kind_switched', M(UP_SEND, M(3, TEXT('a'), BIN(b'\x01'))),
       {'sendToGroupMessage': {'data': {'binaryData': 'AQ=='}}})
    up('noncanonical.data_kind_switched_across_occurrences',
       M(UP_SEND, M(3, ANY('t', b'v')), M(3, JSONDATA('1')), M(3, TEXT('x'))),
       {'sendToGroupMessage': {'data': {'textData': 'x'}}})
    up('noncanonical.data_any_merged', M(UP_SEND, M(3, ANY('t')), M(3, ANY(None, b'v'))),
       {'sendToGroupMessage': {'data': {'protobufData': {'typeUrl': 't', 'value': 'dg=='}}}})
    up('noncanonical.data_any_dropped_by_switch_and_back', M(UP_SEND, M(3, ANY('t', b'v'), TEXT('x'), ANY(None, b'w'))),
       {'sendToGroupMessage': {'data': {'protobufData': {'value': 'dw=='}}}})
    up('noncanonical.data_text_to_binary_to_empty_text', M(UP_SEND, M(3, TEXT('x'), BIN(b'y'), TEXT(''))),
       {'sendToGroupMessage': {'data': {'textData': ''}}})
    up('noncanonical.oneof_switched', cat(M(UP_SEND, S(1, 'g'), U(2, 1)), M(UP_EVENT, S(1, 'e'))),
       {'eventMessage': {'event': 'e'}})
    up('noncanonical.oneof_switched_and_back', cat(M(UP_SEND, S(1, 'g'), U(2, 1), M(7)), M(UP_EVENT, S(1, 'e')),
                                                   M(UP_SEND, U(5, 3))),
       {'sendToGroupMessage': {'ttlSeconds': 3}})
    up('noncanonical.oneof_same_shape_members_switched', cat(M(UP_JOIN, S(1, 'a'), U(2, 1)), M(UP_LEAVE, S(1, 'b'))),
       {'leaveGroupMessage': {'group': 'b'}})
    up('noncanonical.oneof_to_ping_and_back', cat(M(UP_SUB, S(1, 'a'), U(2, 1)), M(UP_PING), M(UP_SUB, S(1, 'b'))),
       {'subscribeGroupStateMessage': {'group': 'b'}})
    up('noncanonical.concat_ping_then_join', cat(M(UP_PING), M(UP_JOIN, S(1, 'g'), U(2, 1))),
       {'joinGroupMessage': {'group': 'g', 'ackId': '1'}})
    up('noncanonical.concat_two_joins_merged', cat(M(UP_JOIN, S(1, 'g')), M(UP_JOIN, U(2, 2))),
       {'joinGroupMessage': {'group': 'g', 'ackId': '2'}})
    up('noncanonical.concat_two_full_messages', cat(M(UP_SEND, S(1, 'a'), M(3, TEXT('1')), KV(6, 'a', '1')),
                                                    M(UP_SEND, S(1, 'b'), M(3, BIN(b'2')), KV(6, 'b', '2'))),
       {'sendToGroupMessage': {'group': 'b', 'data': {'binaryData': 'Mg=='}, 'metadata': {'a': '1', 'b': '2'}}})
    up('noncanonical.tag_5_bytes_bits_above_32_dropped', cat(b'\xca\x80\x80\x80\x70', V(0)),
       {'pingMessage': {}})
    up('noncanonical.length_5_bytes', cat(T(UP_JOIN, 2), V(3, pad=4), S(1, 'g')),
       {'joinGroupMessage': {'group': 'g'}})

    # --- UTF-8 edge cases (valid) ---
    up('utf8.nul', M(UP_SEND, S(1, '\x00'), M(3, TEXT('a\x00b'))))
    up('utf8.u_fffe_and_10ffff', M(UP_SEND, S(1, '\ufffe\uffff'), M(3, TEXT('\U0010ffff'))))
    up('utf8.emoji_4_byte', M(UP_EVENT, S(1, '\U0001F600\U0001F389'), KV(4, '\U0001F511', '\U0001F512')))
    up('utf8.boundaries', M(UP_SEND, S(1, '\x7f\x80\u07ff\u0800\ud7ff\ue000\uffff\U00010000')))
    up('utf8.json_escapes', M(UP_SEND, S(1, 'quote"back\\slash/'), M(3, TEXT('tab\tnl\ncr\rbs\bff\f')),
                              KV(6, 'ctl\x01\x1f', 'del\x7f \u2028\u2029')))
    up('utf8.all_control_chars', M(UP_SEND, M(3, TEXT(''.join(chr(c) for c in range(32))))))
    up('utf8.long_multibyte', M(UP_SEND, S(1, '\u00e9' * 70), M(3, TEXT('\u65e5\u672c\u8a9e' * 20))))
    up('utf8.any_type_url', M(UP_SEND, M(3, ANY('type.googleapis.com/\u00e9\U0001F600'))))
    up('utf8.stream_end_error', M(UP_SEND_END, S(1, '\u2713'), M(2, S(1, '\u00fc'), S(2, '\x00'))))

    # --- corpus-like ---
    up('corpus.join_group', M(UP_JOIN, S(1, 'group-17'), U(2, 17)))
    up('corpus.leave_group', M(UP_LEAVE, S(1, 'group-1023'), U(2, 1023)))
    up('corpus.sequence_ack', M(UP_SEQACK, U(1, 2097151)))
    up('corpus.send_text16', M(UP_SEND, S(1, 'group-3'), U(2, 3), M(3, TEXT('message #3 text.')), U(4, 1)))
    up('corpus.send_bin64', M(UP_SEND, S(1, 'group-5'), U(2, 5), M(3, BIN(bytes((i * 37 + 11) & 0xff for i in range(64))))))
    up('corpus.send_any100', M(UP_SEND, S(1, 'group-9'), U(2, 9),
                               M(3, ANY('type.googleapis.com/azure.webpubsub.Sample',
                                        bytes((i * 53 + 7) & 0xff for i in range(100))))))

    # --- depth ---
    up('depth.groups_100_top_level', cat(nested_groups(100, 2), M(UP_PING)), {'pingMessage': {}})
    up('depth.groups_99_in_send_to_group', M(UP_SEND, nested_groups(99, 8), S(1, 'g')),
       {'sendToGroupMessage': {'group': 'g'}})
    up('depth.groups_97_in_any', M(UP_SEND, M(3, M(3, nested_groups(97, 3)))),
       {'sendToGroupMessage': {'data': {'protobufData': {}}}})
    up('depth.groups_97_in_state_entry', M(UP_SETSTATE, M(3, M(1, nested_groups(97, 3), S(1, 'k')))),
       {'setGroupStateMessage': {'state': {'entries': {'k': ''}}}})


def ITEM(*parts):
    return M(2, *parts)


def golden_downstream():
    down('empty', b'', {})
    down('pong', M(DN_PONG), {'pongMessage': {}})
    # --- Ack ---
    down('ack.success', M(DN_ACK, U(1, 1), U(2, 1)), {'ackMessage': {'ackId': '1', 'success': True}})
    down('ack.empty', M(DN_ACK), {'ackMessage': {}})
    down('ack.zero_ack_id_explicit', M(DN_ACK, U(1, 0), U(2, 0)), {'ackMessage': {}})
    down('ack.error_full', M(DN_ACK, U(1, 2), M(3, S(1, 'Forbidden'), S(2, 'no permission'))),
         {'ackMessage': {'ackId': '2', 'error': {'name': 'Forbidden', 'message': 'no permission'}}})
    down('ack.error_empty', M(DN_ACK, U(1, 3), M(3)), {'ackMessage': {'ackId': '3', 'error': {}}})
    down('ack.error_name_only', M(DN_ACK, M(3, S(1, 'Duplicate'))))
    down('ack.error_message_only', M(DN_ACK, M(3, S(2, 'msg'))))
    down('ack.ack_id_u64_max', M(DN_ACK, U(1, MASK64), U(2, 1)))
    down('ack.ack_id_2pow63', M(DN_ACK, U(1, 1 << 63)))
    down('ack.success_as_2', M(DN_ACK, U(2, 2)), {'ackMessage': {'success': True}})
    down('ack.success_10_byte_true', M(DN_ACK, U(2, 1 << 63)), {'ackMessage': {'success': True}})
    down('ack.success_2pow64_wraps_false', M(DN_ACK, T(2, 0) + b'\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7e'),
         {'ackMessage': {}})
    down('ack.error_split_merged', M(DN_ACK, M(3, S(1, 'n')), U(1, 4), M(3, S(2, 'm'))),
         {'ackMessage': {'ackId': '4', 'error': {'name': 'n', 'message': 'm'}}})
    # --- DataMessage ---
    down('data.from_server_text', M(DN_DATA, S(1, 'server'), M(3, TEXT('hello'))),
         {'dataMessage': {'from': 'server', 'data': {'textData': 'hello'}}})
    down('data.from_group_full', M(DN_DATA, S(1, 'group'), S(2, 'g1'), M(3, JSONDATA('{"k":"v"}')), U(4, 42),
                                   KV(5, 'a', 'b'), M(6, S(1, 's'), U(2, 7), U(3, 1),
                                                      M(4, S(1, 'n'), S(2, 'm'), S(3, 'c')))),
         {'dataMessage': {'from': 'group', 'group': 'g1', 'data': {'jsonData': '{"k":"v"}'}, 'sequenceId': '42',
                          'metadata': {'a': 'b'}, 'stream': {'streamId': 's', 'streamSequenceId': '7',
                                                            'endOfStream': True,
                                                            'error': {'name': 'n', 'message': 'm',
                                                                      'userErrorCode': 'c'}}}})
    down('data.empty', M(DN_DATA), {'dataMessage': {}})
    down('data.group_empty_string', M(DN_DATA, S(1, 'group'), S(2, '')),
         {'dataMessage': {'from': 'group', 'group': ''}})
    down('data.sequence_id_zero', M(DN_DATA, U(4, 0)), {'dataMessage': {'sequenceId': '0'}})
    down('data.sequence_id_u64_max', M(DN_DATA, S(1, 'server'), U(4, MASK64)))
    down('data.empty_data', M(DN_DATA, M(3)), {'dataMessage': {'data': {}}})
    down('data.binary', M(DN_DATA, S(1, 'server'), M(3, BIN(b'\x00\xff\x10'))))
    down('data.binary_invalid_utf8', M(DN_DATA, M(3, BIN(b'\xed\xa0\x80\xf4\x90\x80\x80\xc0'))))
    down('data.any', M(DN_DATA, M(3, ANY('type.googleapis.com/google.protobuf.Int32Value', b'\x08\x2a'))))
    down('data.any_empty', M(DN_DATA, M(3, ANY())), {'dataMessage': {'data': {'protobufData': {}}}})
    down('data.any_value_only', M(DN_DATA, M(3, ANY(None, b'\x01\x02'))))
    down('data.any_value_invalid_utf8', M(DN_DATA, M(3, ANY('t', b'\xc0\xaf'))))
    down('data.json_empty', M(DN_DATA, M(3, JSONDATA(''))), {'dataMessage': {'data': {'jsonData': ''}}})
    down('data.text_empty', M(DN_DATA, M(3, TEXT(''))), {'dataMessage': {'data': {'textData': ''}}})
    down('data.metadata_several', M(DN_DATA, KV(5, 'a', '1'), KV(5, 'b', '2'), KV(5, 'c', '3'), KV(5, 'd', '')))
    down('data.metadata_unsorted', M(DN_DATA, KV(5, 'd', '4'), KV(5, 'a', '1')), exact=False)
    down('data.metadata_repeated_key', M(DN_DATA, KV(5, 'x', '1'), KV(5, 'x', '2'), KV(5, 'y', '3')),
         {'dataMessage': {'metadata': {'x': '2', 'y': '3'}}}, exact=False)
    down('data.metadata_entry_missing_parts', M(DN_DATA, KV(5, None, 'only value'), KV(5, 'only key', None)),
         {'dataMessage': {'metadata': {'': 'only value', 'only key': ''}}}, exact=True)
    down('data.metadata_entry_swapped_duplicated_unknown',
         M(DN_DATA, M(5, S(2, 'v0'), X32(3), S(1, 'k'), S(2, 'v1'), G(4), S(1, 'k2'))),
         {'dataMessage': {'metadata': {'k2': 'v1'}}})
    down('data.metadata_split_merged', cat(M(DN_DATA, KV(5, 'a', '1')), M(DN_DATA, S(1, 'f'), KV(5, 'b', '2'))),
         {'dataMessage': {'from': 'f', 'metadata': {'a': '1', 'b': '2'}}}, exact=True)
    down('data.stream_empty', M(DN_DATA, M(6)), {'dataMessage': {'stream': {}}})
    down('data.stream_end_false', M(DN_DATA, M(6, S(1, 's'), U(3, 0))),
         {'dataMessage': {'stream': {'streamId': 's', 'endOfStream': False}}})
    down('data.stream_end_true_as_2', M(DN_DATA, M(6, U(3, 2))),
         {'dataMessage': {'stream': {'endOfStream': True}}})
    down('data.stream_error_empty', M(DN_DATA, M(6, S(1, 's'), M(4))),
         {'dataMessage': {'stream': {'streamId': 's', 'error': {}}}})
    down('data.stream_error_name_only', M(DN_DATA, M(6, M(4, S(1, 'IdleTimeout')))))
    down('data.stream_error_message_only', M(DN_DATA, M(6, M(4, S(2, 'm')))))
    down('data.stream_error_code_only', M(DN_DATA, M(6, M(4, S(3, 'c')))))
    down('data.stream_seq_u64_max', M(DN_DATA, M(6, U(2, MASK64))))
    down('data.stream_error_split_merged', M(DN_DATA, M(6, M(4, S(1, 'n'))), M(6, U(2, 1), M(4, S(3, 'c')))),
         {'dataMessage': {'stream': {'streamSequenceId': '1', 'error': {'name': 'n', 'userErrorCode': 'c'}}}})
    # --- SystemMessage ---
    down('system.connected_full', M(DN_SYSTEM, M(1, S(1, 'conn-1'), S(2, 'user-1'), S(3, 'token'))),
         {'systemMessage': {'connectedMessage': {'connectionId': 'conn-1', 'userId': 'user-1',
                                                 'reconnectionToken': 'token'}}})
    down('system.connected_no_token', M(DN_SYSTEM, M(1, S(1, 'c'), S(2, 'u'))))
    down('system.connected_token_empty', M(DN_SYSTEM, M(1, S(1, 'c'), S(3, ''))),
         {'systemMessage': {'connectedMessage': {'connectionId': 'c', 'reconnectionToken': ''}}})
    down('system.connected_empty', M(DN_SYSTEM, M(1)), {'systemMessage': {'connectedMessage': {}}})
    down('system.disconnected', M(DN_SYSTEM, M(2, S(2, 'server restarting'))),
         {'systemMessage': {'disconnectedMessage': {'reason': 'server restarting'}}})
    down('system.disconnected_empty', M(DN_SYSTEM, M(2)), {'systemMessage': {'disconnectedMessage': {}}})
    down('system.disconnected_reserved_field_1', M(DN_SYSTEM, M(2, S(1, 'old'), U(1, 3), S(2, 'r'), X32(1))),
         {'systemMessage': {'disconnectedMessage': {'reason': 'r'}}})
    down('system.disconnected_reserved_field_1_invalid_utf8_not_checked', M(DN_SYSTEM, M(2, LD(1, b'\xc0\xaf'))),
         {'systemMessage': {'disconnectedMessage': {}}})
    down('system.empty', M(DN_SYSTEM), {'systemMessage': {}})
    down('system.switched_connected_to_disconnected', M(DN_SYSTEM, M(1, S(1, 'c')), M(2, S(2, 'r'))),
         {'systemMessage': {'disconnectedMessage': {'reason': 'r'}}})
    down('system.switched_and_back', cat(M(DN_SYSTEM, M(1, S(1, 'c'), S(3, 't'))), M(DN_SYSTEM, M(2)),
                                         M(DN_SYSTEM, M(1, S(2, 'u')))),
         {'systemMessage': {'connectedMessage': {'userId': 'u'}}})
    down('system.connected_merged', cat(M(DN_SYSTEM, M(1, S(1, 'c'))), M(DN_SYSTEM, M(1, S(2, 'u'), S(3, 't')))),
         {'systemMessage': {'connectedMessage': {'connectionId': 'c', 'userId': 'u', 'reconnectionToken': 't'}}})
    # --- InvokeResponse ---
    down('invoke_response.full', M(DN_INVRESP, S(1, 'inv-1'), U(2, 1), M(3, TEXT('result')),
                                   M(4, S(1, 'E'), S(2, 'M')), KV(5, 'k', 'v')),
         {'invokeResponseMessage': {'invocationId': 'inv-1', 'success': True, 'data': {'textData': 'result'},
                                    'error': {'name': 'E', 'message': 'M'}, 'metadata': {'k': 'v'}}})
    down('invoke_response.minimal', M(DN_INVRESP, S(1, 'inv-2')))
    down('invoke_response.success_false_explicit', M(DN_INVRESP, S(1, 'i'), U(2, 0)),
         {'invokeResponseMessage': {'invocationId': 'i'}})
    down('invoke_response.data_empty', M(DN_INVRESP, M(3)), {'invokeResponseMessage': {'data': {}}})
    down('invoke_response.error_empty', M(DN_INVRESP, M(4)), {'invokeResponseMessage': {'error': {}}})
    down('invoke_response.data_binary_error_name', M(DN_INVRESP, M(3, BIN(b'\xff')), M(4, S(1, 'Forbidden'))))
    down('invoke_response.data_any', M(DN_INVRESP, U(2, 1), M(3, ANY('type.googleapis.com/x', b''))))
    down('invoke_response.metadata_unsorted_repeated', M(DN_INVRESP, KV(5, 'b', '1'), KV(5, 'a', '2'), KV(5, 'b', '3')),
         {'invokeResponseMessage': {'metadata': {'a': '2', 'b': '3'}}}, exact=False)
    down('invoke_response.empty', M(DN_INVRESP), {'invokeResponseMessage': {}})
    # --- StreamAck / StreamNack / StreamClosed ---
    down('stream_ack.full', M(DN_SACK, S(1, 's'), U(2, 5)),
         {'streamAckMessage': {'streamId': 's', 'expectedSequenceId': '5'}})
    down('stream_ack.zero', M(DN_SACK, S(1, 's'), U(2, 0)), {'streamAckMessage': {'streamId': 's'}})
    down('stream_ack.u64_max', M(DN_SACK, U(2, MASK64)))
    down('stream_ack.empty', M(DN_SACK), {'streamAckMessage': {}})
    down('stream_nack.full', M(DN_SNACK, S(1, 's'), S(2, 'InvalidSequenceId'), S(3, 'expected 4'), U(4, 4)),
         {'streamNackMessage': {'streamId': 's', 'name': 'InvalidSequenceId', 'message': 'expected 4',
                                'expectedSequenceId': '4'}})
    down('stream_nack.empty', M(DN_SNACK), {'streamNackMessage': {}})
    down('stream_closed.no_error', M(DN_SCLOSED, S(1, 's')), {'streamClosedMessage': {'streamId': 's'}})
    down('stream_closed.error_empty', M(DN_SCLOSED, S(1, 's'), M(2)),
         {'streamClosedMessage': {'streamId': 's', 'error': {}}})
    down('stream_closed.error_full', M(DN_SCLOSED, S(1, 's'), M(2, S(1, 'StreamNotFound'), S(2, 'gone'))))
    down('stream_closed.error_message_only', M(DN_SCLOSED, M(2, S(2, 'idle'))))
    down('stream_closed.empty', M(DN_SCLOSED), {'streamClosedMessage': {}})
    # --- GroupStateUpdate / GroupStateSnapshot ---
    for num, key, short in ((DN_GSUPDATE, 'groupStateUpdateMessage', 'group_state_update'),
                            (DN_GSSNAP, 'groupStateSnapshotMessage', 'group_state_snapshot')):
        # both messages share one shape: the finer cases only for the snapshot
        dn = down if num == DN_GSSNAP else (lambda *a, **kw: None)
        down(short + '.no_items', M(num, S(1, 'g'), U(3, 1)), {key: {'group': 'g', 'sequenceId': '1'}})
        dn(short + '.empty', M(num), {key: {}})
        dn(short + '.sequence_id_zero', M(num, U(3, 0)), {key: {'sequenceId': '0'}})
        down(short + '.one_item_full', M(num, S(1, 'g'), ITEM(S(1, 'c1'), S(2, 'u1'), M(3, KV(1, 'a', '1'), KV(1, 'b', '2')),
                                                             I64(4, 1700000000000)), U(3, 9)),
             {key: {'group': 'g', 'items': [{'connectionId': 'c1', 'userId': 'u1',
                                              'state': {'entries': {'a': '1', 'b': '2'}},
                                              'updatedAt': '1700000000000'}], 'sequenceId': '9'}})
        dn(short + '.one_item_empty', M(num, ITEM()), {key: {'items': [{}]}})
        down(short + '.several_items', M(num, S(1, 'g'), ITEM(S(1, 'c1')), ITEM(S(1, 'c2'), S(2, '')),
                                         ITEM(S(1, 'c3'), M(3)), ITEM(I64(4, -1))),
             {key: {'group': 'g', 'items': [{'connectionId': 'c1'}, {'connectionId': 'c2', 'userId': ''},
                                             {'connectionId': 'c3', 'state': {}}, {'updatedAt': '-1'}]}})
        down(short + '.items_from_two_occurrences', cat(M(num, S(1, 'g'), ITEM(S(1, 'c1')), ITEM(S(1, 'c2'))),
                                                        M(num, ITEM(S(1, 'c3')), U(3, 2))),
             {key: {'group': 'g', 'items': [{'connectionId': 'c1'}, {'connectionId': 'c2'},
                                             {'connectionId': 'c3'}], 'sequenceId': '2'}})
        dn(short + '.items_interleaved', M(num, ITEM(S(1, 'c1')), S(1, 'g'), ITEM(S(1, 'c2')), U(3, 1),
                                             ITEM(S(1, 'c3'))),
             {key: {'group': 'g', 'items': [{'connectionId': 'c1'}, {'connectionId': 'c2'},
                                             {'connectionId': 'c3'}], 'sequenceId': '1'}})
        dn(short + '.updated_at_extremes', M(num, ITEM(I64(4, -(1 << 63))), ITEM(I64(4, (1 << 63) - 1)),
                                               ITEM(I64(4, -2)), ITEM(I64(4, 1 << 32))),
             {key: {'items': [{'updatedAt': '-9223372036854775808'}, {'updatedAt': '9223372036854775807'},
                              {'updatedAt': '-2'}, {'updatedAt': '4294967296'}]}})
        down(short + '.state_entries_unsorted', M(num, ITEM(S(1, 'c'), M(3, KV(1, 'b', '2'), KV(1, 'a', '1')))),
             exact=False)
        dn(short + '.state_entries_repeated_key', M(num, ITEM(M(3, KV(1, 'a', '1'), KV(1, 'a', '2')))),
             {key: {'items': [{'state': {'entries': {'a': '2'}}}]}}, exact=False)
        dn(short + '.entries_sorted_per_item', M(num, ITEM(M(3, KV(1, 'b', '1'))), ITEM(M(3, KV(1, 'a', '2')))),
             exact=True)
    down('group_state_snapshot.item_fields_repeated_and_merged',
         M(DN_GSSNAP, ITEM(S(1, 'old'), M(3, KV(1, 'a', '1')), S(2, 'u'), I64(4, 5), S(1, 'new'),
                           M(3, KV(1, 'b', '2')), I64(4, -5))),
         {'groupStateSnapshotMessage': {'items': [{'connectionId': 'new', 'userId': 'u',
                                                   'state': {'entries': {'a': '1', 'b': '2'}},
                                                   'updatedAt': '-5'}]}}, exact=True)
    down('group_state_snapshot.item_entries_with_odd_shapes',
         M(DN_GSSNAP, ITEM(M(3, M(1), M(1, S(2, 'v'), S(1, 'k')), M(1, S(1, 'm'), U(2, 1)), U(1, 7),
                             M(1, S(1, 'n'), G(3, X32(1)), S(2, 'w'))))),
         {'groupStateSnapshotMessage': {'items': [{'state': {'entries': {'': '', 'k': 'v', 'm': '', 'n': 'w'}}}]}})
    down('group_state_snapshot.items_dropped_by_oneof_switch',
         cat(M(DN_GSSNAP, ITEM(S(1, 'old'))), M(DN_GSUPDATE, ITEM(S(1, 'u'))), M(DN_GSSNAP, ITEM(S(1, 'new')))),
         {'groupStateSnapshotMessage': {'items': [{'connectionId': 'new'}]}})
    down('group_state_snapshot.items_wrong_wire_type_and_lookalikes',
         cat(M(DN_GSSNAP, ITEM(S(1, 'a')), U(2, 1), G(2, ITEM(S(1, 'no'))), X32(2)), U(DN_GSSNAP, 1),
             G(DN_GSSNAP, ITEM(S(1, 'no'))), M(DN_GSSNAP, ITEM(S(1, 'b')))),
         {'groupStateSnapshotMessage': {'items': [{'connectionId': 'a'}, {'connectionId': 'b'}]}})
    down('group_state_update.unknown_everywhere',
         M(DN_GSUPDATE, UNKNOWN_ALL(4), ITEM(UNKNOWN_ALL(5), S(1, 'c'), M(3, UNKNOWN_ALL(2), M(1, UNKNOWN_ALL(3), S(1, 'k'))))),
         {'groupStateUpdateMessage': {'items': [{'connectionId': 'c', 'state': {'entries': {'k': ''}}}]}})
    down('group_state_update.wrong_wire_types_in_item',
         M(DN_GSUPDATE, ITEM(U(1, 1), U(2, 2), U(3, 3), LD(4, b'\x01'), X64(4), S(1, 'c'))),
         {'groupStateUpdateMessage': {'items': [{'connectionId': 'c'}]}})

    # --- unknown / wrong wire type / non-canonical ---
    down('unknown.every_wire_type_top', cat(UNKNOWN_ALL(11), M(DN_PONG), UNKNOWN_ALL(1000)), {'pongMessage': {}})
    down('unknown.field_2pow29_minus_1', cat(G((1 << 29) - 1, U((1 << 29) - 1, 1)), M(DN_ACK, U(1, 1))))
    down('unknown.inside_ack_and_error', M(DN_ACK, UNKNOWN_ALL(4), U(1, 1), M(3, UNKNOWN_ALL(3), S(1, 'n'))),
         {'ackMessage': {'ackId': '1', 'error': {'name': 'n'}}})
    down('unknown.inside_stream_info_and_error', M(DN_DATA, M(6, UNKNOWN_ALL(5), M(4, UNKNOWN_ALL(4), S(1, 'n')))),
         {'dataMessage': {'stream': {'error': {'name': 'n'}}}})
    down('unknown.inside_system_and_connected', M(DN_SYSTEM, UNKNOWN_ALL(3), M(1, UNKNOWN_ALL(4), S(1, 'c'))),
         {'systemMessage': {'connectedMessage': {'connectionId': 'c'}}})
    down('unknown.inside_any', M(DN_DATA, M(3, M(3, UNKNOWN_ALL(3), S(1, 't')))),
         {'dataMessage': {'data': {'protobufData': {'typeUrl': 't'}}}})
    down('wrong_wire_type.top_level_members', cat(U(DN_DATA, 1), X64(DN_ACK), G(DN_PONG), X32(DN_GSSNAP),
                                                   M(DN_SACK, S(1, 's'))),
         {'streamAckMessage': {'streamId': 's'}})
    down('wrong_wire_type.inside_data_message',
         M(DN_DATA, U(1, 1), U(2, 2), G(3), LD(4, b'\x01'), X32(5), U(6, 0), S(1, 'server')),
         {'dataMessage': {'from': 'server'}})
    down('wrong_wire_type.inside_stream_info', M(DN_DATA, M(6, U(1, 1), LD(2, b'\x01'), LD(3, b'\x01'), U(4, 0))),
         {'dataMessage': {'stream': {}}})
    down('noncanonical.padded_everything', M(DN_ACK, U(1, 5, pad=3, tpad=2), U(2, 1, pad=1, tpad=4),
                                             M(3, S(1, 'n', pad=4), pad=2), tpad=1, pad=1),
         {'ackMessage': {'ackId': '5', 'success': True, 'error': {'name': 'n'}}})
    down('noncanonical.fields_reversed', M(DN_DATA, M(6, U(3, 1), U(2, 2), S(1, 's')), KV(5, 'k', 'v'), U(4, 3),
                                           M(3, TEXT('t')), S(2, 'g'), S(1, 'group')))
    down('noncanonical.scalars_last_wins', M(DN_SNACK, U(4, 1), S(2, 'a'), U(4, 2), S(2, 'b'), S(3, 'x'), S(3, '')),
         {'streamNackMessage': {'name': 'b', 'expectedSequenceId': '2'}})
    down('noncanonical.oneof_switched_and_back', cat(M(DN_ACK, U(1, 1), M(3)), M(DN_PONG), M(DN_ACK, U(2, 1))),
         {'ackMessage': {'success': True}})
    down('noncanonical.data_kind_switched', M(DN_DATA, M(3, BIN(b'x')), M(3, JSONDATA('1')), M(3, ANY('t'))),
         {'dataMessage': {'data': {'protobufData': {'typeUrl': 't'}}}})
    down('noncanonical.concat_two_messages', cat(M(DN_DATA, S(1, 'group'), S(2, 'g')),
                                                 M(DN_DATA, U(4, 8), M(3, TEXT('x')))),
         {'dataMessage': {'from': 'group', 'group': 'g', 'data': {'textData': 'x'}, 'sequenceId': '8'}})
    down('noncanonical.concat_pong_then_stream_closed', cat(M(DN_PONG), M(DN_SCLOSED, S(1, 's'))))
    # --- UTF-8 edge cases (valid) ---
    down('utf8.nul_and_controls', M(DN_DATA, S(1, '\x00\x01'), M(3, TEXT('\x1f"\\\x7f'))))
    down('utf8.u_10ffff_fffe_emoji', M(DN_SYSTEM, M(1, S(1, '\U0010ffff'), S(2, '\ufffe'), S(3, '\U0001F680'))))
    down('utf8.map_multibyte_keys_sorted', M(DN_DATA, KV(5, 'z', '1'), KV(5, '\u00e9', '2'), KV(5, '\u65e5', '3'),
                                             KV(5, '\U0001F600', '4')), exact=True)
    down('utf8.map_multibyte_keys_unsorted', M(DN_DATA, KV(5, '\U0001F600', '4'), KV(5, '\u00e9', '2')), exact=False)
    down('utf8.item_fields', M(DN_GSSNAP, S(1, '\u00e9'), ITEM(S(1, '\u2603'), S(2, '\U0001F600'),
                                                             M(3, KV(1, '\x00', '\t')))))
    # --- corpus-like ---
    down('corpus.ack_ok', M(DN_ACK, U(1, 1000), U(2, 1)))
    down('corpus.ack_error', M(DN_ACK, U(1, 77), M(3, S(1, 'InternalServerError'),
                                                   S(2, 'The server hit an internal error while processing ack 77.'))))
    down('corpus.connected', M(DN_SYSTEM, M(1, S(1, 'xK3b9Qm2Lz8Rt5Vw1Yn4Hc'), S(2, 'user-42'),
                                            S(3, ''.join('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[(i * 7 + 3) % 64]
                                                         for i in range(120))))))
    down('corpus.disconnected', M(DN_SYSTEM, M(2, S(2, 'The connection was closed by the server.'))))
    down('corpus.stream_ack', M(DN_SACK, S(1, '3f2504e0-4f89-11d3-9a0c-0305e82c3301'), U(2, 129)))
    down('corpus.data_text16', M(DN_DATA, S(1, 'group'), S(2, 'group-3'), M(3, TEXT('message #3 text.')), U(4, 3)))
    down('corpus.data_any100', M(DN_DATA, S(1, 'server'), M(3, ANY('type.googleapis.com/azure.webpubsub.Sample',
                                                                   bytes((i * 29 + 1) & 0xff for i in range(100))))))
    # --- depth ---
    down('depth.groups_100_top_level', cat(M(DN_PONG), nested_groups(100, 11)), {'pongMessage': {}})
    down('depth.groups_98_in_data_map_entry', M(DN_DATA, M(5, S(1, 'k'), nested_groups(98, 3), S(2, 'v'))),
         {'dataMessage': {'metadata': {'k': 'v'}}})
    down('depth.groups_96_in_snapshot_state_entry',
         M(DN_GSSNAP, ITEM(M(3, M(1, nested_groups(96, 3), S(1, 'k'))))),
         {'groupStateSnapshotMessage': {'items': [{'state': {'entries': {'k': ''}}}]}})
    down('depth.groups_97_in_stream_error', M(DN_DATA, M(6, M(4, nested_groups(97, 9)))),
         {'dataMessage': {'stream': {'error': {}}}})


# ---------------------------------------------------------------------------
# Malformed vectors, hand-made: explicit status and offset.
# ---------------------------------------------------------------------------

MALFORMED = []  # dicts: dir, name, family, data, status, offset


def bad(d, family, name, data, status, offset):
    MALFORMED.append({'dir': d, 'family': family, 'name': '%s.%s.%s' % (d, family, name),
                      'data': bytes(data), 'status': status, 'offset': offset})


def hdr(num, payload_len, tpad=0, pad=0):
    """The tag and length prefix of a length-delimited field."""
    return T(num, 2, tpad) + V(payload_len, pad)


def wrap(path, inner):
    """inner wrapped in sub-message fields, outermost first; returns the
    bytes and the offset at which inner starts."""
    data, off = inner, 0
    for num in reversed(path):
        h = hdr(num, len(data))
        data, off = h + data, off + len(h)
    return data, off


VARINT11 = b'\x80' * 10 + b'\x01'
VARINT11_FF = b'\xff' * 11
VARINT10_CONT = b'\xff' * 10  # ten bytes, the 10th still continuing


def malformed_varints():
    for d in ('up', 'down'):
        # top level: an unknown varint field, and a known field number with wt 0
        for name, t in (('top_unknown_field', T(2 if d == 'up' else 20, 0)), ('top_known_number_wt0', T(1, 0)),
                        ('top_big_field_number', T((1 << 29) - 1, 0))):
            bad(d, 'varint11', name, t + VARINT11, 'PBW_E_VARINT', len(t))
            bad(d, 'varint11', name + '_ff', t + VARINT11_FF, 'PBW_E_VARINT', len(t))
        bad(d, 'varint11', 'ten_bytes_still_continuing_at_end', T(3, 0) + VARINT10_CONT, 'PBW_E_VARINT', 1)
        bad(d, 'varint11', 'ten_bytes_still_continuing_then_more', T(3, 0) + VARINT10_CONT + b'\x01\x0a\x00',
            'PBW_E_VARINT', 1)
        bad(d, 'varint11', 'nine_bytes_continuing_at_end', T(3, 0) + b'\xff' * 9, 'PBW_E_TRUNCATED', 1)
        bad(d, 'varint11', 'inside_unknown_group', G(3, U(1, 1), T(2, 0) + VARINT11), 'PBW_E_VARINT', 4)
    # known varint fields inside sub-messages
    cases = {
        'up': [('sequence_ack.sequence_id', [UP_SEQACK], 1), ('send_to_group.ack_id', [UP_SEND], 2),
               ('send_to_group.no_echo', [UP_SEND], 4), ('send_to_group.ttl_seconds', [UP_SEND], 5),
               ('send_to_group.stream.idle_timeout_ms', [UP_SEND, 7], 2), ('event.ack_id', [UP_EVENT], 3),
               ('join_group.ack_id', [UP_JOIN], 2), ('leave_group.ack_id', [UP_LEAVE], 2),
               ('stream_data.stream_sequence_id', [UP_SDATA], 2), ('set_group_state.ack_id', [UP_SETSTATE], 2),
               ('subscribe_group_state.ack_id', [UP_SUB], 2), ('unsubscribe_group_state.ack_id', [UP_UNSUB], 2),
               ('invoke_event.stream.idle_timeout_ms', [UP_INVOKE, 5], 2),
               ('unknown_in_any', [UP_SEND, 3, 3], 7),
               ('unknown_in_state_entry', [UP_SETSTATE, 3, 1], 3),
               ('unknown_in_metadata_entry', [UP_SEND, 6], 3),
               ('map_key_as_varint_in_entry', [UP_EVENT, 4], 1)],
        'down': [('ack.ack_id', [DN_ACK], 1), ('ack.success', [DN_ACK], 2), ('data.sequence_id', [DN_DATA], 4),
                 ('data.stream.stream_sequence_id', [DN_DATA, 6], 2), ('data.stream.end_of_stream', [DN_DATA, 6], 3),
                 ('invoke_response.success', [DN_INVRESP], 2), ('stream_ack.expected_sequence_id', [DN_SACK], 2),
                 ('stream_nack.expected_sequence_id', [DN_SNACK], 4),
                 ('group_state_update.sequence_id', [DN_GSUPDATE], 3),
                 ('group_state_snapshot.items.updated_at', [DN_GSSNAP, 2], 4),
                 ('unknown_in_data_map_entry', [DN_DATA, 5], 3),
                 ('map_value_as_varint_in_entry', [DN_INVRESP, 5], 2),
                 ('unknown_in_snapshot_state_entry', [DN_GSSNAP, 2, 3, 1], 4),
                 ('unknown_in_stream_error', [DN_DATA, 6, 4], 9)],
    }
    for d, lst in cases.items():
        for name, path, num in lst:
            lead = S(1, 'x') if num != 1 else b''
            inner = lead + T(num, 0) + VARINT11
            data, off = wrap(path, inner)
            bad(d, 'varint11', name, data, 'PBW_E_VARINT', off + len(lead) + len(T(num, 0)))
            # the same value fits when it is 10 bytes: a golden-style sanity
            # row, PBW_OK, keeps the family honest about the boundary
            ok, _ = wrap(path, lead + T(num, 0) + b'\x80' * 9 + b'\x01')
            bad(d, 'varint11', name + '.ten_bytes_ok', ok, 'PBW_OK', len(ok))


def malformed_lengths():
    for d, num in (('up', UP_SEND), ('down', DN_DATA)):
        t = T(num, 2)
        bad(d, 'length', 'past_end_by_one', t + V(3) + b'\x0a\x00', 'PBW_E_LENGTH', 1)
        bad(d, 'length', 'past_end_empty_payload', t + V(1), 'PBW_E_LENGTH', 1)
        bad(d, 'length', 'past_end_large', t + V(1000) + b'\x00' * 10, 'PBW_E_LENGTH', 1)
        bad(d, 'length', 'near_2pow31', t + V((1 << 31) - 1) + b'\x00', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', 'near_2pow32_ffffffff0f', t + b'\xff\xff\xff\xff\x0f' + b'\x0a\x00', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', 'exactly_2pow32_not_wrapped_to_0', t + b'\x80\x80\x80\x80\x10', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', '2pow32_plus_2_not_wrapped', t + b'\x82\x80\x80\x80\x10' + b'\x0a\x00', 'PBW_E_TOO_BIG', 1)
        # libprotobuf's ReadSize: a length above INT_MAX - 16 fails before
        # it is compared with what follows; INT_MAX - 16 itself is a length
        bad(d, 'length', 'limit_2pow31_minus_17', t + V((1 << 31) - 17) + b'\x00', 'PBW_E_LENGTH', 1)
        bad(d, 'length', 'limit_2pow31_minus_16', t + V((1 << 31) - 16) + b'\x00', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', 'limit_2pow31', t + V(1 << 31) + b'\x00', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', '5_byte_max_7fffffff', t + b'\xff\xff\xff\xff\x7f', 'PBW_E_TOO_BIG', 1)
        bad(d, 'length', 'near_2pow64_10_bytes', t + b'\xff' * 9 + b'\x01', 'PBW_E_VARINT', 1)
        bad(d, 'length', 'near_2pow64_10_bytes_then_data', t + b'\xfe' + b'\xff' * 8 + b'\x01' + b'\x00' * 4,
            'PBW_E_VARINT', 1)
        bad(d, 'length', '6_bytes_small_value', t + b'\x81\x80\x80\x80\x80\x00' + b'\x00', 'PBW_E_VARINT', 1)
        bad(d, 'length', '6_bytes_zero', t + b'\x80\x80\x80\x80\x80\x00', 'PBW_E_VARINT', 1)
        bad(d, 'length', 'prefix_cut', t + b'\x80', 'PBW_E_TRUNCATED', 1)
        bad(d, 'length', 'prefix_cut_4_bytes', t + b'\xff\xff\xff\xff', 'PBW_E_TRUNCATED', 1)
        bad(d, 'length', 'unknown_field_past_end', T(20, 2) + V(5) + b'abc', 'PBW_E_LENGTH', 2)
        bad(d, 'length', 'unknown_field_near_2pow32', T(20, 2) + b'\xfe\xff\xff\xff\x0f', 'PBW_E_TOO_BIG', 2)
        bad(d, 'length', 'unknown_field_6_bytes', T(20, 2) + b'\x80\x80\x80\x80\x80\x01', 'PBW_E_VARINT', 2)
        bad(d, 'length', 'inside_unknown_group', G(3, T(1, 2) + V(9) + b'x'), 'PBW_E_LENGTH', 2)
    # inside sub-messages: past the end of the enclosing message, though not of the input
    up_cases = [('send_to_group.group', [UP_SEND], 1), ('send_to_group.data', [UP_SEND], 3),
                ('send_to_group.data.text', [UP_SEND, 3], 1), ('send_to_group.data.any.value', [UP_SEND, 3, 3], 2),
                ('set_group_state.state.entry', [UP_SETSTATE, 3], 1),
                ('set_group_state.state.entry.key', [UP_SETSTATE, 3, 1], 1),
                ('event.metadata.value', [UP_EVENT, 4], 2), ('stream_end.error.message', [UP_SEND_END, 2], 1)]
    down_cases = [('data.from', [DN_DATA], 1), ('data.metadata', [DN_DATA], 5),
                  ('data.stream.error.name', [DN_DATA, 6, 4], 1),
                  ('snapshot.items', [DN_GSSNAP], 2), ('snapshot.items.state.entry.value', [DN_GSSNAP, 2, 3, 1], 2),
                  ('system.connected.token', [DN_SYSTEM, 1], 3), ('invoke_response.error', [DN_INVRESP], 4)]
    for d, lst in (('up', up_cases), ('down', down_cases)):
        for name, path, num in lst:
            inner = T(num, 2) + V(4) + b'ab'
            data, off = wrap(path, inner)
            tail = b'cdcd'  # the bytes exist in the input, outside the sub-message
            bad(d, 'length', name + '.past_enclosing_end', data + tail, 'PBW_E_LENGTH', off + len(T(num, 2)))
            data, off = wrap(path, T(num, 2) + b'\xff\xff\xff\xff\x0f')
            bad(d, 'length', name + '.near_2pow32', data, 'PBW_E_TOO_BIG', off + len(T(num, 2)))
            data, off = wrap(path, T(num, 2) + b'\x80\x80\x80\x80\x80\x00')
            bad(d, 'length', name + '.6_bytes', data, 'PBW_E_VARINT', off + len(T(num, 2)))
            data, off = wrap(path, T(num, 2) + b'\xff' * 9 + b'\x01')
            bad(d, 'length', name + '.10_bytes_near_2pow64', data, 'PBW_E_VARINT', off + len(T(num, 2)))
    # a sub-message whose own prefix is fine but whose content ends inside a value
    bad('up', 'length', 'varint_crosses_submessage_end', M(UP_SEQACK, T(1, 0) + b'\x80') + b'\x01',
        'PBW_E_TRUNCATED', 3)
    bad('up', 'length', 'tag_crosses_submessage_end', M(UP_SEND, b'\x80') + b'\x08', 'PBW_E_TRUNCATED', 2)
    bad('down', 'length', 'fixed32_crosses_submessage_end', M(DN_ACK, X32(9, b'\x01\x02')) + b'\x03\x04',
        'PBW_E_TRUNCATED', 3)
    bad('down', 'length', 'fixed64_cut_at_end', X64(20, b'\x01' * 7), 'PBW_E_TRUNCATED', 2)
    bad('up', 'length', 'fixed32_cut_at_end', X32(2, b'\x01\x02\x03'), 'PBW_E_TRUNCATED', 1)


def malformed_tags():
    for d in ('up', 'down'):
        bad(d, 'tag6', 'top_6_byte_tag', b'\x8a\x80\x80\x80\x80\x00\x00', 'PBW_E_VARINT', 0)
        bad(d, 'tag6', 'top_6_byte_tag_all_ff', b'\xff' * 6 + b'\x01', 'PBW_E_VARINT', 0)
        bad(d, 'tag6', 'top_11_byte_tag', VARINT11, 'PBW_E_VARINT', 0)
        bad(d, 'tag6', 'top_tag_cut', b'\x8a\x80', 'PBW_E_TRUNCATED', 0)
        bad(d, 'tag6', 'top_tag_cut_after_field', M(1) + b'\xff\xff\xff\xff', 'PBW_E_TRUNCATED', 2)
        data, off = wrap([1], b'\x8a\x80\x80\x80\x80\x00')
        bad(d, 'tag6', 'depth1_6_byte_tag', data, 'PBW_E_VARINT', off)
        data, off = wrap([1], S(1, 'x') + b'\x80\x80\x80\x80\x80\x80\x01')
        bad(d, 'tag6', 'depth1_7_byte_tag_after_field', data, 'PBW_E_VARINT', off + 3)
        bad(d, 'tag6', 'inside_unknown_group', G(3, b'\x80\x80\x80\x80\x80\x00'), 'PBW_E_VARINT', 1)
    data, off = wrap([UP_SEND, 6], b'\x8a\x80\x80\x80\x80\x00')
    bad('up', 'tag6', 'in_metadata_entry', data, 'PBW_E_VARINT', off)
    data, off = wrap([DN_GSSNAP, 2, 3, 1], b'\x92\x80\x80\x80\x80\x00')
    bad('down', 'tag6', 'in_snapshot_state_entry', data, 'PBW_E_VARINT', off)
    data, off = wrap([UP_SEND, 3, 3], b'\x8a\x80\x80\x80\x80\x00')
    bad('up', 'tag6', 'in_any', data, 'PBW_E_VARINT', off)


def malformed_field_zero():
    zero_tags = [('00', b'\x00'), ('04', b'\x04'), ('02', b'\x02'), ('01', b'\x01'), ('03', b'\x03'),
                 ('05', b'\x05'), ('padded_80_00', b'\x80\x00'), ('field_2pow29_wraps', b'\x80\x80\x80\x80\x10'),
                 ('field_2pow29_wt2_wraps', b'\x82\x80\x80\x80\x10')]
    nests = {'up': [('top', []), ('send_to_group', [UP_SEND]), ('send_to_group.data', [UP_SEND, 3]),
                    ('send_to_group.metadata_entry', [UP_SEND, 6]), ('set_group_state.state.entry', [UP_SETSTATE, 3, 1]),
                    ('send_to_group.data.any', [UP_SEND, 3, 3])],
             'down': [('top', []), ('data', [DN_DATA]), ('data.stream.error', [DN_DATA, 6, 4]),
                      ('data.metadata_entry', [DN_DATA, 5]), ('snapshot.item.state.entry', [DN_GSSNAP, 2, 3, 1]),
                      ('system.connected', [DN_SYSTEM, 1])]}
    for d, lst in nests.items():
        for where, path in lst:
            for tname, t in zero_tags:
                lead = U(15, 1)  # an unknown field before: the offset is not the start
                data, off = wrap(path, lead + t + b'\x00')
                bad(d, 'field_zero', '%s.%s' % (where, tname), data, 'PBW_E_FIELD_ZERO', off + len(lead))
        bad(d, 'field_zero', 'inside_unknown_group', G(20, U(1, 1), b'\x00'), 'PBW_E_FIELD_ZERO', 4)
        bad(d, 'field_zero', 'inside_nested_unknown_groups', G(20, G(21, b'\x04')), 'PBW_E_FIELD_ZERO', 4)
        bad(d, 'field_zero', 'after_valid_message', M(1) + b'\x00', 'PBW_E_FIELD_ZERO', 2)
        bad(d, 'field_zero', 'alone_00', b'\x00', 'PBW_E_FIELD_ZERO', 0)


def malformed_wire_types():
    nests = {'up': [('top', []), ('depth1.send_to_group', [UP_SEND]), ('depth2.send_to_group.stream', [UP_SEND, 7]),
                    ('depth2.send_to_group.metadata_entry', [UP_SEND, 6]),
                    ('depth3.set_group_state.state.entry', [UP_SETSTATE, 3, 1]),
                    ('depth3.send_to_group.data.any', [UP_SEND, 3, 3])],
             'down': [('top', []), ('depth1.ack', [DN_ACK]), ('depth2.ack.error', [DN_ACK, 3]),
                      ('depth3.data.stream.error', [DN_DATA, 6, 4]),
                      ('depth4.snapshot.item.state.entry', [DN_GSSNAP, 2, 3, 1]),
                      ('depth2.data.metadata_entry', [DN_DATA, 5])]}
    for d, lst in nests.items():
        for where, path in lst:
            for wt in (6, 7):
                for num in (1, 2, 100, (1 << 29) - 1):
                    lead = S(1, 'ok') if path else b''
                    if not path and d == 'up':
                        lead = M(UP_PING)
                    data, off = wrap(path, lead + T(num, wt) + b'\x00\x00\x00\x00\x00\x00\x00\x00')
                    bad(d, 'wire_type', '%s.wt%d.field%d' % (where, wt, num), data, 'PBW_E_WIRE_TYPE', off + len(lead))
        bad(d, 'wire_type', 'inside_unknown_group', G(20, U(1, 1), T(2, 6)), 'PBW_E_WIRE_TYPE', 4)
        bad(d, 'wire_type', 'inside_nested_unknown_groups', G(20, G(21, T(5, 7))), 'PBW_E_WIRE_TYPE', 4)
        bad(d, 'wire_type', 'tag_5_bytes_wt7', b'\xff\xff\xff\xff\x0f', 'PBW_E_WIRE_TYPE', 0)


def malformed_groups():
    for d in ('up', 'down'):
        bad(d, 'group', 'top.mismatched_end', T(20, 3) + T(21, 4), 'PBW_E_END_GROUP', 2)
        bad(d, 'group', 'top.mismatched_end_single_byte', b'\x0b\x14', 'PBW_E_END_GROUP', 1)
        bad(d, 'group', 'top.mismatched_end_inner', G(20, T(21, 3) + T(20, 4)), 'PBW_E_END_GROUP', 4)
        bad(d, 'group', 'top.mismatched_end_same_number_other_bits', T(2, 3) + T(2 + (1 << 28), 4),
            'PBW_E_END_GROUP', 1)
        bad(d, 'group', 'top.unclosed', T(20, 3) + U(1, 1), 'PBW_E_OPEN_GROUP', 0)
        bad(d, 'group', 'top.unclosed_empty', T(20, 3), 'PBW_E_OPEN_GROUP', 0)
        bad(d, 'group', 'top.unclosed_after_field', M(1) + T(3, 3) + T(4, 3) + T(4, 4), 'PBW_E_OPEN_GROUP', 2)
        bad(d, 'group', 'top.unclosed_nested_outermost', T(3, 3) + T(4, 3), 'PBW_E_OPEN_GROUP', 0)
        bad(d, 'group', 'top.stray_end', T(3, 4), 'PBW_E_END_GROUP', 0)
        bad(d, 'group', 'top.stray_end_after_field', M(1) + T(1, 4), 'PBW_E_END_GROUP', 2)
        bad(d, 'group', 'top.stray_end_after_group', G(3) + T(3, 4), 'PBW_E_END_GROUP', 2)
        bad(d, 'group', 'top.stray_end_big_number', T((1 << 29) - 1, 4), 'PBW_E_END_GROUP', 0)
        # nested in sub-messages: a group cannot be closed outside its message
        subs = {'up': [('send_to_group', [UP_SEND]), ('send_to_group.data', [UP_SEND, 3]),
                       ('event.metadata_entry', [UP_EVENT, 4]), ('set_group_state.state.entry', [UP_SETSTATE, 3, 1])],
                'down': [('data', [DN_DATA]), ('data.stream', [DN_DATA, 6]), ('data.metadata_entry', [DN_DATA, 5]),
                         ('snapshot.item.state.entry', [DN_GSSNAP, 2, 3, 1])]}[d]
        for where, path in subs:
            lead = U(20, 0)
            data, off = wrap(path, lead + T(21, 3) + S(1, 'x'))
            bad(d, 'group', where + '.unclosed', data + T(21, 4), 'PBW_E_OPEN_GROUP', off + len(lead))
            data, off = wrap(path, lead + T(21, 3) + T(22, 3) + T(22, 4))
            bad(d, 'group', where + '.unclosed_outer_of_two', data, 'PBW_E_OPEN_GROUP', off + len(lead))
            data, off = wrap(path, lead + T(21, 4))
            bad(d, 'group', where + '.stray_end', data, 'PBW_E_END_GROUP', off + len(lead))
            data, off = wrap(path, lead + T(21, 3) + T(22, 4) + T(21, 4))
            bad(d, 'group', where + '.mismatched_end', data, 'PBW_E_END_GROUP', off + len(lead) + len(T(21, 3)))
            data, off = wrap(path, lead + T(path[-1], 4))
            bad(d, 'group', where + '.end_of_own_field_number', data, 'PBW_E_END_GROUP', off + len(lead))
        # a known field's number as a group, unclosed
        bad(d, 'group', 'known_number_group_unclosed', T(1, 3) + U(1, 1), 'PBW_E_OPEN_GROUP', 0)
    # the sub-message's own tag read as the end of a group started inside it
    inner = T(3, 3) + S(1, 'x')
    bad('up', 'group', 'send_to_group.group_closed_after_submessage', hdr(UP_SEND, len(inner)) + inner + T(3, 4),
        'PBW_E_OPEN_GROUP', 2)


def malformed_depth():
    # top level: 100 groups are fine (golden), 101 are not
    for d, num in (('up', 2), ('down', 11)):
        t = T(num, 3)
        bad(d, 'depth', 'top.groups_101', nested_groups(101, num), 'PBW_E_DEPTH', 100 * len(t))
        bad(d, 'depth', 'top.groups_101_unclosed', t * 101, 'PBW_E_DEPTH', 100 * len(t))
        bad(d, 'depth', 'top.groups_150', nested_groups(150, num), 'PBW_E_DEPTH', 100 * len(t))
        lead = M(1)
        bad(d, 'depth', 'top.groups_101_after_field', lead + nested_groups(101, 30), 'PBW_E_DEPTH',
            len(lead) + 100 * len(T(30, 3)))
        mixed = b''.join(T(20 + i % 7, 3) for i in range(101)) + b''.join(T(20 + i % 7, 4) for i in reversed(range(101)))
        bad(d, 'depth', 'top.groups_101_mixed_numbers', mixed, 'PBW_E_DEPTH', sum(len(T(20 + i % 7, 3)) for i in range(100)))
        bad(d, 'depth', 'top.groups_101_mixed_numbers_ok_100', mixed[len(T(20, 3)):-len(T(20, 4))], 'PBW_OK',
            len(mixed) - len(T(20, 3)) - len(T(20, 4)))
    # sub-message levels: budget = 100 - depth
    cases = [('up', 'send_to_group', [UP_SEND], 8), ('up', 'send_to_group.data', [UP_SEND, 3], 9),
             ('up', 'send_to_group.data.any', [UP_SEND, 3, 3], 3),
             ('up', 'set_group_state.state.entry', [UP_SETSTATE, 3, 1], 3),
             ('up', 'event.metadata_entry', [UP_EVENT, 4], 3),
             ('down', 'data', [DN_DATA], 20), ('down', 'data.metadata_entry', [DN_DATA, 5], 3),
             ('down', 'data.stream.error', [DN_DATA, 6, 4], 9),
             ('down', 'snapshot.item', [DN_GSSNAP, 2], 5),
             ('down', 'snapshot.item.state.entry', [DN_GSSNAP, 2, 3, 1], 3)]
    for d, where, path, num in cases:
        budget = 100 - len(path)
        lead = S(1, 'k')
        data, off = wrap(path, lead + nested_groups(budget + 1, num))
        bad(d, 'depth', '%s.groups_%d' % (where, budget + 1), data, 'PBW_E_DEPTH',
            off + len(lead) + budget * len(T(num, 3)))
        data, off = wrap(path, lead + nested_groups(budget, num))
        bad(d, 'depth', '%s.groups_%d_ok' % (where, budget), data, 'PBW_OK', len(data))
    # two sibling deep stacks are fine: the depth is not cumulative
    sib = nested_groups(100, 2) + nested_groups(100, 3)
    bad('up', 'depth', 'top.two_sibling_stacks_of_100', sib, 'PBW_OK', len(sib))


# Invalid UTF-8: (name, bytes, index of the bad sequence's lead byte in them,
# must end the string)
BAD_UTF8 = [
    ('overlong_c0af', b'\xc0\xaf', 0, False),
    ('overlong_c1bf', b'\xc1\xbf', 0, False),
    ('overlong_e08080', b'\xe0\x80\x80', 0, False),
    ('overlong_f0808080', b'\xf0\x80\x80\x80', 0, False),
    ('surrogate_eda080', b'\xed\xa0\x80', 0, False),
    ('surrogate_edbfbf', b'\xed\xbf\xbf', 0, False),
    ('above_max_f4908080', b'\xf4\x90\x80\x80', 0, False),
    ('lead_f5', b'\xf5\x80\x80\x80', 0, False),
    ('lead_ff', b'\xff', 0, False),
    ('stray_80', b'\x80', 0, False),
    ('bad_continuation_e228a1', b'\xe2\x28\xa1', 0, False),
    ('cut_at_end_e282', b'\xe2\x82', 0, True),
    ('cut_at_end_f09f98', b'\xf0\x9f\x98', 0, True),
    ('bad_byte_mid_ascii', b'x' * 40 + b'\xfe' + b'y' * 20, 40, False),
]
PREFIXES = [b'', b'ok', '\u00e9\U0001F600'.encode('utf-8')]


def string_paths(desc, path=()):
    for f in desc.fields:
        if f.type == FD.TYPE_STRING:
            yield path + (f,)
        elif f.type == FD.TYPE_MESSAGE:
            yield from string_paths(f.message_type, path + (f,))


def malformed_utf8():
    for d, cls in CLS.items():
        paths = list(string_paths(cls.DESCRIPTOR))
        for i, path in enumerate(paths):
            pname = '.'.join(f.name for f in path)
            for j, (bname, seq, lead_at, at_end) in enumerate(BAD_UTF8):
                prefix = PREFIXES[(i + j) % len(PREFIXES)]
                suffix = b'' if at_end else b'z'
                s = prefix + seq + suffix
                data, off = wrap([f.number for f in path[:-1]], hdr(path[-1].number, len(s)) + s)
                off += len(hdr(path[-1].number, len(s))) + len(prefix) + lead_at
                bad(d, 'utf8', '%s.%s' % (pname, bname), data, 'PBW_E_UTF8', off)
    # an occurrence that a later one replaces is still checked
    bad('up', 'utf8', 'overwritten_string_still_checked', M(UP_SEND, S(1, b'\xc0\xaf'), S(1, 'g')), 'PBW_E_UTF8', 4)
    bad('up', 'utf8', 'replaced_oneof_member_still_checked',
        cat(M(UP_JOIN, S(1, b'a\xed\xa0\x80')), M(UP_PING)), 'PBW_E_UTF8', 5)
    bad('up', 'utf8', 'replaced_map_key_still_checked',
        M(UP_SEND, KV(6, b'\xe0\x80\x80', '1'), KV(6, '', '2')), 'PBW_E_UTF8', 6)
    bad('up', 'utf8', 'replaced_data_kind_still_checked', M(UP_SEND, M(3, TEXT(b'\xff'), BIN(b'\xff'))),
        'PBW_E_UTF8', 6)
    bad('down', 'utf8', 'overwritten_entry_value_still_checked',
        M(DN_DATA, M(5, S(1, 'k'), S(2, b'\xf4\x90\x80\x80'), S(2, 'v'))), 'PBW_E_UTF8', 9)
    bad('down', 'utf8', 'second_item_connection_id',
        M(DN_GSUPDATE, ITEM(S(1, 'ok')), ITEM(S(1, b'ok\x80'))), 'PBW_E_UTF8', 14)
    bad('down', 'utf8', 'first_of_two_errors_reported',
        M(DN_DATA, S(1, b'\xff'), S(2, b'\xc0\xaf')), 'PBW_E_UTF8', 4)
    bad('down', 'utf8', 'structural_error_before_utf8_error', b'\x0f' + M(DN_DATA, S(1, b'\xff')),
        'PBW_E_WIRE_TYPE', 0)


def malformed_truncations():
    """Every prefix of every golden vector; expectation from the model."""
    seen = set()
    for g in GOLDEN:
        data = g['data']
        for k in range(len(data)):
            cut = data[:k]
            key = (g['dir'], cut)
            if key in seen:
                continue
            seen.add(key)
            status, off = wire_model.check(CLS[g['dir']].DESCRIPTOR, cut)
            name = '%s.trunc.%s.%d' % (g['dir'], g['name'].split('.', 1)[1], k)
            MALFORMED.append({'dir': g['dir'], 'family': 'trunc', 'name': name, 'data': cut,
                              'status': status, 'offset': off})


# ---------------------------------------------------------------------------
# Exactness: are the map keys strictly ascending on the wire?
# ---------------------------------------------------------------------------

def _rv(buf, pos):
    v = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v & MASK64, pos


def _skip_value(buf, pos, wt, num):
    if wt == 0:
        return _rv(buf, pos)[1]
    if wt == 1:
        return pos + 8
    if wt == 5:
        return pos + 4
    if wt == 2:
        n, pos = _rv(buf, pos)
        return pos + n
    assert wt == 3
    while True:
        t, pos = _rv(buf, pos)
        t &= 0xFFFFFFFF
        if t & 7 == 4:
            assert t >> 3 == num
            return pos
        pos = _skip_value(buf, pos, t & 7, t >> 3)


def _want_wt(f):
    return 2 if f.type in (FD.TYPE_STRING, FD.TYPE_BYTES, FD.TYPE_MESSAGE) else 0


def map_keys_on_wire(desc, buf):
    """{path: [keys in wire order]} for every map instance libprotobuf keeps,
    following merges (same path) and oneof switches (old member dropped)."""
    acc, counters, oneof_state = {}, {}, {}

    def drop(prefix):
        for dct in (acc, counters, oneof_state):
            for k in [k for k in dct if k[:len(prefix)] == prefix]:
                del dct[k]

    def walk(desc, pos, end, path):
        while pos < end:
            t, pos = _rv(buf, pos)
            t &= 0xFFFFFFFF
            num, wt = t >> 3, t & 7
            f = desc.fields_by_number.get(num)
            if f is None or wt != _want_wt(f):
                pos = _skip_value(buf, pos, wt, num)
                continue
            if wt == 0:
                pos = _rv(buf, pos)[1]
                continue
            n, pos = _rv(buf, pos)
            start, pos = pos, pos + n
            if f.containing_oneof is not None:
                okey = path + ('oneof:' + f.containing_oneof.name,)
                prev = oneof_state.get(okey)
                if prev is not None and prev != num:
                    drop(path + (prev,))
                oneof_state[okey] = num
            if f.type != FD.TYPE_MESSAGE:
                continue
            if f.message_type.GetOptions().map_entry:
                key = b''
                p = start
                while p < pos:
                    et, p = _rv(buf, p)
                    et &= 0xFFFFFFFF
                    if et == 0x0a:
                        kn, p = _rv(buf, p)
                        key = bytes(buf[p:p + kn])
                        p += kn
                    else:
                        p = _skip_value(buf, p, et & 7, et >> 3)
                acc.setdefault(path + (num,), []).append(key)
            elif f.label == FD.LABEL_REPEATED:
                idx = counters.get(path + (num,), 0)
                counters[path + (num,)] = idx + 1
                walk(f.message_type, start, pos, path + (num, idx))
            else:
                walk(f.message_type, start, pos, path + (num,))

    walk(desc, 0, len(buf), ())
    return acc


def wire_order_is_canonical(desc, buf):
    return all(all(a < b for a, b in zip(keys, keys[1:]))
               for keys in map_keys_on_wire(desc, buf).values())


# ---------------------------------------------------------------------------
# Checks and output
# ---------------------------------------------------------------------------

class quiet_stderr:
    """libprotobuf logs every UTF-8 rejection on fd 2: silence it while
    checking (our own messages are printed afterwards)."""

    def __enter__(self):
        sys.stderr.flush()
        self.saved = os.dup(2)
        nul = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nul, 2)
        os.close(nul)

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self.saved, 2)
        os.close(self.saved)


def canonical(m):
    c = type(m)()
    c.CopyFrom(m)
    c.DiscardUnknownFields()
    return pbref.serialize(c)


def check_golden(problems):
    rows = []
    for g in GOLDEN:
        cls = CLS[g['dir']]
        data = g['data']
        where = '%s (%s)' % (g['name'], data.hex())
        m = pbref.parse(cls, data)
        if m is None:
            problems.append('golden %s: libprotobuf rejects it' % where)
            continue
        for utf8 in (True, False):
            got = wire_model.check(cls.DESCRIPTOR, data, utf8=utf8)
            if got != ('PBW_OK', len(data)):
                problems.append('golden %s: wire_model (utf8=%s) says %s, libprotobuf accepts' % (where, utf8, got))
        obj = pbref.to_obj(m)
        if g['expect'] is not None and obj != g['expect']:
            problems.append('golden %s: libprotobuf parses it as %s, the vector expects %s'
                            % (where, json.dumps(obj), json.dumps(g['expect'])))
        exact = wire_order_is_canonical(cls.DESCRIPTOR, data)
        if g['exact'] is not None and exact != g['exact']:
            problems.append('golden %s: exact is %s on the wire, the vector states %s' % (where, exact, g['exact']))
        js = pbref.to_json(m)
        canon = canonical(m)
        back = pbref.parse(cls, canon)
        if back is None or pbref.to_json(back) != js or canonical(back) != canon:
            problems.append('golden %s: canonical bytes %s do not parse back to the same value' % (where, canon.hex()))
        if not wire_order_is_canonical(cls.DESCRIPTOR, canon):
            problems.append('golden %s: libprotobuf canonical bytes have unsorted map keys' % where)
        if '\t' in js or '\n' in js:
            problems.append('golden %s: JSON holds a tab or newline' % where)
        rows.append((g['dir'], g['name'], data.hex(), js, canon.hex(), '1' if exact else '0'))
    return rows


def check_malformed(problems):
    rows = []
    for b in MALFORMED:
        cls = CLS[b['dir']]
        data = b['data']
        where = '%s (%s)' % (b['name'], data.hex())
        got = wire_model.check(cls.DESCRIPTOR, data)
        want = (b['status'], b['offset'])
        if got != want:
            problems.append('malformed %s: expected %s %d, wire_model says %s %d' % (where, want[0], want[1], got[0], got[1]))
        m = pbref.parse(cls, data)
        if (m is None) != (b['status'] != 'PBW_OK'):
            problems.append('malformed %s: status %s but libprotobuf %s it' % (
                where, b['status'], 'rejects' if m is None else 'accepts'))
        raw = wire_model.check(cls.DESCRIPTOR, data, utf8=False)
        raw_want = ('PBW_OK', len(data)) if b['status'] == 'PBW_E_UTF8' else want
        if raw != raw_want:
            problems.append('malformed %s: without UTF-8 checks wire_model says %s, want %s' % (where, raw, raw_want))
        if b['status'] == 'PBW_OK' and b['offset'] != len(data):
            problems.append('malformed %s: PBW_OK row with offset %d != length %d' % (where, b['offset'], len(data)))
        rows.append((b['dir'], b['name'], data.hex(), b['status'], str(b['offset'])))
    return rows


def main():
    t0 = time.perf_counter()
    golden_upstream()
    golden_downstream()
    malformed_varints()
    malformed_lengths()
    malformed_tags()
    malformed_field_zero()
    malformed_wire_types()
    malformed_groups()
    malformed_depth()
    malformed_utf8()
    malformed_truncations()

    problems = []
    for what, lst in (('golden', GOLDEN), ('malformed', MALFORMED)):
        names = [x['name'] for x in lst]
        dups = sorted({n for n in names if names.count(n) > 1}) if len(set(names)) != len(names) else []
        for n in dups:
            problems.append('%s: duplicate name %s' % (what, n))
        for n in names:
            if any(c in n for c in '\t\n '):
                problems.append('%s: bad name %r' % (what, n))
    with quiet_stderr():
        grows = check_golden(problems)
        mrows = check_malformed(problems)
    if problems:
        for p in problems:
            print('gen_vectors: ' + p, file=sys.stderr)
        print('gen_vectors: %d problem(s); nothing written' % len(problems), file=sys.stderr)
        return 1

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, 'golden.tsv'), 'w', encoding='utf-8', newline='\n') as fh:
        fh.write('# dir\tname\thex\tjson\tcanon_hex\texact   (generated by tests/gen_vectors.py; do not edit)\n')
        for r in grows:
            fh.write('\t'.join(r) + '\n')
    with open(os.path.join(OUT_DIR, 'malformed.tsv'), 'w', encoding='utf-8', newline='\n') as fh:
        fh.write('# dir\tname\thex\tstatus\toffset   (generated by tests/gen_vectors.py; do not edit)\n')
        for r in mrows:
            fh.write('\t'.join(r) + '\n')

    fams, stats = {}, {}
    for b in MALFORMED:
        fams[b['family']] = fams.get(b['family'], 0) + 1
        stats[b['status']] = stats.get(b['status'], 0) + 1
    print('golden: %d vectors (%d up, %d down, %d exact)' % (
        len(grows), sum(r[0] == 'up' for r in grows), sum(r[0] == 'down' for r in grows),
        sum(r[5] == '1' for r in grows)))
    print('malformed: %d vectors; by family: %s' % (len(mrows), ', '.join('%s %d' % kv for kv in sorted(fams.items()))))
    print('malformed by status: %s' % ', '.join('%s %d' % kv for kv in sorted(stats.items())))
    print('%.2f s' % (time.perf_counter() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
