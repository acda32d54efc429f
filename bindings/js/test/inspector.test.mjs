// SPDX-License-Identifier: MIT
// The inspector in a real browser: Debian's chromium, headless, driven by
// playwright-core.  Frames are pasted and opened as files; the rendered
// JSON, the receivers' renderings and the highlighted error byte are
// checked; a screenshot is saved to build/inspector.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { serve } from '../inspector/serve.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const build = fileURLToPath(new URL('../../../build/', import.meta.url));
const skip = !existsSync(CHROMIUM) && `no browser at ${CHROMIUM} (apt-get install chromium)`;

test('the inspector in headless Chromium', { skip, timeout: 120000 }, async (t) => {
    const { chromium } = require('playwright-core');
    mkdirSync(build, { recursive: true });
    const server = await serve(0);
    const profile = `${build}chromium-profile-${process.pid}`;
    const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1200, height: 1100 },
    });
    const errors = [];
    try {
        const page = await browser.newPage();
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        await page.goto(`http://127.0.0.1:${server.address().port}/inspector/`);
        await page.waitForSelector('body[data-ready="1"]');

        await t.test('a pasted hex upstream frame: JSON and receivers', async () => {
            await page.fill('#frame', '0a 11 0a 04 63 68 61 74 10 01 1a 07 0a 05 68 65 6c 6c 6f');
            assert.match(await page.textContent('#status'), /UpstreamMessage: sendToGroupMessage, 19 bytes/);
            assert.deepEqual(JSON.parse(await page.textContent('#json')),
                { sendToGroupMessage: { group: 'chat', ackId: '1', data: { textData: 'hello' } } });
            assert.equal(await page.textContent('#json-client'),
                '{"type":"message","from":"group","group":"chat","dataType":"text","data":"hello"}');
            assert.match(await page.textContent('#raw'), /^text frame, 5 bytes \(text\/plain\)\nhello$/);
            assert.equal(await page.locator('.hex .b').count(), 19);
            assert.equal(await page.locator('.hex .bad').count(), 0);
        });

        await t.test('a base64 downstream frame', async () => {
            await page.check('input[name=dir][value=down]');
            const b64 = Buffer.from('12180a0567726f75701204636861741a070a0568656c6c6f202a', 'hex').toString('base64');
            await page.fill('#frame', b64);
            assert.deepEqual(JSON.parse(await page.textContent('#json')), {
                dataMessage: { from: 'group', group: 'chat', data: { textData: 'hello' }, sequenceId: '42' },
            });
            assert.equal(await page.textContent('#json-client'),
                '{"sequenceId":42,"type":"message","from":"group","group":"chat","dataType":"text","data":"hello"}');
        });

        await t.test('an event: the CloudEvents request', async () => {
            await page.check('input[name=dir][value=up]');
            await page.fill('#frame', '2a150a056f72646572120a22087b226964223a377d1803');
            const ce = await page.textContent('#cloudevent');
            assert.match(ce, /^POST \/upstream HTTP\/1.1\nContent-Type: application\/json\nContent-Length: 8\n/);
            assert.match(ce, /\nce-type: azure.webpubsub.user.order\n/);
            assert.match(ce, /\{"id":7\}$/);
        });

        await t.test('a truncated frame: the error and its byte highlighted', async () => {
            await page.fill('#frame', '0a110a04');
            assert.equal(await page.getAttribute('#status', 'data-status'), 'PBW_E_LENGTH');
            assert.match(await page.textContent('#status'), /^PBW_E_LENGTH at byte 1: length runs past/);
            const bad = page.locator('.hex .bad');
            assert.equal(await bad.count(), 1);
            assert.equal(await bad.getAttribute('data-offset'), '1');
            assert.equal(await bad.textContent(), '11');
            assert.deepEqual(JSON.parse(await page.textContent('#json')), { error: 'PBW_E_LENGTH', offset: 1 });
        });

        await t.test('an error at the end of the frame highlights the end marker', async () => {
            await page.fill('#frame', '08'); // a tag with no value
            assert.equal(await page.getAttribute('#status', 'data-status'), 'PBW_E_TRUNCATED');
            assert.equal(await page.getAttribute('.hex .bad', 'data-offset'), '1');
            assert.equal(await page.textContent('.hex .bad'), '(end)');
        });

        await t.test('a binary file with invalid UTF-8, opened from disk', async () => {
            const file = `${build}inspector-frame-${process.pid}.bin`;
            writeFileSync(file, Buffer.from('0a050a03ff6162', 'hex'));
            await page.setInputFiles('#file', file);
            await page.waitForFunction(() => document.getElementById('status').dataset.status === 'PBW_E_UTF8');
            assert.equal(await page.getAttribute('.hex .bad', 'data-offset'), '4');
            assert.equal(await page.textContent('.hex .bad'), 'ff');
        });

        await t.test('screenshot of an error (build/inspector.png)', async () => {
            // a SendToGroupMessage whose text payload has a byte that is not UTF-8
            await page.fill('#frame', '0a 2f 0a 04 63 68 61 74 10 07 1a 07 0a 05 68 65 ff 6c 6f 20 01 28 3c 32 06 0a 01 61 12 01 31 32 06 0a 01 62 12 01 32 3a 08 0a 03 73 2d 31 10 88 27');
            assert.equal(await page.getAttribute('.hex .bad', 'data-offset'), '16');
            assert.equal(await page.textContent('#json-client'), '(nothing: the frame is rejected)');
            const png = await page.screenshot({ path: `${build}inspector.png`, fullPage: true });
            assert.ok(png.length > 10000);
        });
        assert.deepEqual(errors, []);
    } finally {
        await browser.close();
        server.close();
        rmSync(profile, { recursive: true, force: true });
        rmSync(`${build}inspector-frame-${process.pid}.bin`, { force: true });
    }
});
