// A tiny stand-in for screener-server, used ONLY by the browser tests for what
// the real server cannot be made to do on demand: send hostile bot frames
// (markup, javascript: URLs) to prove the widget renders them as text, drop a
// connection right after a message arrives to prove a retry reuses the same
// id, expire a token, and answer slowly. It speaks docs/protocol.md (v1) for
// those cases only; the real flows are tested against the real server.
//
// Serves the files of web/ over HTTP, test pages under /fake/, and a
// WebSocket at /ws. Scripts (the `script` of a `start` frame) pick behaviour:
//   fake     a three-question check-in
//   hostile  every string the widget shows is hostile markup
//   flaky    the first message is never answered: the connection drops (1001)
//   lossy    the first message is answered, but the answer is lost with the
//            connection (1001): the resume's repeat is the only copy
//   expire   after the first answer the connection drops and every resume
//            gets session_expired
//   slow     replies come 900 ms late
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function page(title, tag, extra = '') {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/site.css">${tag}</head>
<body><main id="main" class="wrap"><h1>${title}</h1><p>A test page served by tests/browser/fake-server.mjs.</p>${extra}</main></body></html>`;
}
const tag = (attrs) => `<script src="/widget.js" data-server="/ws" ${attrs} async></script>`;
const PAGES = {
  '/fake/fake.html': page('Fake check', tag('data-script="fake" data-locale="en" data-pacing-ms="0"')),
  '/fake/hostile.html': page('Hostile bot', tag('data-script="hostile" data-locale="en" data-region="US" data-pacing-ms="0"')),
  '/fake/flaky.html': page('Flaky connection', tag('data-script="flaky" data-locale="en" data-pacing-ms="0"')),
  '/fake/lossy.html': page('Lost answer', tag('data-script="lossy" data-locale="en" data-pacing-ms="0"')),
  '/fake/expire.html': page('Expiring token', tag('data-script="expire" data-locale="en" data-pacing-ms="0"')),
  '/fake/slow.html': page('Slow replies', tag('data-script="slow" data-locale="en" data-pacing-ms="0"')),
  '/fake/es.html': page('Widget en español', tag('data-script="fake" data-locale="es" data-forced-choice="true" data-pacing-ms="0"')),
  '/fake/api.html': page('JS API', '<script src="/widget.js" async></script>', '<div id="slot"></div>'),
};

const QUESTIONS = ['First fake question?', 'Second fake question?', 'Third fake question?'];

export async function startFake({ webDir, port = 0 }) {
  const log = []; // every frame received: {conn, frame}
  const convs = new Map(); // token -> conversation
  const sockets = new Set();
  let connCount = 0;

  const http = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let path = url.pathname === '/' ? '/index.html' : url.pathname;
    if (PAGES[path]) { res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }); res.end(PAGES[path]); return; }
    path = normalize(path).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = await readFile(join(webDir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  const wss = new WebSocketServer({ server: http, path: '/ws' });

  const token = () => randomBytes(16).toString('base64url');
  const botFrame = (c, extra) => ({ type: 'bot', kind: 'question', messages: [], quick_replies: [], progress: null, state: 's' + c.step, ended: false, crisis_active: false, ...extra });

  function question(c) {
    if (c.script === 'hostile') {
      return botFrame(c, {
        kind: 'crisis', state: 'hostile',
        messages: [HOSTILE, 'Plain link: https://example.org/help?a=1&b=<b>2</b> and javascript:alert(1)'],
        quick_replies: [{ label: '<b>Yes</b>' + HOSTILE, key: 'y' }, { label: 'No', key: 'n' }],
        crisis_active: true,
        crisis: {
          categories: ['suicide', '<i>x</i>'], text: HOSTILE, about_someone_else: false,
          resources: [
            { name: '<b>Hostile line</b>' + HOSTILE, description: HOSTILE, phone: '988<script>', sms: '741741', sms_body: 'HOME&x=<y>', url: 'javascript:window.__pwned=3', hours: '<u>24/7</u>' },
            { name: 'Data line', url: 'data:text/html,<script>alert(1)</script>', phone: 'javascript:alert(1)' },
            { name: 'Good line', url: 'https://988lifeline.org', phone: '988' },
          ],
        },
      });
    }
    if (c.step === 0) return botFrame(c, { messages: ['Hello from the fake server.', 'Shall we start?'], quick_replies: [{ label: 'Yes', key: 'y' }, { label: 'No', key: 'n' }] });
    if (c.step > QUESTIONS.length) return botFrame(c, { kind: 'end', messages: ['That was the last fake question. Goodbye.'], ended: true });
    return botFrame(c, { messages: [QUESTIONS[c.step - 1]], quick_replies: [{ label: 'Yes', key: 'y' }, { label: 'No', key: 'n' }], progress: { step: c.step, of: QUESTIONS.length } });
  }

  wss.on('connection', (ws) => {
    const conn = ++connCount;
    sockets.add(ws);
    let c = null;
    const send = (f) => ws.send(JSON.stringify(f));
    const session = (resumed) => send({ type: 'session', protocol: 1, token: c.token, resumed, script: { id: c.script, title: c.script === 'hostile' ? '<b>Hostile</b>' + HOSTILE : 'Fake check', version: '0', locale: 'en', disclaimer: c.script === 'hostile' ? HOSTILE : 'This fake check is not a diagnosis.', disclosure: 'Automated.' } });
    const answer = (f) => {
      const out = { ...f };
      c.last = out;
      const go = () => { if (ws.readyState === 1) send(out); };
      if (c.script === 'slow') setTimeout(go, 900); else go();
    };
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', (data) => {
      let f;
      try { f = JSON.parse(String(data)); } catch { send({ type: 'error', code: 'bad_json', message: 'bad json' }); return; }
      log.push({ conn, frame: f });
      switch (f.type) {
        case 'start': {
          c = { token: token(), script: f.script, step: 0, answered: 0, last: null, dropped: false, expired: false };
          convs.set(c.token, c);
          session(false);
          answer(question(c));
          break;
        }
        case 'resume': {
          const found = convs.get(f.token);
          if (!found || found.expired) { send({ type: 'error', code: 'session_expired', message: 'expired' }); return; }
          convs.delete(f.token);
          c = found;
          c.token = token();
          convs.set(c.token, c);
          session(true);
          if (c.last) { const { reply_to: _, ...again } = c.last; send(again); } // like the real server: no reply_to
          break;
        }
        case 'message': {
          if (!c) { send({ type: 'error', code: 'no_conversation', message: 'no conversation' }); return; }
          if (typeof f.id === 'number' && f.id <= c.answered) { if (c.last) send({ ...c.last, reply_to: c.answered }); return; }
          if (c.script === 'flaky' && !c.dropped) { c.dropped = true; ws.close(1001, 'restarting'); return; }
          if (typeof f.id === 'number') c.answered = f.id;
          if (c.script === 'hostile') { answer({ ...question(c), reply_to: f.id }); return; }
          c.step++;
          if (c.script === 'lossy' && !c.dropped) { c.dropped = true; c.last = { ...question(c), reply_to: f.id }; ws.close(1001, 'restarting'); return; }
          answer({ ...question(c), reply_to: f.id });
          if (c.script === 'expire' && c.step === 1) { c.expired = true; setTimeout(() => ws.close(1001, 'restarting'), 100); }
          break;
        }
        case 'restart': if (c) { c.step = 0; answer(question(c)); } break;
        case 'ping': send({ type: 'pong' }); break;
        case 'forget': if (c) { convs.delete(c.token); c = null; } send({ type: 'forgotten' }); break;
        default: send({ type: 'error', code: 'unknown_type', message: 'unknown type' });
      }
    });
  });

  await new Promise((r) => http.listen(port, '127.0.0.1', r));
  const addr = http.address();
  return {
    url: `http://127.0.0.1:${addr.port}`,
    log,
    messages: () => log.filter((e) => e.frame.type === 'message').map((e) => e.frame),
    clearLog: () => { log.length = 0; },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      await new Promise((r) => http.close(r));
    },
  };
}

// Run by hand to try the widget without the real server:
//   node tests/browser/fake-server.mjs [port]   then open http://127.0.0.1:PORT/fake/fake.html
if (import.meta.url === `file://${process.argv[1]}`) {
  const webDir = new URL('../../web/', import.meta.url).pathname;
  const s = await startFake({ webDir, port: Number(process.argv[2] || 0) });
  console.log(`fake screener server on ${s.url} (pages: ${Object.keys(PAGES).join(', ')})`);
}
