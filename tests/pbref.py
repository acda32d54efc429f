# SPDX-License-Identifier: MIT
"""Reference side of the tests: libprotobuf, through Debian's python3-protobuf.

Run the scripts with /usr/bin/python3 (Debian's), whose protobuf uses the C++
implementation (api_implementation 'cpp'): parsing and serialising are
libprotobuf's own.  The schema is compiled with protoc at import time into a
temporary directory; nothing generated is kept.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.normpath(os.path.join(HERE, '..', '..', 'shared', 'spec'))
PROTO = os.environ.get('WPS_PROTO', os.path.join(SPEC, 'webpubsub.proto'))


def _load():
    out = tempfile.mkdtemp(prefix='wps_pb2_')
    inc = os.path.dirname(PROTO)
    subprocess.check_call(['protoc', '-I', inc, '-I', '/usr/include',
                           '--python_out', out, os.path.basename(PROTO)])
    sys.path.insert(0, out)
    import webpubsub_pb2  # noqa: E402
    return webpubsub_pb2


pb = _load()

from google.protobuf.internal import api_implementation  # noqa: E402
from google.protobuf import descriptor as _d  # noqa: E402

IMPLEMENTATION = api_implementation.Type()
Up = pb.UpstreamMessage
Down = pb.DownstreamMessage


def parse(cls, data):
    """libprotobuf's verdict: the message, or None if it rejects the bytes.

    C++ ParseFromString fails when parsing stops early at a 00 tag or an
    end-group tag; the Python binding only warns ("Unexpected end-group tag:
    Not all data was converted") and keeps what it read.  The warning is
    turned back into the C++ library's rejection here.
    """
    m = cls()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            m.ParseFromString(bytes(data))
        except Exception:  # google.protobuf.message.DecodeError
            return None
    if caught:
        return None
    return m


def serialize(m):
    return m.SerializeToString(deterministic=True)


def _camel(name):
    parts = name.split('_')
    return parts[0] + ''.join(p[:1].upper() + p[1:] for p in parts[1:])


def to_obj(m):
    """The canonical JSON object of a message (see tools/wps_json.h)."""
    o = {}
    for f, v in m.ListFields():  # present fields, in field-number order
        name = _camel(f.name)
        if f.message_type is not None and f.message_type.GetOptions().map_entry:
            o[name] = {k: v[k] for k in sorted(v.keys())}
        elif f.label == _d.FieldDescriptor.LABEL_REPEATED:
            o[name] = [to_obj(x) for x in v]
        elif f.type == _d.FieldDescriptor.TYPE_MESSAGE:
            o[name] = to_obj(v)
        elif f.type == _d.FieldDescriptor.TYPE_BYTES:
            o[name] = base64.b64encode(v).decode('ascii')
        elif f.type in (_d.FieldDescriptor.TYPE_UINT64, _d.FieldDescriptor.TYPE_INT64):
            o[name] = str(v)
        else:
            o[name] = v
    return o


def to_json(m):
    return json.dumps(to_obj(m), ensure_ascii=False)
