// SPDX-License-Identifier: MIT
// tests/e2e/client_e2e.mjs - examples/client_posix (wps_client over
// libwebsockets) against tests/e2e/service.mjs on loopback.
//
//   node tests/e2e/client_e2e.mjs BUILD/client_posix
//
// Scenario 1, drop and recovery: the chat client joins "chat" and sends ten
// lines; after the fifth the service drops every socket abruptly.  The
// client must recover the same connection (no new connection, no
// "disconnected"), and print every line exactly once (the service echoes
// each to the group, the sender included; what was lost in flight is
// re-sent with its own ack id, or replayed by the service).
// Scenario 2, unrecoverable: the service forgets the connection and drops
// it; the recovery is refused with 1008, so the client starts a new
// connection, rejoins the group, and the lines after the drop still arrive.
// Ends with "N passed, M failed".
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = process.argv[2];
let passed = 0, failed = 0;
function check(ok, what) {
    if (ok) passed++;
    else {
        failed++;
        console.log("FAIL " + what);
    }
}
if (!bin || !existsSync(bin)) {
    console.log("client e2e: " + (bin || "the client") + " not built (libwebsockets missing): SKIPPED");
    console.log("0 passed, 0 failed");
    process.exit(0);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startService() {
    const svc = spawn(process.execPath, [path.join(here, "service.mjs"), "--port", "0"],
        { stdio: ["pipe", "pipe", "inherit"] });
    const port = await new Promise((resolve, reject) => {
        let buf = "";
        svc.stdout.on("data", (d) => {
            buf += d;
            const m = /PORT (\d+)/.exec(buf);
            if (m) resolve(Number(m[1]));
        });
        svc.on("exit", (code) => reject(new Error("service exited " + code)));
    });
    return { svc, port };
}

async function get(port, what) {
    return (await fetch(`http://127.0.0.1:${port}/control/${what}`)).json();
}

async function scenario(name, unrecoverable) {
    const { svc, port } = await startService();
    const cli = spawn(bin, ["-v", "-g", "chat", `ws://127.0.0.1:${port}/client/hubs/chat?access_token=user.alice`],
        { stdio: ["pipe", "pipe", "pipe"] });
    let out = "", err = "";
    cli.stdout.on("data", (d) => (out += d));
    cli.stderr.on("data", (d) => (err += d));
    const exited = new Promise((r) => cli.on("exit", (code) => r(code)));
    for (let i = 0; i < 100 && !/connected as/.test(err); i++) await sleep(50);
    check(/connected as/.test(err), `${name}: connected`);
    const send = async (i) => {
        cli.stdin.write(`line ${i}\n`);
        await sleep(60);
    };
    for (let i = 1; i <= 5; i++) await send(i);
    if (unrecoverable) await get(port, "unrecoverable");
    await get(port, "drop");
    for (let i = 6; i <= 10; i++) await send(i);
    await sleep(1500); // a reconnection after a refused recovery waits up to 1 s
    cli.stdin.end();
    const code = await Promise.race([exited, sleep(30000).then(() => "timeout")]);
    const stats = await get(port, "stats");
    svc.stdin.end();
    // Lines sent on a connection that could not be recovered may be lost,
    // but then they are reported (CONNECTION_LOST) and the exit status is 1.
    const lost = (err.match(/^operation \d+: CONNECTION_LOST/gm) || []).length;
    check(code === (lost ? 1 : 0), `${name}: client exit status ${code}\n${err}`);
    let missing = 0;
    for (let i = 1; i <= 10; i++) {
        const n = out.split("\n").filter((l) => l === `[chat] line ${i}`).length;
        check(n <= 1, `${name}: line ${i} printed ${n} times\n${out}`);
        check(n === 1 || (unrecoverable && i >= 5 && i <= 7), `${name}: line ${i} lost\n${out}`);
        missing += n === 0;
    }
    check(missing === lost, `${name}: ${missing} lines missing, ${lost} reported lost\n${err}`);
    // "disconnected" once at the stop; once more when recovery was refused
    const disc = (err.match(/^disconnected/gm) || []).length;
    check(stats.drops >= 1, `${name}: the service dropped the socket (${JSON.stringify(stats)})`);
    if (!unrecoverable) {
        check(stats.connections === 1 && stats.recoveries >= 1,
            `${name}: recovered the same connection (${JSON.stringify(stats)})`);
        check(disc === 1, `${name}: disconnected only at the stop\n${err}`);
    } else {
        check(stats.recoveryRefused >= 1 && stats.connections === 2,
            `${name}: refused recovery, then a new connection (${JSON.stringify(stats)})`);
        check(disc === 2 && /disconnected \(close code 1008\)/.test(err),
            `${name}: disconnected reported with 1008\n${err}`);
        check(stats.joins >= 2, `${name}: the group was rejoined (${JSON.stringify(stats)})`);
    }
    console.log(`client e2e ${name}: ${JSON.stringify(stats)}`);
}

await scenario("drop and recovery", false);
await scenario("unrecoverable drop", true);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
