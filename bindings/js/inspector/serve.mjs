// SPDX-License-Identifier: MIT
// A static server for the inspector (the page fetches the .wasm, which a
// browser does not allow from file://):
//   node bindings/js/inspector/serve.mjs [--port N]   then open the URL it prints.
// Serves bindings/js/ only, on 127.0.0.1.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { normalize, join, extname } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm' };

export function serve(port = 0) {
    const server = createServer(async (req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
        const file = join(root, path.endsWith('/') ? path + 'index.html' : path);
        if (!file.startsWith(root) || !TYPES[extname(file)]) { res.writeHead(404).end(); return; }
        try {
            const body = await readFile(file);
            res.writeHead(200, { 'content-type': TYPES[extname(file)], 'cache-control': 'no-store' }).end(body);
        } catch {
            res.writeHead(404).end();
        }
    });
    return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const i = process.argv.indexOf('--port');
    const server = await serve(i > 0 ? Number(process.argv[i + 1]) : 8017);
    console.log(`inspector: http://127.0.0.1:${server.address().port}/inspector/`);
}
