// The status page in a real browser (issue 16 item 3): Debian's chromium, driven by
// playwright-core, loads GET / of a running master, sees three healthy chunkservers, SIGKILLs
// one of them and sees the page (never reloaded: the inline script refreshes it) show it as
// not healthy within a deadline. Also: without a token the page is 401, and the page runs
// without script errors. Run by the C++ harness status_page_test.cpp, which starts the cluster
// and stops every process it started.
//
//   node status_page.mjs URL TOKEN VICTIM_PID VICTIM_ADDR
//
// Exit 0 when every check passed; otherwise 1 with the reason on stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';
const launchArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];
const healthyDeadlineMs = 20000;  // the harness saw the cluster up; the page must agree
const unhealthyDeadlineMs = 10000;  // SIGKILL to "not healthy" on the page

const [url, token, victimPid, victimAddr] = process.argv.slice(2);
if (!url || !token || !victimPid || !victimAddr) {
  console.error('usage: node status_page.mjs URL TOKEN VICTIM_PID VICTIM_ADDR');
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error(what);
}

// A browser with a new empty profile, removed afterwards.
async function withContext(headers, fn) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dfs-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: launchArgs,
    ignoreHTTPSErrors: true,  // the cluster's own CA signed the node's certificate
    extraHTTPHeaders: headers,
  });
  try {
    return await fn(context);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

// With DFS_STATUS_SCREENSHOTS=DIR, the page as a person saw it, for a look after a failure.
async function screenshot(page, name) {
  const dir = process.env.DFS_STATUS_SCREENSHOTS;
  if (dir) await page.screenshot({ path: path.join(dir, `status-${name}.png`), fullPage: true });
}

// Rows of the chunkserver table as {addr, state}: what a person sees.
function chunkserverRows() {
  return [...document.querySelectorAll('tr.cs')].map(
    (r) => ({ id: r.dataset.id, state: r.dataset.state }));
}

async function main() {
  check(fs.existsSync(chromiumPath), `${chromiumPath} is missing (scripts/install-deps installs it)`);
  // Same credentials as every endpoint: no token, no page.
  await withContext({}, async (context) => {
    const page = await context.newPage();
    const r = await page.goto(url);
    check(r.status() === 401, `GET / without a token answered ${r.status()}, expected 401`);
  });

  await withContext({ Authorization: `Bearer ${token}` }, async (context) => {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const r = await page.goto(url);
    check(r.status() === 200, `GET / answered ${r.status()}`);
    check((await page.title()).startsWith('dfsnode'), `unexpected title '${await page.title()}'`);

    await page.waitForFunction(
      () => document.querySelectorAll('tr.cs[data-state="healthy"]').length === 3, null,
      { timeout: healthyDeadlineMs, polling: 100 }).catch(async () => {
      throw new Error('never three healthy chunkservers: ' +
        JSON.stringify(await page.evaluate(chunkserverRows)));
    });
    const before = await page.evaluate(chunkserverRows);
    check(before.length === 3, `expected 3 chunkserver rows, saw ${JSON.stringify(before)}`);
    check(before.some((row) => row.id.startsWith(victimAddr + '#')),
      `no row for the victim ${victimAddr}: ${JSON.stringify(before)}`);
    console.log(`page shows 3 healthy chunkservers: ${before.map((x) => x.id).join(', ')}`);
    await screenshot(page, 'healthy');

    // A marker that a reload would lose: the update must come from the page's own script.
    await page.evaluate(() => { window.dfsNotReloaded = true; });
    const killedAt = Date.now();
    process.kill(Number(victimPid), 'SIGKILL');
    await page.waitForFunction((addr) => {
      const row = [...document.querySelectorAll('tr.cs')].find(
        (x) => x.dataset.id.startsWith(addr + '#'));
      return row && row.dataset.state !== 'healthy';
    }, victimAddr, { timeout: unhealthyDeadlineMs, polling: 100 }).catch(async () => {
      throw new Error(`victim ${victimAddr} still healthy ${unhealthyDeadlineMs} ms after ` +
        `SIGKILL: ${JSON.stringify(await page.evaluate(chunkserverRows))}`);
    });
    const seenMs = Date.now() - killedAt;
    const after = await page.evaluate(chunkserverRows);
    const victim = after.find((x) => x.id.startsWith(victimAddr + '#'));
    check(await page.evaluate(() => window.dfsNotReloaded === true), 'the page was reloaded');
    check(after.filter((x) => x.state === 'healthy').length === 2,
      `the two survivors should stay healthy: ${JSON.stringify(after)}`);
    check(errors.length === 0, `script errors on the page: ${errors.join('; ')}`);
    console.log(`page shows ${victim.id} ${victim.state} ${seenMs} ms after SIGKILL`);
    await screenshot(page, 'unhealthy');
  });
}

main().then(() => process.exit(0), (e) => {
  console.error(`status page test failed: ${e.message}`);
  process.exit(1);
});
