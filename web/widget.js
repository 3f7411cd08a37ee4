/*! screener widget — one script tag, a conversational check-in. MIT-style open source.
 * Embedding:  <script src="https://HOST/widget.js" data-script="emotional-numbness" async></script>
 * Speaks docs/protocol.md (version 1). Renders every bot and user string with
 * textContent, never as HTML. No eval, no inline styles, no third-party requests. */
(() => {
  'use strict';
  const VERSION = '1.0.0';
  const me = document.currentScript;

  // Loaded twice (two tags on one page): the first copy owns the API.
  if (window.Screener && window.Screener.__screener) {
    const go = () => { if (me && me.dataset.script) window.Screener.init(fromTag(me)); };
    if (document.body) go(); else document.addEventListener('DOMContentLoaded', go, { once: true });
    return;
  }

  /* ------------------------------------------------------------ strings */
  const STRINGS = {
    en: {
      open: 'Open chat', unread: '{n} unread', close: 'Close chat', title: 'Check-in',
      startOver: 'Start over', leave: 'Leave quickly', help: 'Get help now',
      message: 'Message', send: 'Send', placeholder: 'Type your answer…',
      typing: 'Typing…', progress: 'Question {step} of {of}', chose: 'You chose: {label}',
      options: 'Answer options', log: 'Conversation', you: 'You:', bot: 'Assistant:',
      connecting: 'Connecting…', reconnecting: 'Reconnecting…', reconnected: 'Connected again.',
      expired: 'Sorry, this conversation timed out and can’t be picked up again. You’re welcome to start a new one whenever you like.',
      startNew: 'Start a new check-in',
      takeover: 'This conversation is now open in another window or tab, so it has stopped here.',
      busy: 'The service is busy right now. Trying again…',
      slow: 'You’re sending messages quickly. I’ll send yours again in a moment.',
      noScript: 'Sorry, this check-in isn’t available right now.',
      crisis: 'Help is available now', call: 'Call {n}', text: 'Text {n}', textBody: 'Text {b} to {n}',
      visit: 'Visit {h}', hours: 'Available {h}', newTab: '(opens in a new tab)', emergency: 'Emergency',
    },
    es: {
      open: 'Abrir chat', unread: '{n} sin leer', close: 'Cerrar chat', title: 'Autoevaluación',
      startOver: 'Empezar de nuevo', leave: 'Salir rápido', help: 'Obtener ayuda ahora',
      message: 'Mensaje', send: 'Enviar', placeholder: 'Escribe tu respuesta…',
      typing: 'Escribiendo…', progress: 'Pregunta {step} de {of}', chose: 'Elegiste: {label}',
      options: 'Opciones de respuesta', log: 'Conversación', you: 'Tú:', bot: 'Asistente:',
      connecting: 'Conectando…', reconnecting: 'Reconectando…', reconnected: 'Conectado de nuevo.',
      expired: 'Lo siento, esta conversación caducó y no se puede retomar. Puedes empezar una nueva cuando quieras.',
      startNew: 'Empezar una nueva autoevaluación',
      takeover: 'Esta conversación está abierta ahora en otra ventana o pestaña, así que se detuvo aquí.',
      busy: 'El servicio está ocupado ahora mismo. Volviendo a intentar…',
      slow: 'Estás enviando mensajes muy rápido. Enviaré el tuyo de nuevo en un momento.',
      noScript: 'Lo siento, esta autoevaluación no está disponible ahora.',
      crisis: 'Hay ayuda disponible ahora', call: 'Llamar al {n}', text: 'SMS al {n}', textBody: 'Envía {b} al {n}',
      visit: 'Visitar {h}', hours: 'Disponible {h}', newTab: '(se abre en una pestaña nueva)', emergency: 'Emergencia',
    },
  };
  const fmt = (s, v) => s.replace(/\{(\w+)\}/g, (_, k) => (v && k in v ? String(v[k]) : ''));

  /* ------------------------------------------------------------ styles */
  const CSS = `
:host{all:initial!important;display:block!important}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.w{--a:var(--screener-accent,#0b5cad);--af:var(--screener-accent-fg,#fff);--bg:var(--screener-bg,#fff);--fg:var(--screener-fg,#1b1b1b);--mu:var(--screener-muted,#4a4f55);--r:var(--screener-radius,14px);--d:var(--screener-danger,#a4161a);--bb:var(--screener-bubble,#eef1f4);--off:var(--screener-offset,20px);--z:var(--screener-z,2147483000);
font:15px/1.45 var(--screener-font,system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif);color:var(--fg);text-align:left}
button,input{font:inherit;margin:0}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.head :focus-visible,.user a:focus-visible{outline-color:var(--af)}
.launcher:focus-visible{outline:none;box-shadow:0 0 0 3px #fff,0 0 0 6px #1b1b1b}
.sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:fixed;bottom:var(--off);right:var(--off);z-index:var(--z);width:60px;height:60px;border-radius:50%;border:0;background:var(--a);color:var(--af);box-shadow:0 4px 14px rgba(0,0,0,.28);display:flex;align-items:center;justify-content:center;padding:0}
.launcher svg{width:28px;height:28px;fill:currentColor}
.badge{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:var(--d);color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center}
.panel{position:fixed;bottom:var(--off);right:var(--off);z-index:var(--z);width:min(400px,calc(100vw - 2*var(--off)));height:min(660px,calc(100vh - 2*var(--off)));display:flex;flex-direction:column;background:var(--bg);color:var(--fg);border-radius:var(--r);box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden}
.left .launcher,.left .panel{right:auto;left:var(--off)}
.inline .panel{position:relative;inset:auto;width:100%;height:var(--screener-height,600px);box-shadow:none;border:1px solid #8a9199}
.inline .launcher,.inline .x{display:none!important}
.head{background:var(--a);color:var(--af);padding:10px 12px}
.hrow{display:flex;align-items:center;gap:10px}
.avatar{width:34px;height:34px;border-radius:50%;object-fit:cover;flex:none}
h2{margin:0;font-size:17px;font-weight:700;flex:1;min-width:0;overflow-wrap:anywhere}
h2:focus{outline:none}
.x{background:transparent;border:0;color:var(--af);width:36px;height:36px;border-radius:8px;font-size:26px;line-height:1;padding:0}
.tools{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.tools button{font-size:13px;padding:5px 11px;border-radius:999px;border:1px solid var(--af);background:transparent;color:var(--af)}
.tools .help{background:var(--d);border-color:#fff;color:#fff;font-weight:700}
.status{background:#fff4ce;color:#3d3000;padding:6px 12px;font-size:14px}
.note{margin:0;padding:7px 12px;font-size:13px;color:var(--mu);border-bottom:1px solid #d6dade}
.prog{display:flex;align-items:center;gap:8px;padding:6px 12px 0;font-size:13px;color:var(--mu)}
.prog progress{flex:1;height:6px;accent-color:var(--a)}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}
.log:focus-visible{outline-offset:-3px}
.log>:first-child{margin-top:auto}
.msg{max-width:86%;padding:8px 12px;border-radius:var(--r);white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.bot{align-self:flex-start;background:var(--bb);color:var(--fg);border-bottom-left-radius:4px}
.user{align-self:flex-end;background:var(--a);color:var(--af);border-bottom-right-radius:4px}
.msg a{color:inherit;text-decoration:underline}
.replies{display:flex;flex-wrap:wrap;gap:6px;align-self:flex-start;max-width:100%}
.replies button{padding:6px 14px;min-height:38px;border-radius:999px;border:2px solid var(--a);background:var(--bg);color:var(--a);font-weight:600}
@media (hover:hover){.replies button:hover:enabled{background:var(--a);color:var(--af)}}
.replies button:disabled{cursor:default;opacity:.6}
.replies button.chosen{background:var(--a);color:var(--af);opacity:1}
.res{align-self:stretch;border:2px solid var(--d);border-radius:var(--r);padding:10px 12px;background:#fff6f6;color:#1b1b1b}
.res h3{margin:0 0 8px;font-size:15px;color:var(--d)}
.res h3:focus{outline:none}
.res ul{list-style:none;margin:0;padding:0;display:grid;gap:12px}
.res .nm{font-weight:700}
.res .em{display:inline-block;margin-left:6px;padding:0 6px;border-radius:4px;background:var(--d);color:#fff;font-size:12px;font-weight:700}
.res p{margin:2px 0}
.links{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.links a{display:inline-block;padding:5px 12px;border-radius:999px;background:var(--d);color:#fff;text-decoration:none;font-weight:700}
.links a.web{background:#fff;color:var(--d);border:1px solid var(--d)}
.notice{align-self:stretch;background:#fff4ce;color:#3d3000;padding:8px 12px;border-radius:8px}
.notice p{margin:0}
.notice button{display:block;margin-top:8px;padding:6px 12px;border-radius:8px;border:0;background:var(--a);color:var(--af);font-weight:600}
.typing{display:flex;align-items:center;gap:5px;padding:0 14px 8px;color:var(--mu);font-size:13px}
.dot{width:8px;height:8px;border-radius:50%;background:var(--mu);animation:b 1.2s infinite ease-in-out}
.dot:nth-child(3){animation-delay:.15s}.dot:nth-child(4){animation-delay:.3s}
@keyframes b{0%,80%,100%{transform:translateY(0);opacity:.5}40%{transform:translateY(-4px);opacity:1}}
form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #d6dade;margin:0}
input{flex:1;min-width:0;font-size:16px;padding:8px 11px;border:1px solid #6b7178;border-radius:8px;color:var(--fg);background:var(--bg)}
.send{padding:9px 16px;border-radius:8px;border:0;background:var(--a);color:var(--af);font-weight:700}
@media (max-width:480px){.w:not(.inline) .panel{inset:0;width:100%;height:100%;height:100dvh;border-radius:0}}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}
`;
  let sheet = null;
  const styleSheet = () => {
    if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
    return sheet;
  };

  /* ------------------------------------------------------------ helpers */
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);
    return e;
  };
  const svgNS = 'http://www.w3.org/2000/svg';
  const icon = () => {
    const s = document.createElementNS(svgNS, 'svg');
    s.setAttribute('viewBox', '0 0 24 24');
    s.setAttribute('aria-hidden', 'true');
    s.setAttribute('focusable', 'false');
    const p = document.createElementNS(svgNS, 'path');
    p.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z');
    s.appendChild(p);
    return s;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  const str = (v) => (typeof v === 'string' ? v : v == null ? '' : String(v));
  const dial = (v) => str(v).replace(/[^0-9+*#]/g, '');
  const safeUrl = (u) => {
    try { const x = new URL(str(u)); return x.protocol === 'https:' || x.protocol === 'http:' ? x : null; } catch { return null; }
  };
  const store = {
    get(k) { try { const v = sessionStorage.getItem(k); return v ? JSON.parse(v) : null; } catch { return null; } },
    set(k, v) { try { sessionStorage.setItem(k, JSON.stringify(v)); } catch { /* full or blocked: keep going */ } },
    del(k) { try { sessionStorage.removeItem(k); } catch { /* blocked */ } },
    clearAll() {
      try {
        for (let i = sessionStorage.length - 1; i >= 0; i--) {
          const k = sessionStorage.key(i);
          if (k && k.startsWith('screener:')) sessionStorage.removeItem(k);
        }
      } catch { /* blocked */ }
    },
  };
  const emit = (name, detail) => window.dispatchEvent(new CustomEvent('screener:' + name, { detail }));
  const reducedMotion = () => !!(window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches);

  function pickLocale(v) {
    const langs = [v, ...(navigator.languages || [navigator.language])].filter(Boolean);
    for (const l of langs) { const b = String(l).toLowerCase().split(/[-_]/)[0]; if (STRINGS[b]) return { tag: b, ui: b }; }
    return { tag: 'en', ui: 'en' };
  }
  function pickRegion(v) {
    if (v) return String(v).toUpperCase();
    for (const l of navigator.languages || [navigator.language]) {
      const m = /^[a-z]{2,3}[-_]([a-z]{2})\b/i.exec(l || '');
      if (m) return m[1].toUpperCase();
    }
    return '';
  }
  function bool(v, dflt) {
    if (v == null) return dflt;
    if (typeof v === 'boolean') return v;
    return !/^(false|0|no|off)$/i.test(String(v));
  }

  function fromTag(tag) {
    const d = tag.dataset;
    return {
      server: d.server, script: d.script, locale: d.locale, region: d.region, title: d.title,
      avatar: d.avatar, position: d.position, forcedChoice: d.forcedChoice, pacingMs: d.pacingMs,
      id: d.id, leaveUrl: d.leaveUrl, base: tag.src,
    };
  }

  function normalize(o) {
    const base = (() => { try { return new URL(o.base || (me && me.src) || location.href, location.href); } catch { return new URL(location.href); } })();
    const wsProto = base.protocol === 'https:' ? 'wss:' : 'ws:';
    let server = o.server ? String(o.server) : wsProto + '//' + base.host + '/ws';
    try {
      const u = new URL(server, base);
      if (u.protocol === 'http:') u.protocol = 'ws:';
      if (u.protocol === 'https:') u.protocol = 'wss:';
      server = u.href;
    } catch { /* leave as given; the connection will fail and retry */ }
    const loc = pickLocale(o.locale);
    const pace = Number(o.pacingMs);
    return {
      server,
      script: String(o.script || 'emotional-numbness'),
      // The conversation's language: as given, else the browser's first language.
      locale: o.locale ? String(o.locale) : String((navigator.languages || [])[0] || navigator.language || loc.tag).split(/[-_]/)[0].toLowerCase(),
      explicitLocale: !!o.locale,
      ui: loc.ui,
      region: pickRegion(o.region),
      title: o.title ? String(o.title) : '',
      avatar: o.avatar ? String(o.avatar) : '',
      position: /^(left|inline)$/.test(o.position || '') ? o.position : 'right',
      forcedChoice: bool(o.forcedChoice, false),
      pacingMs: Number.isFinite(pace) && pace >= 0 ? Math.min(pace, 5000) : 450,
      id: o.id ? String(o.id) : '',
      leaveUrl: new URL(o.leaveUrl || '/leave.html', base).href,
      target: o.target || null,
    };
  }

  const fresh = (script) => ({
    v: 1, script, token: null, started: false, open: false, items: [], nextId: 1, answered: 0,
    pending: [], progress: null, crisis: false, resources: null, disclaimer: '', title: '',
    ended: false, sig: '', unread: 0, fc: false,
  });

  const instances = [];
  const usedKeys = new Set();
  let leavingPage = false; // "Leave quickly": no widget on the page writes to storage again

  /* ------------------------------------------------------------ widget */
  class Widget {
    constructor(opts) {
      this.o = normalize(opts || {});
      this.t = STRINGS[this.o.ui];
      let key = 'screener:v1:' + (this.o.id || this.o.script);
      for (let n = 2; usedKeys.has(key); n++) key = 'screener:v1:' + (this.o.id || this.o.script) + '#' + n;
      usedKeys.add(key);
      this.key = key;
      const saved = store.get(key);
      this.s = saved && saved.v === 1 ? saved : fresh(this.o.script);
      this.ws = null; this.ready = false; this.attempt = 0; this.gen = 0; this.vq = []; this.busy = false;
      this.expectRepeat = false; this.closing = false; this.retryTimer = 0; this.pingTimer = 0;
      this.build();
      this.renderAll();
      if (this.s.open || this.o.position === 'inline') this.open({ focus: false, restoring: true });
      else if (this.s.token) this.connect();
      this.onOnline = () => { if (!this.ws && this.s.started) { clearTimeout(this.retryTimer); this.connect(); } };
      window.addEventListener('online', this.onOnline);
    }

    /* ---------- DOM */
    build() {
      const t = this.t;
      this.host = document.createElement('screener-widget');
      this.host.setAttribute('data-screener', this.key);
      const root = this.host.attachShadow({ mode: 'open' });
      root.adoptedStyleSheets = [styleSheet()];
      this.root = root;
      const w = el('div', 'w ' + this.o.position);
      w.lang = this.o.ui;

      const launcher = el('button', 'launcher');
      launcher.type = 'button';
      launcher.setAttribute('aria-haspopup', 'dialog');
      launcher.setAttribute('aria-expanded', 'false');
      launcher.appendChild(icon());
      const badge = el('span', 'badge');
      badge.setAttribute('aria-hidden', 'true');
      badge.hidden = true;
      launcher.appendChild(badge);
      launcher.addEventListener('click', () => this.open());

      const panel = el('section', 'panel');
      panel.hidden = true;
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-modal', 'false');
      const head = el('div', 'head');
      const hrow = el('div', 'hrow');
      if (this.o.avatar) {
        const img = el('img', 'avatar');
        img.alt = '';
        img.src = this.o.avatar;
        hrow.appendChild(img);
      }
      const h = el('h2');
      h.id = 'h';
      h.tabIndex = -1;
      panel.setAttribute('aria-labelledby', 'h');
      const x = el('button', 'x', '×');
      x.type = 'button';
      x.setAttribute('aria-label', t.close);
      x.addEventListener('click', () => this.close());
      hrow.append(h, x);
      const tools = el('div', 'tools');
      const help = el('button', 'help', t.help);
      help.type = 'button';
      help.hidden = true;
      help.addEventListener('click', () => this.showHelp());
      const again = el('button', 'again', t.startOver);
      again.type = 'button';
      again.addEventListener('click', () => this.startOver());
      const leave = el('button', 'leave', t.leave);
      leave.type = 'button';
      leave.addEventListener('click', () => this.leave());
      tools.append(help, again, leave);
      head.append(hrow, tools);

      const status = el('div', 'status'); // announced through the polite region, which is always present
      status.hidden = true;
      const note = el('p', 'note');
      note.hidden = true;
      const prog = el('div', 'prog');
      prog.hidden = true;
      const progText = el('span');
      const progBar = el('progress');
      progBar.setAttribute('aria-hidden', 'true');
      prog.append(progText, progBar);
      const log = el('div', 'log');
      log.setAttribute('role', 'log');
      log.setAttribute('aria-live', 'off');
      log.setAttribute('aria-label', t.log);
      log.tabIndex = 0;
      const typing = el('div', 'typing');
      typing.hidden = true;
      typing.append(el('span', 'sr', t.typing), el('span', 'dot'), el('span', 'dot'), el('span', 'dot'));
      for (const d of typing.querySelectorAll('.dot')) d.setAttribute('aria-hidden', 'true');
      const form = el('form');
      const input = el('input');
      input.type = 'text';
      input.autocomplete = 'off';
      input.maxLength = 800;
      input.setAttribute('aria-label', t.message);
      input.placeholder = t.placeholder;
      input.setAttribute('enterkeyhint', 'send');
      const send = el('button', 'send', t.send);
      send.type = 'submit';
      form.append(input, send);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const v = input.value.trim();
        if (!v) return;
        input.value = '';
        this.say(v);
      });
      const polite = el('div', 'sr');
      polite.setAttribute('aria-live', 'polite');
      const loud = el('div', 'sr');
      loud.setAttribute('role', 'alert');
      panel.append(head, status, note, prog, log, typing, form, polite, loud);
      panel.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && this.o.position !== 'inline') { e.preventDefault(); this.close(); }
      });
      w.append(launcher, panel);
      root.appendChild(w);
      // Keep the newest message in view when the log shrinks (status line, phone keyboard).
      this.atBottom = true;
      log.addEventListener('scroll', () => { this.atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40; }, { passive: true });
      if (window.ResizeObserver) new ResizeObserver(() => { if (this.atBottom) this.scroll(); }).observe(log);
      Object.assign(this, { launcher, badge, panel, h, help, status, note, prog, progText, progBar, log, typing, form, input, polite, loud });

      let parent = document.body;
      if (this.o.target) parent = typeof this.o.target === 'string' ? document.querySelector(this.o.target) : this.o.target;
      (parent || document.body).appendChild(this.host);
    }

    chrome() {
      const s = this.s, t = this.t;
      this.h.textContent = this.o.title || s.title || t.title;
      this.help.hidden = !s.crisis;
      this.note.textContent = s.disclaimer;
      this.note.hidden = !s.disclaimer;
      const p = s.progress;
      if (p && p.step > 0 && p.of > 0) {
        this.prog.hidden = false;
        this.progText.textContent = fmt(t.progress, p);
        this.progBar.max = p.of;
        this.progBar.value = p.step;
      } else this.prog.hidden = true;
      const n = s.unread;
      this.badge.hidden = !n || s.open;
      this.badge.textContent = n > 9 ? '9+' : String(n);
      this.launcher.setAttribute('aria-label', n && !s.open ? t.open + ' (' + fmt(t.unread, { n }) + ')' : t.open);
      const hide = this.o.forcedChoice && s.fc;
      if (hide && !this.form.hidden && this.root.activeElement === this.input) { this.focusReplies = true; this.h.focus(); }
      this.form.hidden = hide;
    }

    save() { if (!leavingPage) store.set(this.key, this.s); }

    setStatus(text) {
      if ((text || '') === this.status.textContent) return;
      this.status.textContent = text || '';
      this.status.hidden = !text;
      if (text) this.announce(text);
    }

    announce(text, urgent) {
      if (!text) return;
      const r = urgent ? this.loud : this.polite;
      r.appendChild(el('p', null, text));
      clearTimeout(r.tid);
      r.tid = setTimeout(() => { r.textContent = ''; }, 8000);
    }

    scroll() { this.log.scrollTop = this.log.scrollHeight; this.atBottom = true; }

    /* ---------- rendering (model item -> element; text only via textContent) */
    textWithLinks(parent, text) {
      const re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;
      let last = 0, m;
      while ((m = re.exec(text))) {
        if (m.index > last) parent.appendChild(document.createTextNode(text.slice(last, m.index)));
        const u = safeUrl(m[0]);
        if (u) parent.appendChild(this.link(u.href, m[0]));
        else parent.appendChild(document.createTextNode(m[0]));
        last = m.index + m[0].length;
      }
      if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
    }

    link(href, text, cls) {
      const a = el('a', cls, text);
      a.href = href;
      if (/^https?:/.test(href)) {
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.appendChild(el('span', 'sr', ' ' + this.t.newTab));
      }
      return a;
    }

    itemEl(item, idx) {
      const t = this.t;
      switch (item.k) {
        case 'bot': {
          const p = el('p', 'msg bot');
          p.appendChild(el('span', 'sr', t.bot + ' '));
          this.textWithLinks(p, str(item.text));
          return p;
        }
        case 'user': {
          const p = el('p', 'msg user');
          p.appendChild(el('span', 'sr', t.you + ' '));
          p.appendChild(document.createTextNode(str(item.text)));
          return p;
        }
        case 'replies': {
          const g = el('div', 'replies');
          g.setAttribute('role', 'group');
          g.setAttribute('aria-label', t.options);
          for (const label of item.opts) {
            const b = el('button', item.chosen === label ? 'chosen' : '', label);
            b.type = 'button';
            b.disabled = !!item.done;
            b.addEventListener('click', () => this.choose(idx, label));
            g.appendChild(b);
          }
          if (item.chosen != null) g.appendChild(el('span', 'sr', fmt(t.chose, { label: item.chosen })));
          return g;
        }
        case 'res': return this.resEl(item);
        case 'notice': {
          const d = el('div', 'notice');
          d.appendChild(el('p', null, str(item.text)));
          if (item.restart) {
            const b = el('button', null, t.startNew);
            b.type = 'button';
            b.addEventListener('click', () => this.start(this.s.script));
            d.appendChild(b);
          }
          return d;
        }
        default: return el('div');
      }
    }

    resEl(item) {
      const t = this.t;
      const box = el('section', 'res');
      const hid = 'r' + Math.random().toString(36).slice(2, 9);
      const h = el('h3', null, t.crisis);
      h.id = hid;
      h.tabIndex = -1;
      box.setAttribute('aria-labelledby', hid);
      box.appendChild(h);
      const ul = el('ul');
      for (const r of Array.isArray(item.resources) ? item.resources : []) {
        if (!r || typeof r !== 'object') continue;
        const li = el('li');
        const nm = el('p', 'nm', str(r.name));
        if (r.emergency) nm.appendChild(el('span', 'em', t.emergency));
        li.appendChild(nm);
        if (r.description) li.appendChild(el('p', null, str(r.description)));
        if (r.hours) li.appendChild(el('p', null, fmt(t.hours, { h: str(r.hours) })));
        const links = el('div', 'links');
        const num = (v) => (/^\+?[0-9][0-9 ().-]*$/.test(str(v).trim()) ? dial(v) : '');
        const phone = num(r.phone), sms = num(r.sms);
        if (phone) links.appendChild(this.link('tel:' + phone, fmt(t.call, { n: str(r.phone) })));
        if (sms) {
          const body = str(r.sms_body);
          links.appendChild(this.link(body ? 'sms:' + sms + '?&body=' + encodeURIComponent(body) : 'sms:' + sms,
            body ? fmt(t.textBody, { b: body, n: str(r.sms) }) : fmt(t.text, { n: str(r.sms) })));
        }
        const u = safeUrl(r.url);
        if (u) links.appendChild(this.link(u.href, fmt(t.visit, { h: u.hostname.replace(/^www\./, '') }), 'web'));
        if (links.childNodes.length) li.appendChild(links);
        ul.appendChild(li);
      }
      box.appendChild(ul);
      return box;
    }

    renderAll() {
      this.gen++;
      this.vq = [];
      this.busy = false;
      this.cur = null;
      this.typing.hidden = true;
      this.log.textContent = '';
      this.s.items.forEach((it, i) => this.log.appendChild(this.itemEl(it, i)));
      this.chrome();
      this.scroll();
    }

    // Shows new items, with the typing indicator between bot messages.
    show(from, fast) {
      for (let i = from; i < this.s.items.length; i++) this.vq.push({ i, fast });
      if (!this.busy) this.drain();
    }

    async drain() {
      this.busy = true;
      const gen = this.gen;
      const pace = reducedMotion() ? Math.min(this.o.pacingMs, 60) : this.o.pacingMs;
      let anchor = null; // a crisis reply is scrolled to its start, not its end
      while (this.vq.length && gen === this.gen) {
        const { i, fast } = this.vq.shift();
        const it = this.s.items[i];
        if (!it) continue;
        if (it.k === 'bot' && !fast && pace > 0) {
          this.typing.hidden = false;
          this.scroll();
          this.cur = { i, fast };
          await sleep(pace);
          if (gen !== this.gen) return; // hurried or redrawn meanwhile
          this.cur = null;
        }
        this.typing.hidden = true;
        const e = this.place(it, i, fast);
        if (fast === 'crisis' && !anchor) anchor = e;
      }
      if (gen !== this.gen) return;
      if (anchor) this.log.scrollTop = anchor.offsetTop - this.log.offsetTop - 8;
      this.typing.hidden = true;
      this.busy = false;
      this.chrome();
    }

    // Shows at once whatever is still waiting behind the typing indicator.
    hurry() {
      if (!this.busy) return;
      this.gen++;
      const q = this.cur ? [this.cur, ...this.vq] : this.vq;
      this.vq = []; this.cur = null; this.busy = false;
      this.typing.hidden = true;
      for (const { i, fast } of q) if (this.s.items[i]) this.place(this.s.items[i], i, fast);
      this.chrome();
    }

    place(it, i, fast) {
      const e = this.itemEl(it, i);
      this.log.appendChild(e);
      this.scroll();
      if (it.k === 'bot') this.announce(it.text, fast === 'crisis');
      if (it.k === 'res' && it.crisis) this.announce(this.t.crisis, true);
      if (it.k === 'replies' && this.focusReplies && !it.done) {
        this.focusReplies = false;
        const b = e.querySelector('button');
        if (b) b.focus();
      }
      return e;
    }

    add(items, fast) {
      if (fast === 'crisis') this.hurry();
      const from = this.s.items.length;
      this.s.items.push(...items);
      this.save();
      this.show(from, fast);
    }

    /* ---------- person's actions */
    open(opt) {
      const o = opt || {};
      const s = this.s;
      const was = s.open;
      s.open = true;
      s.unread = 0;
      this.panel.hidden = false;
      this.launcher.hidden = this.o.position !== 'inline';
      this.launcher.setAttribute('aria-expanded', 'true');
      this.chrome();
      this.save();
      if (!s.started) this.begin();
      else if (!this.ws) this.connect();
      if (o.focus !== false) {
        if (!this.form.hidden) this.input.focus();
        else this.h.focus();
      }
      this.scroll();
      if (!was || o.restoring) emit('open', { widget: this.key });
    }

    close() {
      if (this.o.position === 'inline') return;
      const inside = this.root.activeElement != null;
      this.s.open = false;
      this.panel.hidden = true;
      this.launcher.hidden = false;
      this.launcher.setAttribute('aria-expanded', 'false');
      this.chrome();
      this.save();
      if (inside || document.activeElement === this.host || document.activeElement === document.body) this.launcher.focus();
      emit('close', { widget: this.key });
    }

    say(text) {
      const s = this.s;
      for (const it of s.items) if (it.k === 'replies') it.done = true;
      this.markRepliesDone();
      const id = s.nextId++;
      s.pending.push({ id, text });
      this.add([{ k: 'user', text }]);
      if (this.ready) this.send({ type: 'message', text, id });
      else if (!this.ws) { if (s.started) this.connect(); else this.begin(); }
    }

    choose(idx, label) {
      const it = this.s.items[idx];
      if (!it || it.done) return;
      it.chosen = label;
      const g = this.log.children[idx];
      if (g) {
        for (const b of g.querySelectorAll('button')) { b.disabled = true; if (b.textContent === label) b.classList.add('chosen'); }
        g.appendChild(el('span', 'sr', fmt(this.t.chose, { label })));
      }
      this.say(label);
      if (!this.form.hidden) this.input.focus();
      else { this.focusReplies = true; this.h.focus(); }
    }

    markRepliesDone() {
      for (const g of this.log.querySelectorAll('.replies')) for (const b of g.querySelectorAll('button')) b.disabled = true;
    }

    showHelp() {
      this.hurry();
      if (this.s.resources && this.s.resources.length) {
        this.add([{ k: 'res', resources: this.s.resources, crisis: false }], true);
        const cards = this.log.querySelectorAll('.res');
        const card = cards[cards.length - 1];
        if (card) {
          this.log.scrollTop = card.offsetTop - this.log.offsetTop - 8;
          card.querySelector('h3').focus({ preventScroll: true });
        }
      } else this.say('resources');
    }

    begin() {
      const s = this.s;
      s.started = true;
      this.save();
      if (this.ws && this.wsOpen) this.sendStart();
      else this.connect();
    }

    // A brand-new conversation (Screener.start(), "Start a new check-in").
    start(script) {
      const keepOpen = this.s.open;
      this.s = fresh(script || this.s.script || this.o.script);
      this.s.open = keepOpen;
      this.ready = false;
      this.renderAll();
      if (!keepOpen) this.open();
      else this.begin();
    }

    startOver() {
      const s = this.s;
      if (!s.token || !this.ready) return this.start(s.script);
      Object.assign(s, { items: [], pending: [], progress: null, ended: false, sig: '', fc: false });
      this.renderAll();
      this.save();
      this.send({ type: 'restart' });
      if (!this.form.hidden) this.input.focus();
    }

    async leave() {
      leavingPage = true;
      for (const w of [this, ...instances]) { w.panel.hidden = true; w.launcher.hidden = true; }
      store.clearAll();
      if (this.ready && this.ws) {
        const done = new Promise((r) => { this.onForgotten = r; });
        this.send({ type: 'forget' });
        await Promise.race([done, sleep(400)]);
      }
      store.clearAll();
      this.closing = true;
      location.replace(this.o.leaveUrl);
    }

    destroy() {
      this.closing = true;
      clearTimeout(this.retryTimer);
      clearInterval(this.pingTimer);
      if (this.ws) this.ws.close(1000);
      window.removeEventListener('online', this.onOnline);
      this.host.remove();
      usedKeys.delete(this.key);
      const i = instances.indexOf(this);
      if (i >= 0) instances.splice(i, 1);
    }

    /* ---------- connection */
    send(f) {
      if (this.ws && this.wsOpen) { try { this.ws.send(JSON.stringify(f)); return true; } catch { /* closing */ } }
      return false;
    }

    sendStart() {
      const f = { type: 'start', script: this.s.script, locale: this.o.locale };
      if (this.o.region) f.region = this.o.region;
      if (this.noLocale) delete f.locale;
      this.send(f);
    }

    connect() {
      if (this.ws || this.closing) return;
      clearTimeout(this.retryTimer);
      let ws;
      try { ws = new WebSocket(this.o.server); } catch { this.retry(); return; }
      this.ws = ws;
      this.wsOpen = false;
      this.ready = false;
      if (!this.attempt && !this.s.token) this.setStatus('');
      ws.onopen = () => {
        if (this.ws !== ws) return;
        this.wsOpen = true;
        if (this.s.token) { this.expectRepeat = true; this.send({ type: 'resume', token: this.s.token }); }
        else if (this.s.started) this.sendStart();
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.send({ type: 'ping' }), 25000);
      };
      ws.onmessage = (e) => { if (this.ws === ws) this.frame(e.data); };
      ws.onerror = () => {};
      ws.onclose = (e) => {
        if (this.ws !== ws) return;
        this.ws = null; this.wsOpen = false; this.ready = false;
        clearInterval(this.pingTimer);
        if (this.closing) return;
        if (e.code === 1008) {
          this.setStatus('');
          this.s.token = null; this.s.started = false; this.s.fc = false;
          for (const it of this.s.items) if (it.k === 'replies') it.done = true;
          this.markRepliesDone();
          this.add([{ k: 'notice', text: this.t.takeover, restart: true }]);
          return;
        }
        if (e.code === 1000 && !this.s.pending.length) return; // closed normally: reconnect when needed
        this.retry();
      };
    }

    retry() {
      if (this.closing) return;
      this.setStatus(this.s.token ? this.t.reconnecting : this.t.connecting);
      const base = Math.min(30000, 500 * 2 ** Math.min(this.attempt, 10));
      const delay = base / 2 + Math.random() * (base / 2);
      this.attempt++;
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.connect(), delay);
    }

    frame(data) {
      let f;
      try { f = JSON.parse(data); } catch { return; }
      if (!f || typeof f !== 'object') return;
      if (f.type === 'session') this.onSession(f);
      else if (f.type === 'bot') this.onBot(f);
      else if (f.type === 'error') this.onError(f);
      else if (f.type === 'forgotten' && this.onForgotten) this.onForgotten();
    }

    onSession(f) {
      const s = this.s;
      const was = this.attempt > 0 || this.status.textContent === this.t.reconnecting;
      this.attempt = 0;
      this.ready = true;
      if (typeof f.token === 'string') s.token = f.token;
      s.started = true;
      const sc = f.script && typeof f.script === 'object' ? f.script : {};
      if (sc.title) s.title = str(sc.title);
      if (sc.disclaimer) s.disclaimer = str(sc.disclaimer);
      if (sc.id) s.script = str(sc.id);
      this.save();
      this.chrome();
      this.setStatus('');
      if (was) this.announce(this.t.reconnected);
      this.flush();
    }

    flush() {
      for (const p of this.s.pending) if (p.id > this.s.answered) this.send({ type: 'message', text: p.text, id: p.id });
    }

    onBot(f) {
      const s = this.s;
      const msgs = Array.isArray(f.messages) ? f.messages.map(str) : [];
      const replyTo = typeof f.reply_to === 'number' ? f.reply_to : null;
      // A repeat after a resume, or the answer to a message sent again, is not shown twice.
      const sig = JSON.stringify([f.kind, f.state, msgs]);
      // The server repeats its last turn after a resume (no reply_to) and again
      // for a message re-sent with an id it already answered (reply_to = that id).
      let dup = false;
      const repeat = this.expectRepeat && replyTo == null;
      if (replyTo != null) {
        if (replyTo <= s.answered || (s.rep && sig === s.sig)) dup = true;
        s.answered = Math.max(s.answered, replyTo);
      } else if (repeat && sig === s.sig) dup = true;
      this.expectRepeat = false;
      s.rep = repeat && !dup;
      s.pending = s.pending.filter((p) => p.id > s.answered);
      s.progress = f.progress && typeof f.progress === 'object' ? { step: +f.progress.step || 0, of: +f.progress.of || 0 } : null;
      s.crisis = !!(f.crisis_active || f.crisis);
      if (dup) { this.save(); this.chrome(); return; }
      s.sig = sig;
      for (const it of s.items) if (it.k === 'replies') it.done = true;
      this.markRepliesDone();
      const items = msgs.map((text) => ({ k: 'bot', text }));
      const crisis = f.crisis && typeof f.crisis === 'object' ? f.crisis : null;
      let res = null;
      if (crisis) {
        if (!msgs.length && crisis.text) items.push({ k: 'bot', text: str(crisis.text) });
        res = Array.isArray(crisis.resources) && crisis.resources.length ? crisis.resources : f.resources;
      } else if (Array.isArray(f.resources) && f.resources.length) res = f.resources;
      if (Array.isArray(res) && res.length) {
        s.resources = res;
        // Right after the message that introduces them (the escalation text), so a
        // later "the services above" reads true.
        const at = crisis && msgs.indexOf(str(crisis.text)) >= 0 ? msgs.indexOf(str(crisis.text)) + 1 : Math.min(1, items.length);
        items.splice(at, 0, { k: 'res', resources: res, crisis: !!crisis });
      }
      const qr = Array.isArray(f.quick_replies) ? f.quick_replies.map((q) => str(q && q.label)).filter(Boolean) : [];
      if (qr.length) items.push({ k: 'replies', opts: qr, chosen: null, done: false });
      s.fc = qr.length > 0;
      if (!s.open) s.unread += msgs.length || 1;
      const ended = !!f.ended;
      const newlyEnded = ended && !s.ended;
      s.ended = ended;
      this.add(items, crisis ? 'crisis' : false);
      this.chrome();
      if (crisis) emit('crisis', { widget: this.key, categories: Array.isArray(crisis.categories) ? crisis.categories.map(str) : [], about_someone_else: !!crisis.about_someone_else });
      if (newlyEnded) emit('ended', { widget: this.key, script: s.script });
    }

    onError(f) {
      const s = this.s, t = this.t;
      switch (f.code) {
        case 'session_expired':
        case 'no_conversation':
          this.setStatus('');
          s.token = null; s.started = false; s.pending = []; s.fc = false; s.progress = null;
          for (const it of s.items) if (it.k === 'replies') it.done = true;
          this.markRepliesDone();
          this.ready = false;
          this.add([{ k: 'notice', text: t.expired, restart: true }]);
          break;
        case 'rate_limited':
          this.add([{ k: 'notice', text: t.slow }]);
          setTimeout(() => this.flush(), 3000);
          break;
        case 'unavailable':
          this.setStatus(t.busy);
          setTimeout(() => {
            if (!this.wsOpen) return;
            if (!this.ready) { if (s.token) this.send({ type: 'resume', token: s.token }); else this.sendStart(); } else this.flush();
          }, 2000 + Math.random() * 2000);
          break;
        case 'unknown_script':
          if (!this.o.explicitLocale && !this.noLocale) { this.noLocale = true; this.sendStart(); break; }
          s.started = false;
          this.add([{ k: 'notice', text: t.noScript }]);
          break;
        default:
          if (window.console) console.warn('screener:', str(f.code), str(f.message));
      }
    }

    api() {
      return {
        id: this.key,
        open: () => this.open(), close: () => this.close(),
        start: (script) => this.start(script), restart: () => this.startOver(),
        destroy: () => this.destroy(),
      };
    }
  }

  /* ------------------------------------------------------------ public API */
  const first = () => instances[0];
  const Screener = {
    __screener: true,
    version: VERSION,
    init(options) {
      const w = new Widget(options || {});
      instances.push(w);
      return w.api();
    },
    open() { const w = first(); if (w) w.open(); },
    close() { const w = first(); if (w) w.close(); },
    start(script) { const w = first(); if (w) w.start(script); },
    get instances() { return instances.map((w) => w.api()); },
  };
  try { Object.defineProperty(window, 'Screener', { value: Object.freeze(Screener), configurable: true, writable: false }); } catch { window.Screener = Screener; }

  const boot = () => {
    if (me && me.dataset.script) Screener.init(fromTag(me));
    emit('ready', { version: VERSION });
  };
  if (document.body) boot();
  else document.addEventListener('DOMContentLoaded', boot, { once: true });
})();
