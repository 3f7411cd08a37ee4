// A benchmark baseline, not part of screener: what a team might write instead
// of screener-server. A Node `ws` server that, for every text frame, parses the
// JSON, runs 20 case-insensitive regular expressions over its text (a small
// crisis-phrase screen) and answers with a ~290-byte JSON frame shaped like a
// screener `bot` turn. It keeps no conversation state: it is the floor of the
// work a real server does, so a comparison with it flatters Node.
//
// Usage: node server.mjs [--port N] [--host ADDR]   (default 127.0.0.1:8090)
// Prints "listening PORT" on stdout once it accepts connections.
import { WebSocketServer } from 'ws';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const port = Number(arg('--port', '8090'));
const host = arg('--host', '127.0.0.1');

const patterns = [
  /\b(kill|end|take)\s+(my\s*self|myself|my\s+life)\b/i,
  /\bsuicid(e|al)\b/i,
  /\bwant\s+to\s+die\b/i,
  /\b(better\s+off\s+dead|better\s+off\s+without\s+me)\b/i,
  /\bno\s+(reason|point)\s+(to|in)\s+(live|living|go(ing)?\s+on)\b/i,
  /\b(cut|cutting|hurt|hurting|harm|harming)\s+(my\s*self|myself)\b/i,
  /\bself[-\s]?harm\b/i,
  /\b(overdose|od)\b/i,
  /\b(hang|hanging)\s+(my\s*self|myself)\b/i,
  /\bjump\s+(off|from)\b/i,
  /\bdon'?t\s+want\s+to\s+(be\s+here|live|wake\s+up)\b/i,
  /\bend\s+it\s+all\b/i,
  /\b(can'?t|cannot)\s+go\s+on\b/i,
  /\bgoodbye\s+(forever|cruel)\b/i,
  /\b(he|she|they)\s+(hits?|beats?|hurts?)\s+me\b/i,
  /\b(abuse|abused|abusing)\b/i,
  /\b(rape|raped|assault(ed)?)\b/i,
  /\b(kill|hurt)\s+(him|her|them|someone)\b/i,
  /\b(pills|gun|rope|bridge)\b/i,
  /\bhopeless(ness)?\b/i,
];

const quickReplies = [{ label: 'Yes', key: 'y' }, { label: 'No', key: 'n' }];

const wss = new WebSocketServer({ host, port, maxPayload: 4096, perMessageDeflate: false });
let turn = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    let msg;
    try { msg = JSON.parse(data.toString()); } catch { msg = null; }
    if (isBinary || msg === null || typeof msg !== 'object') {
      ws.send('{"type":"error","code":"bad_json","message":"The frame is not a JSON object."}');
      return;
    }
    const text = typeof msg.text === 'string' ? msg.text : '';
    const categories = [];
    for (let i = 0; i < patterns.length; i++) if (patterns[i].test(text)) categories.push(i);
    turn++;
    ws.send(JSON.stringify({
      type: 'bot',
      kind: categories.length ? 'crisis' : 'question',
      messages: ['Over the last two weeks, how often have you had little interest or pleasure in doing things?'],
      quick_replies: quickReplies,
      progress: { step: 1 + (turn % 9), of: 9 },
      state: 'q1',
      ended: false,
      crisis_active: categories.length > 0,
      reply_to: msg.id ?? null,
    }));
  });
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`listening ${wss.address().port}`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
