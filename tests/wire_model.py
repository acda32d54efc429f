# SPDX-License-Identifier: MIT
"""A second, independent statement of the decoder's contract, in Python.

Given a message descriptor (from protoc) and bytes, `check()` returns what
the C decoder must return: ('PBW_OK', len) or (status name, byte offset).
It knows nothing of the C tables: the schema comes from the descriptors, and
the error rules from pbwire.h.  The test generators use it to predict the
exact status and offset of every malformed input, and check its accept /
reject verdict against libprotobuf's on every case.
"""
from google.protobuf import descriptor as _d

MAX_DEPTH = 100

_LEN_TYPES = {_d.FieldDescriptor.TYPE_STRING, _d.FieldDescriptor.TYPE_BYTES,
              _d.FieldDescriptor.TYPE_MESSAGE}
_VARINT_TYPES = {_d.FieldDescriptor.TYPE_UINT64, _d.FieldDescriptor.TYPE_INT64,
                 _d.FieldDescriptor.TYPE_UINT32, _d.FieldDescriptor.TYPE_BOOL}


def varint(v, pad=0):
    """v as a varint, followed by `pad` redundant bytes (80 .. 00): the
    writing side, for the generators that build inputs byte by byte."""
    assert v >= 0
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    if pad:
        out[-1] |= 0x80
        out += b'\x80' * (pad - 1) + b'\x00'
    return bytes(out)


class Reject(Exception):
    def __init__(self, status, offset):
        super().__init__(status, offset)
        self.status = status
        self.offset = offset


def _varint(buf, pos, end, maxlen):
    """(value, new pos) of a varint of at most maxlen bytes."""
    v = 0
    for i in range(maxlen):
        if pos + i >= end:
            raise Reject('PBW_E_TRUNCATED', pos)
        b = buf[pos + i]
        v |= (b & 0x7F) << (7 * i)
        if b < 0x80:
            return v & 0xFFFFFFFFFFFFFFFF, pos + i + 1
    raise Reject('PBW_E_VARINT', pos)


def _tag(buf, pos, end):
    v, p = _varint(buf, pos, end, 5)
    v &= 0xFFFFFFFF
    if v >> 3 == 0:
        raise Reject('PBW_E_FIELD_ZERO', pos)
    if v & 7 > 5:
        raise Reject('PBW_E_WIRE_TYPE', pos)
    return v, p


def _length(buf, pos, end):
    n, p = _varint(buf, pos, end, 5)
    if n > 0x7FFFFFEF:  # libprotobuf's ReadSize: INT_MAX - 16, before any bound
        raise Reject('PBW_E_TOO_BIG', pos)
    if n > end - p:
        raise Reject('PBW_E_LENGTH', pos)
    return p, p + n


def _skip(buf, pos, end, budget):
    """Skips one whole field from its tag; returns the position after it."""
    start = pos
    groups = []
    while True:
        if pos == end:
            raise Reject('PBW_E_OPEN_GROUP', start)
        at = pos
        tag, pos = _tag(buf, pos, end)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            _, pos = _varint(buf, pos, end, 10)
        elif wt == 1 or wt == 5:
            width = 8 if wt == 1 else 4
            if end - pos < width:
                raise Reject('PBW_E_TRUNCATED', pos)
            pos += width
        elif wt == 2:
            _, pos = _length(buf, pos, end)
        elif wt == 3:
            if len(groups) >= budget:
                raise Reject('PBW_E_DEPTH', at)
            groups.append(num)
        else:
            if not groups or groups[-1] != num:
                raise Reject('PBW_E_END_GROUP', at)
            groups.pop()
        if not groups:
            return pos


def _utf8(buf, start, end):
    try:
        bytes(buf[start:end]).decode('utf-8')
    except UnicodeDecodeError as e:
        raise Reject('PBW_E_UTF8', start + e.start)


def _message(desc, buf, pos, end, depth, utf8):
    while pos < end:
        at = pos
        tag, pos = _tag(buf, pos, end)
        num, wt = tag >> 3, tag & 7
        f = desc.fields_by_number.get(num)
        want = None
        if f is not None:
            want = 2 if f.type in _LEN_TYPES else 0 if f.type in _VARINT_TYPES else None
            assert want is not None, 'type not in the Web PubSub schema: %s' % f.full_name
        if wt != want:
            if wt == 4:
                raise Reject('PBW_E_END_GROUP', at)
            pos = _skip(buf, at, end, MAX_DEPTH - depth)
            continue
        if wt == 0:
            _, pos = _varint(buf, pos, end, 10)
            continue
        start, pos = _length(buf, pos, end)
        if f.type == _d.FieldDescriptor.TYPE_STRING and utf8:
            _utf8(buf, start, pos)
        elif f.type == _d.FieldDescriptor.TYPE_MESSAGE:
            if depth + 1 > MAX_DEPTH:
                raise Reject('PBW_E_DEPTH', at)
            _message(f.message_type, buf, start, pos, depth + 1, utf8)


def check(desc, data, utf8=True):
    """('PBW_OK', len(data)) or (status name, offset) for these bytes."""
    buf = bytes(data)
    try:
        _message(desc, buf, 0, len(buf), 0, utf8)
    except Reject as r:
        return r.status, r.offset
    return 'PBW_OK', len(buf)
