// The browser tests of the web widget: Debian's chromium driven by
// playwright-core, against the real screener-server (and, for the few cases a
// real server cannot be made to produce, tests/browser/fake-server.mjs).
// Elements are found by role and accessible name, as a person would find them.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { startFake } from './fake-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');

/* ------------------------------------------------------------ options */
function parseArgs(argv) {
  const o = { source: resolve(here, '../..'), artifacts: '', server: '', only: [], chromium: process.env.CHROMIUM || '/usr/bin/chromium', verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--server') o.server = v();
    else if (a === '--source') o.source = resolve(v());
    else if (a === '--scripts') o.scripts = resolve(v());
    else if (a === '--artifacts') o.artifacts = resolve(v());
    else if (a === '--only') o.only = v().split(',').filter(Boolean);
    else if (a === '--chromium') o.chromium = v();
    else if (a === '-v' || a === '--verbose') o.verbose = true;
    else throw new Error('unknown argument ' + a);
  }
  if (!o.scripts) o.scripts = join(o.source, 'scripts');
  if (!o.artifacts) o.artifacts = join(o.source, 'build', 'browser-artifacts');
  return o;
}

/* ------------------------------------------------------------ small helpers */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
class Failure extends Error {}
function check(cond, msg) { if (!cond) throw new Failure(msg); }
async function eventually(fn, msg, timeout = 8000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { if (await fn()) return; } catch (e) { last = e; }
    if (Date.now() > end) throw new Failure(msg + (last ? ` (${last.message.split('\n')[0]})` : ''));
    await sleep(100);
  }
}
function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}
async function waitForHttp(url, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    try { const r = await fetch(url); if (r.ok) return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Failure('server did not answer ' + url);
    await sleep(100);
  }
}

/* ------------------------------------------------------------ the real server */
class RealServer {
  constructor(bin, source, scripts) {
    this.bin = resolve(bin);
    this.source = source;
    this.scripts = scripts;
    this.stateDir = mkdtempSync(join(tmpdir(), 'screener-browser-state-'));
    this.port = 0;
    this.proc = null;
    this.output = '';
  }
  args() {
    return ['--port', String(this.port), '--bind', '127.0.0.1',
      '--scripts', this.scripts, '--web', join(this.source, 'web'), '--state-dir', this.stateDir];
  }
  async start() {
    if (!this.port) this.port = await freePort();
    this.proc = spawn(this.bin, this.args(), { cwd: this.source, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d) => { this.output = (this.output + d).slice(-20000); };
    this.proc.stdout.on('data', keep);
    this.proc.stderr.on('data', keep);
    const exited = new Promise((r) => this.proc.once('exit', (code, sig) => r({ code, sig })));
    this.exited = exited;
    const ok = await Promise.race([waitForHttp(this.url + '/').then(() => true), exited.then(() => false)]);
    if (!ok) throw new Failure('screener-server exited at start:\n' + this.output);
  }
  get url() { return `http://127.0.0.1:${this.port}`; }
  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc && this.proc.kill('SIGKILL'), 8000);
    await this.exited;
    clearTimeout(t);
  }
  cleanup() { try { rmSync(this.stateDir, { recursive: true, force: true }); } catch { /* ignore */ } }
}

/* ------------------------------------------------------------ page helpers */
const launcher = (scope) => scope.getByRole('button', { name: 'Open chat' });
const widget = (page, id) => (id ? page.locator(`screener-widget[data-screener="screener:v1:${id}"]`) : page.locator('screener-widget').first());
const reply = (w, label, group = 'Answer options') => w.getByRole('group', { name: group }).getByRole('button', { name: label, exact: true, disabled: false }).last();

// Texts of the conversation, without the screen-reader prefixes.
async function logTexts(w) {
  return w.evaluate((host) => [...host.shadowRoot.querySelectorAll('.log .msg')].map((p) => {
    const c = p.cloneNode(true);
    for (const s of c.querySelectorAll('.sr')) s.remove();
    return (p.classList.contains('user') ? 'you: ' : 'bot: ') + c.textContent;
  }));
}
async function countText(w, text) { return (await logTexts(w)).filter((t) => t.includes(text)).length; }
async function waitBot(w, text, timeout = 10000) {
  await eventually(async () => (await countText(w, text)) > 0, `the bot did not say “${text}”`, timeout);
}
async function send(w, text) {
  const box = w.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await w.getByRole('button', { name: 'Send', exact: true }).click();
}
async function storageKeys(page) {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('screener:')));
}
async function events(page) { return page.evaluate(() => window.__screenerEvents || []); }
const recordEvents = () => {
  window.__screenerEvents = [];
  for (const n of ['ready', 'open', 'close', 'crisis', 'ended']) {
    window.addEventListener('screener:' + n, (e) => window.__screenerEvents.push({ type: n, detail: e.detail }));
  }
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
};
async function runAxe(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
  });
  return r;
}

/* ------------------------------------------------------------ the tests */
// Emotional numbness flow of scripts/emotional-numbness.json
const EN = {
  greet: 'walk you through a short check-in',
  q1: 'Has this flat or empty feeling',
  q2: 'Is it getting in the way',
  q3: 'Has anything like that been happening',
  q4: 'Did the numbness start after',
  disclaimer: 'This check-in is not a diagnosis',
};

function tests(ctx) {
  const T = [];
  const real = (name, fn, opts = {}) => T.push({ name, fn, real: true, ...opts });
  const fake = (name, fn, opts = {}) => T.push({ name, fn, real: false, ...opts });
  const shot = (page, name) => ctx.screenshot(page, name);

  real('complete-with-buttons', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    // The typing indicator shows while the bot "types" its greeting (default pacing).
    await w.getByText('Typing…').waitFor({ state: 'attached', timeout: 5000 });
    await eventually(() => w.locator('.typing').isVisible(), 'no typing indicator');
    await waitBot(w, EN.greet);
    await w.getByText(EN.disclaimer).first().waitFor();
    await w.getByRole('button', { name: "Yes, let's start" }).waitFor();
    await shot(page, '01-greeting');
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    check(await w.getByText("You chose: Yes, let's start").count() === 1, 'no screen-reader text “You chose: …” after a quick reply');
    check(await w.getByRole('button', { name: "Yes, let's start" }).isDisabled(), 'a used quick reply is still enabled');
    await w.getByText('Question 1 of 4').waitFor();
    await reply(w, 'Yes').click();
    await waitBot(w, EN.q2);
    await w.getByText('Question 2 of 4').waitFor();
    await shot(page, '02-question-2-of-4');
    await reply(w, 'No').click();
    await waitBot(w, EN.q3);
    await reply(w, 'No').click();
    await waitBot(w, EN.q4);
    await w.getByText('Question 4 of 4').waitFor();
    await reply(w, 'Yes').click();
    await waitBot(w, 'You said yes to 2 of the', 15000);
    await eventually(async () => (await events(page)).some((e) => e.type === 'ended'), 'no screener:ended event');
    check((await countText(w, EN.q2)) === 1, 'a question was shown twice');
    await eventually(() => w.locator('.typing').isHidden(), 'typing indicator never went away');
    await shot(page, '03-summary');
  });

  real('complete-typed', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await send(w, 'sure');
    await waitBot(w, EN.q1);
    await send(w, 'yeah');
    await waitBot(w, EN.q2);
    await send(w, 'nope');
    await waitBot(w, EN.q3);
    await send(w, 'no');
    await waitBot(w, EN.q4);
    await send(w, 'no');
    await waitBot(w, 'You said yes to one of the four questions', 15000);
    const texts = await logTexts(w);
    for (const t of ['you: sure', 'you: yeah', 'you: nope', 'you: no']) check(texts.includes(t), `typed answer “${t}” not shown`);
    check(await w.locator('.replies button:enabled').count() <= 2, 'old quick replies still enabled after typed answers');
    check((await w.locator('.sr', { hasText: 'You chose' }).count()) === 0, '“You chose” shown although nothing was clicked');
    // Start over: a fresh conversation on the same script, greeting once, nothing old left.
    await w.getByRole('button', { name: 'Start over' }).click();
    await waitBot(w, EN.greet);
    await sleep(500);
    const fresh = await logTexts(w);
    check(fresh.every((t) => t.startsWith('bot:')) && fresh.filter((t) => t.includes(EN.greet)).length === 1, 'Start over did not give a fresh conversation: ' + JSON.stringify(fresh));
    check(await w.getByText(/Question \d of 4/).isHidden(), 'progress still shown after Start over');
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
  });

  real('crisis-mid-question', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    await send(w, 'I want to kill myself');
    const card = w.getByRole('region', { name: 'Help is available now' }).first();
    await card.waitFor({ timeout: 10000 });
    check(await card.locator('a[href="tel:988"]').count() >= 1, 'no tel:988 link in the resources card');
    const sms = await card.locator('a[href^="sms:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    check(sms.includes('sms:741741?&body=HOME'), 'no sms:741741?&body=HOME link (got ' + sms.join(', ') + ')');
    const ext = await card.locator('a[target="_blank"]').evaluateAll((as) => as.map((a) => a.rel));
    check(ext.length > 0 && ext.every((r) => r.includes('noopener') && r.includes('noreferrer')), 'external links without rel="noopener noreferrer"');
    const help = w.getByRole('button', { name: 'Get help now' });
    check(await help.isVisible(), 'no “Get help now” button after a crisis reply');
    const ev = (await events(page)).find((e) => e.type === 'crisis');
    check(ev && Array.isArray(ev.detail.categories) && ev.detail.categories.length > 0, 'no screener:crisis event with categories');
    check(await w.locator('[role="alert"]').evaluate((a) => a.textContent.length > 0), 'the crisis reply was not announced assertively');
    await shot(page, '04-crisis-resources');
    // The conversation goes on, and the button stays.
    await send(w, 'continue');
    await eventually(async () => (await logTexts(w)).length > 0 && (await logTexts(w)).at(-1).startsWith('bot:'), 'no reply after “continue”');
    await sleep(500);
    check(await help.isVisible(), '“Get help now” disappeared later in the conversation');
    const before = await w.getByRole('region', { name: 'Help is available now' }).count();
    await help.click();
    await eventually(async () => (await w.getByRole('region', { name: 'Help is available now' }).count()) > before, '“Get help now” did not show the resources again');
    await shot(page, '05-get-help-now');
  });

  real('reload-restores', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    await reply(w, 'Yes').click();
    await waitBot(w, EN.q2);
    await w.getByRole('button', { name: 'No', exact: true, disabled: false }).waitFor();
    const before = await logTexts(w);
    const tokenBefore = await page.evaluate(() => JSON.parse(sessionStorage.getItem('screener:v1:emotional-numbness')).token);
    await page.reload();
    const w2 = widget(page);
    await waitBot(w2, EN.q2);
    await sleep(1200); // the server repeats its last frame after the resume: it must not show twice
    const after = await logTexts(w2);
    check(JSON.stringify(after) === JSON.stringify(before), 'conversation not restored as it was:\nbefore ' + JSON.stringify(before) + '\nafter  ' + JSON.stringify(after));
    await w2.getByText('Question 2 of 4').waitFor();
    const tokenAfter = await page.evaluate(() => JSON.parse(sessionStorage.getItem('screener:v1:emotional-numbness')).token);
    check(tokenAfter && tokenAfter !== tokenBefore, 'the resume did not rotate the stored token');
    await shot(page, '06-after-reload');
    await reply(w2, 'No').click();
    await waitBot(w2, EN.q3);
    check((await countText(w2, EN.q3)) === 1, 'next question shown twice after reload');
  });

  real('server-restart', async ({ page, base, server }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    await reply(w, 'Yes').click();
    await waitBot(w, EN.q2);
    await server.stop('SIGTERM');
    await w.locator('.status', { hasText: 'Reconnecting…' }).waitFor({ timeout: 10000 });
    await shot(page, '07-reconnecting');
    // Answer while the server is down: it must be delivered once when it is back.
    await send(w, 'no');
    await sleep(800);
    await server.start();
    await waitBot(w, EN.q3, 20000);
    await eventually(() => w.locator('.status').isHidden(), '“Reconnecting…” still shown after the server came back');
    await sleep(1000);
    check((await countText(w, EN.q3)) === 1, 'question 3 shown twice after reconnecting');
    check((await countText(w, EN.q2)) === 1, 'question 2 shown twice after reconnecting');
    check((await logTexts(w)).filter((t) => t === 'you: no').length === 1, 'the answer typed while offline shows twice');
    await reply(w, 'No').click();
    await waitBot(w, EN.q4);
    await shot(page, '08-after-server-restart');
  });

  real('duplicated-tab-takeover', async ({ page, base, context }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    // A duplicated tab copies sessionStorage: the copy resumes, the original is taken over (1008).
    const saved = await page.evaluate(() => sessionStorage.getItem('screener:v1:emotional-numbness'));
    const copy = await context.newPage();
    await copy.goto(base + '/leave.html');
    await copy.evaluate((v) => sessionStorage.setItem('screener:v1:emotional-numbness', v), saved);
    await copy.goto(base + '/');
    const w2 = widget(copy);
    await waitBot(w2, EN.q1);
    await w.getByText('open in another window or tab').waitFor({ timeout: 8000 });
    await sleep(1500);
    check(await w.locator('.status').isHidden(), 'the taken-over tab keeps trying to reconnect');
    await reply(w2, 'No').click();
    await waitBot(w2, EN.q2);
  }, { context: { reducedMotion: 'reduce' } });

  real('keyboard-only', async ({ page, base }) => {
    await page.goto(base + '/');
    const focused = () => page.evaluate(() => {
      const a = document.activeElement;
      if (a && a.shadowRoot && a.shadowRoot.activeElement) {
        const e = a.shadowRoot.activeElement;
        return (e.getAttribute('aria-label') || e.textContent || e.tagName).trim();
      }
      return a ? (a.textContent || a.tagName).trim().slice(0, 40) : '';
    });
    let found = false;
    for (let i = 0; i < 40 && !found; i++) { await page.keyboard.press('Tab'); found = (await focused()) === 'Open chat'; }
    check(found, 'the launcher cannot be reached with Tab');
    await page.keyboard.press('Enter');
    const w = widget(page);
    await eventually(async () => (await focused()) === 'Message', 'focus did not move into the panel (message box) on open');
    await waitBot(w, EN.greet);
    await page.keyboard.type('yes');
    await page.keyboard.press('Enter');
    await waitBot(w, EN.q1);
    await w.getByRole('button', { name: 'No', exact: true, disabled: false }).waitFor();
    await page.keyboard.press('Shift+Tab');
    check((await focused()) === 'No', 'Shift+Tab from the message box does not reach the quick replies (got ' + (await focused()) + ')');
    await page.keyboard.press('Shift+Tab');
    check((await focused()) === 'Yes', 'quick replies not in order');
    await page.keyboard.press('Enter');
    await waitBot(w, EN.q2);
    check((await focused()) === 'Message', 'focus not back in the message box after a quick reply');
    await page.keyboard.press('Tab');
    check((await focused()) === 'Send', 'Tab from the message box does not reach Send');
    await page.keyboard.press('Escape');
    await eventually(async () => (await focused()) === 'Open chat', 'Escape did not close the panel and return focus to the launcher');
    check(await w.getByRole('dialog').isHidden(), 'panel still visible after Escape');
    await page.keyboard.press('Enter');
    await eventually(async () => (await focused()) === 'Message', 'reopening did not focus the message box');
    await page.keyboard.type('no');
    await page.keyboard.press('Enter');
    await waitBot(w, EN.q3);
  });

  real('phone-360px', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    const box = await w.getByRole('dialog').boundingBox();
    check(box && box.x === 0 && box.y === 0 && box.width === 360 && Math.abs(box.height - 740) <= 1, 'panel is not full-screen at 360 px: ' + JSON.stringify(box));
    const sendBox = await w.getByRole('button', { name: 'Send', exact: true }).boundingBox();
    check(sendBox && sendBox.x + sendBox.width <= 360 && sendBox.y + sendBox.height <= 740, 'Send button outside the viewport: ' + JSON.stringify(sendBox));
    const hscroll = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    check(!hscroll, 'the page scrolls sideways at 360 px');
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    await shot(page, '09-phone-360');
  }, { context: { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } });

  real('axe-accessibility', async ({ page, base }) => {
    await page.goto(base + '/');
    const report = [];
    const gather = async (state) => {
      const v = await runAxe(page);
      for (const x of v) report.push({ state, ...x });
    };
    await gather('closed');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await w.getByRole('button', { name: "Yes, let's start" }).waitFor();
    await gather('open');
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    await send(w, 'I want to kill myself');
    await w.getByRole('region', { name: 'Help is available now' }).first().waitFor();
    await gather('crisis');
    ctx.note('axe: ' + (report.length ? report.map((r) => `${r.state}:${r.id}(${r.impact})`).join(', ') : 'no violations'));
    const bad = report.filter((r) => r.impact === 'serious' || r.impact === 'critical');
    check(bad.length === 0, 'axe found serious/critical violations:\n' + bad.map((b) => `  [${b.state}] ${b.id} (${b.impact}): ${b.help} — ${b.nodes.join(' | ')}`).join('\n'));
  }, { context: { reducedMotion: 'reduce', bypassCSP: true } }); // the server's CSP would block injecting axe

  real('reduced-motion', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    const anim = await w.locator('.dot').first().evaluate((d) => getComputedStyle(d).animationName);
    check(anim === 'none', 'typing dots still animate under prefers-reduced-motion: ' + anim);
  }, { context: { reducedMotion: 'reduce' } });

  real('user-markup-is-text', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    await send(w, evil);
    await eventually(async () => (await logTexts(w)).includes('you: ' + evil), 'user text with markup not shown literally');
    await sleep(500);
    check(await w.evaluate((h) => h.shadowRoot.querySelectorAll('img, b, script').length) === 0, 'user markup became elements');
    check(await page.evaluate(() => window.__pwned === undefined), 'user markup ran script');
  }, { context: { reducedMotion: 'reduce' } });

  real('strict-csp', async ({ page, base }) => {
    // A <meta> policy: a header added by request interception would make chromium
    // treat the page as non-local and block its loopback WebSocket.
    await page.goto(base + '/test-strict-csp.html');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    const bg = await w.getByRole('button', { name: 'Send', exact: true }).evaluate((b) => getComputedStyle(b).backgroundColor);
    check(bg === 'rgb(11, 92, 173)', 'widget styles not applied under a strict CSP (Send background ' + bg + ')');
    const v = await page.evaluate(() => window.__csp);
    check(v.length === 0, 'CSP violations: ' + v.join('; '));
  }, { context: { reducedMotion: 'reduce' } });

  real('leave-quickly', async ({ page, base }) => {
    await page.goto(base + '/');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, EN.greet);
    await reply(w, "Yes, let's start").click();
    await waitBot(w, EN.q1);
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('screener:v1:emotional-numbness')).token);
    check(token, 'no token stored');
    await w.getByRole('button', { name: 'Leave quickly' }).click();
    check(await w.getByRole('dialog').isHidden(), 'the conversation stays on screen after Leave quickly');
    await page.waitForURL(base + '/leave.html', { timeout: 5000 });
    check((await storageKeys(page)).length === 0, 'sessionStorage still holds the conversation after Leave quickly');
    await shot(page, '10-left-quickly');
    await page.goBack().catch(() => {});
    check(!page.url().startsWith(base + '/') || page.url().endsWith('/leave.html'), 'Back returned to the help page: ' + page.url());
    // The server forgot the conversation: its token no longer resumes.
    const ans = await new Promise((res, rej) => {
      const ws = new WebSocket(base.replace('http', 'ws') + '/ws', { origin: base });
      const t = setTimeout(() => { ws.terminate(); rej(new Failure('no answer to resume')); }, 5000);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'resume', token })));
      ws.on('message', (d) => { clearTimeout(t); ws.close(); res(JSON.parse(String(d))); });
      ws.on('error', (e) => { clearTimeout(t); rej(e); });
    });
    check(ans.type === 'error' && ans.code === 'session_expired', 'the forgotten conversation still resumes: ' + JSON.stringify(ans));
  }, { context: { reducedMotion: 'reduce' } });

  real('two-widgets', async ({ page, base }) => {
    await page.goto(base + '/test-two-widgets.html');
    await eventually(async () => (await launcher(page).count()) === 2, 'two launchers expected');
    const a = widget(page, 'numbness');
    const b = widget(page, 'mood');
    // The host page's hostile CSS does not reach into the widget.
    const st = await launcher(a).evaluate((l) => { const s = getComputedStyle(l); return [s.backgroundColor, s.fontFamily, s.position]; });
    check(st[0] === 'rgb(11, 92, 173)' && !/comic/i.test(st[1]) && st[2] === 'fixed', 'host CSS leaked into the widget: ' + st.join(' / '));
    await launcher(a).click();
    await waitBot(a, EN.greet);
    await reply(a, "Yes, let's start").click();
    await waitBot(a, EN.q1);
    await a.getByRole('button', { name: 'Close chat' }).click();
    await launcher(b).click();
    await eventually(async () => (await logTexts(b)).length > 0, 'second widget did not greet');
    const ta = await logTexts(a), tb = await logTexts(b);
    check(!tb.some((t) => t.includes(EN.greet)) && !ta.some((t) => tb.includes(t)), 'the two widgets share a conversation');
    await shot(page, '11-two-widgets');
    check((await storageKeys(page)).length === 2, 'expected two sessionStorage entries: ' + (await storageKeys(page)).join(','));
    await page.reload();
    await waitBot(widget(page, 'numbness'), EN.q1);
    await sleep(800);
    check(JSON.stringify(await logTexts(widget(page, 'numbness'))) === JSON.stringify(ta), 'first widget not restored');
    check(JSON.stringify(await logTexts(widget(page, 'mood'))) === JSON.stringify(tb), 'second widget not restored');
  }, { context: { reducedMotion: 'reduce' } });

  /* ---------------- against the fake server */
  fake('hostile-bot-frames', async ({ page, base }) => {
    page.on('dialog', (d) => { ctx.note('dialog opened: ' + d.message()); d.dismiss(); });
    await page.goto(base + '/fake/hostile.html');
    await launcher(page).click();
    const w = widget(page);
    await w.getByRole('region', { name: 'Help is available now' }).waitFor();
    await sleep(300);
    const r = await w.evaluate((h) => {
      const root = h.shadowRoot;
      return {
        elements: root.querySelectorAll('img, script, b, i, u').length,
        js: [...root.querySelectorAll('a')].filter((a) => !/^(https?|tel|sms):/.test(a.getAttribute('href'))).map((a) => a.getAttribute('href')),
        blank: [...root.querySelectorAll('a[target="_blank"]')].every((a) => a.rel === 'noopener noreferrer'),
        links: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        title: root.querySelector('h2').textContent,
        note: root.querySelector('.note').textContent,
      };
    });
    check(r.elements === 0, 'hostile markup became elements');
    check(r.js.length === 0, 'unsafe links: ' + r.js.join(', '));
    check(r.blank, 'links opening a new tab without rel="noopener noreferrer"');
    check(r.title.startsWith('<b>Hostile</b>') && r.note.startsWith('<img'), 'title/disclaimer not shown literally');
    check(r.links.includes('https://example.org/help?a=1&b=%3Cb%3E2%3C/b%3E') || r.links.some((l) => l.startsWith('https://example.org/help')), 'URL in bot text not linked');
    check(r.links.includes('tel:988') && r.links.includes('sms:741741?&body=HOME%26x%3D%3Cy%3E'), 'tel/sms links not sanitised as expected: ' + r.links.join(', '));
    check(await w.getByRole('button', { name: '<b>Yes</b>', exact: false }).count() === 1, 'hostile quick reply label not shown as text');
    await sleep(300);
    check(await page.evaluate(() => window.__pwned === undefined), 'hostile bot text ran script');
    await shot(page, '12-hostile-bot');
  });

  fake('retry-same-id', async ({ page, base, fakeServer }) => {
    await page.goto(base + '/fake/flaky.html');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, 'Shall we start?');
    fakeServer.clearLog();
    await reply(w, 'Yes').click(); // the fake drops the connection instead of answering
    await waitBot(w, 'First fake question?', 10000);
    await sleep(800);
    const msgs = fakeServer.messages();
    check(msgs.length === 2 && msgs[0].id === msgs[1].id && msgs[0].text === msgs[1].text, 'the retry did not reuse the id: ' + JSON.stringify(msgs));
    check(fakeServer.log.some((e) => e.frame.type === 'resume'), 'no resume after the drop');
    check((await countText(w, 'Shall we start?')) === 1, 'the frame repeated after resume was shown twice');
    check((await countText(w, 'First fake question?')) === 1, 'the answer was shown twice');
    check((await logTexts(w)).filter((t) => t === 'you: Yes').length === 1, 'the person’s message shows twice');
  });

  fake('lost-answer-once', async ({ page, base, fakeServer }) => {
    await page.goto(base + '/fake/lossy.html');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, 'Shall we start?');
    fakeServer.clearLog();
    await reply(w, 'Yes').click(); // answered, but the answer is lost with the connection
    await waitBot(w, 'First fake question?', 10000);
    await sleep(1000);
    const msgs = fakeServer.messages();
    check(msgs.length >= 1 && msgs.every((m) => m.id === msgs[0].id), 'messages with different ids: ' + JSON.stringify(msgs));
    check((await countText(w, 'First fake question?')) === 1, 'the answer was shown twice (repeat after resume + reply to the re-sent message)');
    await reply(w, 'No').click();
    await waitBot(w, 'Second fake question?');
    check((await countText(w, 'Second fake question?')) === 1, 'next question shown twice');
  });

  fake('session-expired', async ({ page, base, fakeServer }) => {
    await page.goto(base + '/fake/expire.html');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, 'Shall we start?');
    await reply(w, 'Yes').click();
    await waitBot(w, 'First fake question?');
    await w.getByText('conversation timed out').waitFor({ timeout: 10000 });
    await shot(page, '13-session-expired');
    fakeServer.clearLog();
    await w.getByRole('button', { name: 'Start a new check-in' }).click();
    await eventually(async () => (await logTexts(w)).length === 2, 'starting over did not give a fresh conversation');
    check(fakeServer.log.some((e) => e.frame.type === 'start'), 'no start frame after “Start a new check-in”');
  });

  fake('unread-badge', async ({ page, base }) => {
    await page.goto(base + '/fake/slow.html');
    await launcher(page).click();
    const w = widget(page);
    await waitBot(w, 'Shall we start?', 5000);
    await reply(w, 'Yes').click();
    await page.keyboard.press('Escape');
    await eventually(() => w.getByRole('button', { name: 'Open chat (1 unread)' }).isVisible(), 'no unread count on the launcher');
    check(await w.locator('.badge').isVisible(), 'no visible unread badge');
    await shot(page, '14-unread-badge');
    await launcher(page).click();
    check(await w.locator('.badge').isHidden(), 'badge still shown after opening');
  });

  fake('spanish-forced-choice', async ({ page, base }) => {
    await page.goto(base + '/fake/es.html');
    await page.getByRole('button', { name: 'Abrir chat' }).click();
    const w = widget(page);
    await waitBot(w, 'Shall we start?');
    for (const n of ['Empezar de nuevo', 'Salir rápido', 'Cerrar chat']) check(await w.getByRole('button', { name: n }).isVisible(), 'missing Spanish button ' + n);
    await eventually(() => w.getByRole('textbox', { name: 'Mensaje' }).isHidden(), 'forced-choice mode still shows the message box while buttons are shown');
    await reply(w, 'Yes', 'Opciones de respuesta').click();
    await waitBot(w, 'First fake question?');
    await w.getByText('Pregunta 1 de 3').waitFor();
    check(await w.getByText('Elegiste: Yes').count() === 1, 'no Spanish “You chose” text');
    await eventually(async () => (await page.evaluate(() => document.activeElement && document.activeElement.shadowRoot && document.activeElement.shadowRoot.activeElement && document.activeElement.shadowRoot.activeElement.textContent)) === 'Yes', 'focus did not move to the new quick replies in forced-choice mode');
  });

  fake('js-api', async ({ page, base }) => {
    await page.goto(base + '/fake/api.html');
    await page.waitForFunction(() => window.Screener && window.Screener.version);
    check((await page.locator('screener-widget').count()) === 0, 'a tag without data-script created a widget');
    await page.evaluate(() => { window.__w = window.Screener.init({ script: 'fake', server: '/ws', position: 'inline', target: '#slot', pacingMs: 0, locale: 'en' }); });
    const w = widget(page);
    check(await page.locator('#slot screener-widget').count() === 1, 'init({target}) did not mount into the target');
    await waitBot(w, 'Shall we start?');
    await page.evaluate(() => window.__w.start('fake'));
    await eventually(async () => (await logTexts(w)).length === 2, 'start(script) did not start afresh');
    const ev = (await events(page)).map((e) => e.type);
    check(ev.includes('ready') && ev.includes('open'), 'missing screener:ready/open events: ' + ev.join(','));
    await page.evaluate(() => window.Screener.init({ script: 'fake', server: '/ws', id: 'second', pacingMs: 0 }));
    await page.evaluate(() => window.Screener.instances[1].open());
    await waitBot(widget(page, 'second'), 'Shall we start?');
    await page.evaluate(() => window.Screener.instances[1].close());
    check((await events(page)).some((e) => e.type === 'close'), 'no screener:close event');
  });

  return T;
}

/* ------------------------------------------------------------ main */
export async function main(argv) {
  const opt = parseArgs(argv);
  const t0 = Date.now();
  mkdirSync(opt.artifacts, { recursive: true });
  const notes = [];
  const ctx = {
    note: (s) => notes.push(s),
    screenshot: async (page, name) => {
      const p = join(opt.artifacts, name + '.png');
      await page.screenshot({ path: p });
      ctx.shots.push(p);
    },
    shots: [],
  };
  const all = tests(ctx).filter((t) => !opt.only.length || opt.only.includes(t.name));
  const haveServer = !!opt.server;
  if (haveServer && !existsSync(opt.server)) { console.error('browser tests: no server binary at ' + opt.server); return 1; }

  const webDir = join(opt.source, 'web');
  const fakeServer = await startFake({ webDir });
  let server = null;
  const results = [];
  let browser;
  try {
    if (haveServer && all.some((t) => t.real)) {
      server = new RealServer(opt.server, opt.source, opt.scripts);
      await server.start();
    }
    // playwright gives every launch a fresh temporary profile (--user-data-dir).
    browser = await chromium.launch({
      executablePath: opt.chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
    for (const t of all) {
      if (t.real && !haveServer) { results.push({ name: t.name, status: 'SKIP', why: 'no --server' }); continue; }
      const start = Date.now();
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 }, ...(t.context || {}) });
      await context.addInitScript(recordEvents);
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      const consoleErrors = [];
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      try {
        if (t.real && server && !server.proc) await server.start();
        if (t.real && server && server.proc && (server.proc.exitCode !== null || server.proc.signalCode !== null)) await server.start();
        const base = t.real ? server.url : fakeServer.url;
        let timer;
        await Promise.race([
          t.fn({ page, base, server, fakeServer, context }),
          new Promise((_, rej) => { timer = setTimeout(() => rej(new Failure('timed out after 60 s')), 60000); }),
        ]).finally(() => clearTimeout(timer));
        check(consoleErrors.length === 0, 'page errors: ' + consoleErrors.join('; '));
        results.push({ name: t.name, status: 'PASS', ms: Date.now() - start });
      } catch (e) {
        results.push({ name: t.name, status: 'FAIL', ms: Date.now() - start, why: e instanceof Failure ? e.message : (e.stack || String(e)) });
        try { await ctx.screenshot(page, 'FAIL-' + t.name); } catch { /* page gone */ }
        if (t.real && server && opt.verbose) console.log(server.output.slice(-3000));
      } finally {
        await context.close().catch(() => {});
      }
      const r = results.at(-1);
      console.log(`${r.status === 'PASS' ? 'ok  ' : 'FAIL'} ${r.name} (${((r.ms || 0) / 1000).toFixed(1)} s)${r.why ? '\n     ' + r.why.replace(/\n/g, '\n     ') : ''}`);
    }
  } catch (e) {
    console.error('browser tests: setup failed: ' + (e.stack || e));
    if (server) console.error(server.output.slice(-3000));
    results.push({ name: 'setup', status: 'FAIL', why: String(e) });
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) { await server.stop('SIGTERM').catch(() => {}); server.cleanup(); }
    await fakeServer.close();
  }
  for (const n of notes) console.log('note: ' + n);
  const pass = results.filter((r) => r.status === 'PASS').length;
  const fail = results.filter((r) => r.status === 'FAIL').length;
  const skip = results.filter((r) => r.status === 'SKIP').length;
  if (ctx.shots.length) console.log(`screenshots: ${ctx.shots.length} in ${opt.artifacts}`);
  console.log(`browser tests: ${pass} passed, ${fail} failed, ${skip} skipped in ${((Date.now() - t0) / 1000).toFixed(1)} s${fail ? ' — FAILED: ' + results.filter((r) => r.status === 'FAIL').map((r) => r.name).join(', ') : ''}`);
  return fail ? 1 : 0;
}
