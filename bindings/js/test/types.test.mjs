// SPDX-License-Identifier: MIT
// The TypeScript declarations compile against a program that uses the whole
// API with the official client (strict mode), with the TypeScript compiler
// that node_modules holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = root + 'node_modules/typescript/bin/tsc';

test('the .d.mts declarations type-check a program using the API', { skip: !existsSync(tsc) && 'typescript not in node_modules' }, () => {
    let out = '';
    try {
        execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext',
            '--moduleResolution', 'nodenext', '--skipLibCheck', fileURLToPath(new URL('types-check.mts', import.meta.url))],
        { cwd: root, encoding: 'utf8' });
    } catch (e) {
        out = (e.stdout || '') + (e.stderr || '');
    }
    assert.equal(out, '');
});
