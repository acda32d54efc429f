// SPDX-License-Identifier: MIT
// The frame inspector: the same WebAssembly module as the Node package.
import { decodeUpstream, decodeDownstream, toProtoJSON, receivers, WpsError } from '../wpspb.mjs';

const DESCRIPTION = {
    PBW_E_TRUNCATED: 'message ends inside a tag, varint or fixed-width value',
    PBW_E_VARINT: 'varint longer than 10 bytes, or tag or length longer than 5',
    PBW_E_FIELD_ZERO: 'field number 0',
    PBW_E_WIRE_TYPE: 'wire type 6 or 7',
    PBW_E_LENGTH: 'length runs past the end of the enclosing message',
    PBW_E_END_GROUP: 'end-group tag that closes no open group',
    PBW_E_OPEN_GROUP: 'group not closed before the end of its message',
    PBW_E_DEPTH: 'messages and groups nested deeper than the limit',
    PBW_E_UTF8: 'string field is not valid UTF-8',
    PBW_E_JSON: 'payload is not valid JSON',
    PBW_E_TOO_BIG: 'a length over the limit (2^31 - 17 bytes, as libprotobuf)',
};

const $ = (id) => document.getElementById(id);
const textarea = $('frame');
let fileBytes = null; // a dropped or opened file, used as is
const radio = (name) => document.querySelector(`input[name=${name}]:checked`).value;

function parseText(text, enc) {
    const t = text.trim();
    if (t === '') return new Uint8Array(0);
    const hexish = t.replace(/0x/gi, '').replace(/[\s:,]/g, '');
    if (enc === 'hex' || (enc === 'auto' && /^[0-9a-fA-F]*$/.test(hexish) && hexish.length % 2 === 0)) {
        if (!/^[0-9a-fA-F]*$/.test(hexish) || hexish.length % 2) throw new Error('not hex: an even number of hex digits is expected');
        const out = new Uint8Array(hexish.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = parseInt(hexish.substr(i * 2, 2), 16);
        return out;
    }
    let b = t.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
    while (b.length % 4) b += '=';
    let bin;
    try { bin = atob(b); } catch { throw new Error('neither hex nor base64'); }
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function hexView(bytes, badAt) {
    const root = $('hex');
    root.textContent = '';
    for (let line = 0; line < Math.max(bytes.length, 1); line += 16) {
        const div = document.createElement('div');
        div.className = 'line';
        const addr = document.createElement('span');
        addr.className = 'addr';
        addr.textContent = line.toString(16).padStart(4, '0');
        div.append(addr);
        const cells = document.createElement('span');
        for (let i = line; i < Math.min(line + 16, bytes.length); i++) {
            const b = document.createElement('span');
            b.className = 'b';
            b.dataset.offset = String(i);
            b.textContent = bytes[i].toString(16).padStart(2, '0');
            if (badAt !== undefined) {
                if (i === badAt) { b.classList.add('bad'); b.title = 'the first error is here'; }
                else if (i > badAt) b.classList.add('after');
            }
            cells.append(b, ' ');
        }
        if (line + 16 >= bytes.length) {
            const end = document.createElement('span');
            end.className = 'end';
            end.dataset.offset = String(bytes.length);
            end.textContent = '(end)';
            if (badAt === bytes.length) { end.classList.add('bad'); end.title = 'the message ends too early'; }
            cells.append(end);
        }
        div.append(cells);
        root.append(div);
    }
}

const printable = (u) => {
    try { return new TextDecoder('utf-8', { fatal: true }).decode(u); } catch { return null; }
};
const hexOf = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join(' ');
const jsonReplacer = (k, v) => (typeof v === 'bigint' ? String(v) : v);

function showReceivers(bytes, down) {
    const jc = $('json-client'), raw = $('raw'), ce = $('cloudevent');
    let r;
    try {
        r = receivers(bytes, { down });
    } catch {
        jc.textContent = raw.textContent = ce.textContent = '(nothing: the frame is rejected)';
        return;
    }
    jc.textContent = r.jsonClient === undefined ? '(nothing: not a data message)'
        : typeof r.jsonClient === 'string' ? r.jsonClient : `not rendered: ${r.jsonClient.error}`;
    if (r.raw && r.raw.error) {
        raw.textContent = `not rendered: ${r.raw.error}`;
    } else if (r.raw) {
        const t = r.raw.frameType === 'text' ? printable(r.raw.bytes) : null;
        raw.textContent = `${r.raw.frameType} frame, ${r.raw.bytes.length} bytes (${r.raw.contentType})\n` +
            (t !== null ? t : hexOf(r.raw.bytes));
    } else raw.textContent = '(nothing: no payload)';
    if (r.cloudEvent && r.cloudEvent.headers) {
        const body = printable(r.cloudEvent.body);
        ce.textContent = 'POST /upstream HTTP/1.1\n' + r.cloudEvent.headers.replace(/\r\n/g, '\n') + '\n' +
            (body !== null ? body : hexOf(r.cloudEvent.body));
    } else ce.textContent = r.cloudEvent ? `not rendered: ${r.cloudEvent.error}` : '(nothing: not an event message)';
}

function run() {
    const status = $('status'), json = $('json');
    const down = radio('dir') === 'down';
    let bytes;
    try {
        bytes = fileBytes || parseText(textarea.value, radio('enc'));
    } catch (e) {
        status.className = 'error';
        status.textContent = `Input: ${e.message}`;
        json.textContent = '';
        $('hex').textContent = '';
        return;
    }
    try {
        const m = down ? decodeDownstream(bytes) : decodeUpstream(bytes);
        status.className = 'ok';
        status.textContent = `${down ? 'DownstreamMessage' : 'UpstreamMessage'}: ${m.kind || '(empty message)'}, ${bytes.length} bytes`;
        json.textContent = JSON.stringify(toProtoJSON(m), jsonReplacer, 2);
        hexView(bytes, undefined);
    } catch (e) {
        if (!(e instanceof WpsError)) throw e;
        status.className = 'error';
        status.textContent = `${e.status} at byte ${e.offset}: ${DESCRIPTION[e.status] || ''}`;
        status.dataset.status = e.status;
        status.dataset.offset = String(e.offset);
        json.textContent = JSON.stringify({ error: e.status, offset: e.offset });
        hexView(bytes, e.offset);
    }
    showReceivers(bytes, down);
}

textarea.addEventListener('input', () => { fileBytes = null; run(); });
for (const r of document.querySelectorAll('input[type=radio]')) r.addEventListener('change', run);
$('file').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    fileBytes = new Uint8Array(await f.arrayBuffer());
    textarea.value = hexOf(fileBytes);
    run();
});
textarea.addEventListener('dragover', (ev) => { ev.preventDefault(); textarea.classList.add('drop'); });
textarea.addEventListener('dragleave', () => textarea.classList.remove('drop'));
textarea.addEventListener('drop', async (ev) => {
    ev.preventDefault();
    textarea.classList.remove('drop');
    const f = ev.dataTransfer.files[0];
    if (!f) return;
    fileBytes = new Uint8Array(await f.arrayBuffer());
    textarea.value = hexOf(fileBytes);
    run();
});
for (const b of document.querySelectorAll('#examples button')) {
    b.addEventListener('click', () => {
        document.querySelector(`input[name=dir][value=${b.dataset.dir}]`).checked = true;
        fileBytes = null;
        textarea.value = b.dataset.hex;
        run();
    });
}
document.body.dataset.ready = '1';
