/*
 * Balie chat widget: the <balie-chat> Web Component citizens use on a municipal website.
 *
 * Embed with one script tag; the script creates the element itself:
 *   <script src="/static/widget/balie-widget.js" data-balie-url="https://balie.example.nl"
 *           data-municipality="Gemeente Voorbeeld" data-primary-color="#1a4f8b" defer></script>
 *
 * No dependencies, no build step, nothing loaded from elsewhere. All CSS lives in the
 * (open) shadow root; pages can theme it with --balie-* custom properties.
 * Message text is only ever put in the DOM as text nodes, never as HTML.
 */
(() => {
  'use strict';

  const MAX_CHARS = 1000;      // same limit as the server (BALIE_MAX_MESSAGE_CHARS)
  const MAX_CSAT_COMMENT = 500; // MAX_COMMENT_CHARS in bot/insights/csat.py
  // "Heeft dit je geholpen?": the labels of the 1-5 scale (value, words).
  const CSAT_SCALE = [[1, 'helemaal niet'], [2, 'niet echt'], [3, 'een beetje'], [4, 'goed'], [5, 'heel goed']];
  const COUNTER_FROM = 800;    // show the character counter from here on
  const POLL_MS = 3000;
  const MAX_BACKOFF_MS = 30000;
  // document.currentScript is only set while this file is first executed: read it now.
  const SCRIPT = document.currentScript;
  const SCRIPT_ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
  const SENDERS = ['bot', 'citizen', 'clerk', 'system'];
  const THEME = {
    'primary-color': '--balie-primary-color',
    'primary-text-color': '--balie-primary-text-color',
    'font-family': '--balie-font-family',
  };

  const STYLE = `
    :host { all: initial; }
    .root {
      --_primary: var(--balie-primary-color, #1a4f8b);
      --_on-primary: var(--balie-primary-text-color, #ffffff);
      --_text: var(--balie-text-color, #1b1b1b);
      --_muted: #4a4a4a;
      --_focus: var(--balie-focus-color, #1b1b1b);
      font-family: var(--balie-font-family, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif);
      font-size: 1rem; line-height: 1.5; color: var(--_text);
    }
    *, *::before, *::after { box-sizing: border-box; }
    [hidden] { display: none !important; }
    .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
      clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
    button { font: inherit; min-height: 44px; min-width: 44px; cursor: pointer; }
    button:disabled { cursor: not-allowed; }
    :focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; box-shadow: 0 0 0 5px #ffffff; }
    a { color: var(--balie-link-color, #0b4a8f); text-decoration: underline; }

    .launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000;
      display: inline-flex; align-items: center; gap: .5rem; padding: .5rem 1.25rem;
      min-height: 3.25rem; border: 2px solid transparent; border-radius: 2rem;
      background: var(--_primary); color: var(--_on-primary); font-weight: 600;
      box-shadow: 0 2px 8px rgb(0 0 0 / .35); }
    .launcher svg { width: 1.5rem; height: 1.5rem; flex: none; }

    .panel { position: fixed; right: 1rem; bottom: 5rem; z-index: 2147483001;
      width: min(25rem, calc(100vw - 2rem)); height: min(40rem, calc(100vh - 6.5rem));
      display: flex; flex-direction: column; overflow: hidden;
      background: #ffffff; border: 1px solid #767676; border-radius: .75rem;
      box-shadow: 0 8px 28px rgb(0 0 0 / .3); }
    /* Small screens, and 200% zoom (which makes the viewport small in CSS px): full screen. */
    @media (max-width: 30em), (max-height: 34em) {
      .panel { inset: 0; width: auto; height: auto; border: 0; border-radius: 0; }
    }
    .head { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .5rem;
      padding: .5rem .5rem .5rem 1rem; background: var(--_primary); color: var(--_on-primary); }
    .head__text { flex: 1 1 10rem; min-width: 0; }
    .head__title { margin: 0; font-size: 1.125rem; line-height: 1.3; }
    .head__sub { margin: 0; font-size: .9375rem; }
    .head__btn { background: transparent; color: inherit; border: 2px solid currentColor;
      border-radius: .375rem; padding: .25rem .75rem; }
    .head__close { font-size: 1.5rem; line-height: 1; padding: 0; }
    .head :focus-visible { outline-color: var(--_on-primary); box-shadow: none; }

    .status { margin: 0; padding: .5rem 1rem; background: #fff4d6; border-bottom: 1px solid #8a6d00;
      color: #1b1b1b; font-size: .9375rem; }
    .status:empty { padding: 0; border: 0; }

    .messages { flex: 1 1 auto; overflow-y: auto; overflow-x: hidden; padding: 1rem;
      display: flex; flex-direction: column; gap: .75rem; overflow-wrap: anywhere; }
    .welcome, .note { margin: 0; padding: .75rem; border-radius: .5rem; background: #eef3f9;
      border: 1px solid #c5d3e3; }
    .welcome p { margin: 0 0 .5rem; }
    .welcome p:last-child { margin-bottom: 0; font-size: .9375rem; }
    .note { background: #ffffff; border-style: dashed; color: var(--_muted); font-size: .9375rem; text-align: center; }
    .msg { max-width: 88%; align-self: flex-start; }
    .msg--citizen { align-self: flex-end; text-align: right; }
    .msg--system { align-self: center; max-width: 100%; text-align: center; }
    .msg__who { margin: 0 0 .125rem; font-size: .875rem; font-weight: 600; color: var(--_muted); }
    .msg__text { margin: 0; padding: .5rem .75rem; border-radius: .75rem; white-space: pre-wrap;
      text-align: left; background: #f1f3f5; }
    .msg--citizen .msg__text { background: var(--_primary); color: var(--_on-primary); }
    .msg--citizen .msg__text a { color: inherit; }
    .msg--clerk .msg__text { background: #e6f2ea; border: 1px solid #1e6b3a; }
    .msg--system .msg__text { background: #ffffff; border: 1px solid #767676; font-style: italic; }
    .msg__meta { margin: .125rem 0 0; font-size: .8125rem; color: var(--_muted); }
    .msg--failed .msg__meta { color: #a50e0e; font-weight: 600; }
    .replies { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
    .replies button { background: #ffffff; color: var(--_primary); border: 2px solid var(--_primary);
      border-radius: 1.5rem; padding: .25rem 1rem; text-align: left; }
    .replies button:hover { background: #eef3f9; }
    .replies button:disabled { opacity: .55; border-style: dashed; }
    .replies button:disabled:hover { background: #ffffff; }
    .replies button[aria-pressed="true"] { background: var(--_primary); color: #ffffff; opacity: 1; border-style: solid; }

    .typing { display: flex; align-items: center; gap: .5rem; padding: 0 1rem .5rem;
      color: var(--_muted); font-size: .9375rem; }
    .dots { display: inline-flex; gap: .25rem; }
    .dots span { width: .5rem; height: .5rem; border-radius: 50%; background: var(--_muted); }

    .composer { padding: .5rem 1rem 1rem; border-top: 1px solid #c9c9c9; }
    .composer label { display: block; font-weight: 600; font-size: .9375rem; margin-bottom: .25rem; }
    .composer__row { display: flex; gap: .5rem; align-items: flex-end; }
    textarea { flex: 1 1 auto; min-width: 0; min-height: 44px; max-height: 8rem; resize: vertical;
      font: inherit; color: var(--_text); padding: .5rem; border: 2px solid #767676; border-radius: .375rem; }
    textarea::placeholder { color: #595959; }
    textarea[aria-invalid="true"] { border-color: #a50e0e; }
    .send { background: var(--_primary); color: var(--_on-primary); border: 2px solid transparent;
      border-radius: .375rem; padding: .5rem 1rem; font-weight: 600; }
    .send:disabled { background: #e0e0e0; color: #1b1b1b; border-color: #767676; }
    .hint, .counter { margin: .25rem 0 0; font-size: .875rem; color: var(--_muted); }
    .counter--over { color: #a50e0e; font-weight: 600; }

    /* "Heeft dit je geholpen?" (KTO): an invitation line under the messages, a form when opened. */
    .csat { flex: none; max-height: 60%; overflow-y: auto; padding: .5rem 1rem; border-top: 1px solid #c9c9c9;
      background: #f7f9fc; font-size: .9375rem; }
    .csat__invite { margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .5rem; }
    .csat__link { min-height: 44px; padding: .25rem .5rem; border: 0; background: transparent;
      color: var(--balie-link-color, #0b4a8f); text-decoration: underline; font-size: inherit; text-align: left; }
    .csat fieldset { margin: 0; padding: 0; border: 0; min-width: 0; }
    .csat legend { padding: 0; font-weight: 600; margin-bottom: .25rem; }
    .csat__scale { display: flex; flex-wrap: wrap; gap: .25rem .5rem; margin: 0 0 .5rem; }
    .csat__option { display: inline-flex; align-items: center; gap: .375rem; min-height: 44px;
      padding: .125rem .625rem .125rem .375rem; border: 2px solid #767676; border-radius: 1.5rem; background: #ffffff;
      cursor: pointer; }
    .csat__option input { width: 1.125rem; height: 1.125rem; margin: 0; accent-color: var(--_primary); }
    .csat__option:has(input:checked) { border-color: var(--_primary); background: #eef3f9; font-weight: 600; }
    .csat label.csat__label { display: block; font-weight: 600; margin-bottom: .25rem; }
    .csat textarea { width: 100%; min-height: 2.75rem; }
    .csat__buttons { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .5rem; }
    .csat__later { background: #ffffff; color: var(--_primary); border: 2px solid var(--_primary);
      border-radius: .375rem; padding: .25rem 1rem; }
    .csat__error { margin: .25rem 0 0; color: #a50e0e; font-weight: 600; }
    .csat__thanks { margin: 0; }
    .csat__thanks:empty { display: none; }

    @media (prefers-reduced-motion: no-preference) {
      .panel { animation: balie-in .15s ease-out; }
      .dots span { animation: balie-dot 1.2s infinite ease-in-out; }
      .dots span:nth-child(2) { animation-delay: .2s; }
      .dots span:nth-child(3) { animation-delay: .4s; }
      @keyframes balie-in { from { opacity: 0; transform: translateY(.5rem); } }
      @keyframes balie-dot { 0%, 80%, 100% { opacity: .3; } 40% { opacity: 1; } }
    }
    @media (forced-colors: active) {
      .msg__text, .welcome, .status:not(:empty) { border: 1px solid CanvasText; }
    }
  `;

  // Static markup only: message text never passes through innerHTML.
  const TEMPLATE = `
    <div class="root" lang="nl">
      <button type="button" class="launcher" data-testid="launcher" aria-expanded="false" aria-controls="balie-panel">
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor"
          d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>
        <span data-testid="launcher-label">Chat met Balie</span>
      </button>
      <div class="panel" id="balie-panel" role="dialog" data-testid="panel" hidden>
        <div class="head">
          <div class="head__text">
            <h2 class="head__title">Chat met Balie</h2>
            <p class="head__sub" data-testid="agent"></p>
          </div>
          <button type="button" class="head__btn" data-testid="new-conversation">Nieuw gesprek</button>
          <button type="button" class="head__btn head__close" data-testid="close" aria-label="Chat sluiten">&times;</button>
        </div>
        <p class="status" role="status" data-testid="status"></p>
        <div class="messages" role="log" aria-live="polite" aria-label="Berichten" tabindex="0" data-testid="messages"></div>
        <div class="typing" data-testid="typing" hidden>
          <span class="dots" aria-hidden="true"><span></span><span></span><span></span></span>
          <span>Balie is aan het typen…</span>
        </div>
        <div class="csat" data-testid="csat" hidden>
          <p class="csat__invite" data-testid="csat-invite">
            <span>Klaar?</span>
            <button type="button" class="csat__link" data-testid="csat-open" aria-expanded="false"
              aria-controls="balie-csat-form">Laat weten of dit hielp</button>
          </p>
          <form class="csat__form" id="balie-csat-form" data-testid="csat-form" novalidate hidden>
            <fieldset>
              <legend id="balie-csat-legend">Heeft dit je geholpen?</legend>
              <div class="csat__scale" data-testid="csat-scale"></div>
            </fieldset>
            <label class="csat__label" for="balie-csat-comment">Wil je nog iets kwijt? (niet verplicht)</label>
            <textarea id="balie-csat-comment" data-testid="csat-comment" rows="2"
              aria-describedby="balie-csat-hint" aria-invalid="false"></textarea>
            <p class="hint" id="balie-csat-hint" data-testid="csat-hint"></p>
            <p class="csat__error" role="alert" data-testid="csat-error" hidden></p>
            <div class="csat__buttons">
              <button type="submit" class="send" data-testid="csat-send">Verstuur</button>
              <button type="button" class="csat__later" data-testid="csat-later">Niet nu</button>
            </div>
          </form>
          <p class="csat__thanks" role="status" data-testid="csat-thanks"></p>
        </div>
        <form class="composer" novalidate>
          <label for="balie-input">Je vraag of melding</label>
          <div class="composer__row">
            <textarea id="balie-input" data-testid="input" rows="2" placeholder="Typ hier je bericht"
              aria-describedby="balie-hint balie-counter" aria-invalid="false"></textarea>
            <button type="submit" class="send" data-testid="send">Verstuur</button>
          </div>
          <p class="hint" id="balie-hint">Enter: versturen. Shift + Enter: nieuwe regel.</p>
          <p class="counter" id="balie-counter" data-testid="counter" hidden></p>
        </form>
      </div>
    </div>`;

  /* ---------- small helpers ---------- */

  /** Create an element; attrs are set as attributes, strings in children become text nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  const pad = (n) => String(n).padStart(2, '0');
  function formatTime(value) {
    const d = value ? new Date(value) : new Date();
    return isNaN(d) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  /** A unique id per citizen message: the server stores a client_id only once. */
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** Text as a fragment in which only http(s) URLs become links. */
  function linkify(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(/\bhttps?:\/\/[^\s<>"']+/gi)) {
      // Punctuation after a URL usually ends the sentence, not the URL.
      const url = match[0].replace(/[.,;:!?)\]]+$/, '');
      let ok = false;
      try { ok = ['http:', 'https:'].includes(new URL(url).protocol); } catch (e) { ok = false; }
      if (!ok) continue;
      frag.append(text.slice(last, match.index),
        el('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url,
          el('span', { class: 'sr-only' }, ' (opent in een nieuw venster)')));
      last = match.index + url.length;
    }
    frag.append(text.slice(last));
    return frag;
  }

  /**
   * Could a citizen message the server stored be this queued item? The server trims the text,
   * drops a leading "/" and masks BSN/IBAN numbers, so a masked part matches anything.
   */
  function isStoredVersion(message, item) {
    const stored = message.text;
    // A clicked button is stored with its title as text and the payload beside it.
    if (item.payload) return message.payload === item.payload;
    const expected = item.text.trim().replace(/^\/+/, '').trim();
    const parts = String(stored).split(/\[(?:BSN|IBAN) verwijderd\]/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.+?')}$`, 's').test(expected);
  }

  class BalieChat extends HTMLElement {
    constructor() {
      super();
      this.attachShadow({ mode: 'open' });
      this.conv = null;             // {id, token, lastSeq} of the current conversation
      this.queue = [];              // citizen messages not yet answered by the server, oldest first
      this.seen = new Set();        // seqs already on screen: never render a message twice
      this.payloadTitles = new Map(); // button payload -> title, to show "/intent" messages as their title
      this.generation = 0;          // bumped by "Nieuw gesprek": late answers of the old one are ignored
      this.retryDelay = 1000;
      this.wsDelay = 1000;
      this.onOnline = () => { this.retryDelay = 1000; this.flush(); this.poll(); };
      this.onOffline = () => this.setOffline();
    }

    connectedCallback() {
      window.addEventListener('online', this.onOnline);
      window.addEventListener('offline', this.onOffline);
      if (this.initialised) { this.connectSocket(); this.updatePolling(); return; }
      this.initialised = true;
      if (!this.id) this.id = 'balie-chat';
      this.setAttribute('lang', 'nl');
      if (!this.hasAttribute('role')) {
        // A landmark, so the launcher is not "content outside landmarks" on the host page.
        this.setAttribute('role', 'complementary');
        this.setAttribute('aria-label', 'Chat met Balie');
      }
      this.baseUrl = (this.getAttribute('balie-url') || SCRIPT_ORIGIN).replace(/\/+$/, '');
      this.municipality = this.getAttribute('municipality') || 'de gemeente';
      this.privacyUrl = this.getAttribute('privacy-url') || '/privacy';
      this.storageKey = `balie-chat:${this.baseUrl}`;
      for (const [attr, prop] of Object.entries(THEME)) {
        const value = this.getAttribute(attr);
        if (value) this.style.setProperty(prop, value);
      }
      // A constructed style sheet, not a <style> element: the page's CSP can then forbid
      // inline styles (style-src 'self'). Older browsers without it get the <style> element.
      if ('adoptedStyleSheets' in Document.prototype && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        this.shadowRoot.adoptedStyleSheets = [sheet];
        this.shadowRoot.innerHTML = TEMPLATE;
      } else {
        this.shadowRoot.innerHTML = `<style>${STYLE}</style>${TEMPLATE}`;
      }
      const part = (id) => this.shadowRoot.querySelector(`[data-testid="${id}"]`);
      [this.launcher, this.launcherLabel, this.panel, this.agentEl, this.statusEl, this.list, this.typing,
        this.input, this.sendBtn, this.counter] = ['launcher', 'launcher-label', 'panel', 'agent', 'status',
        'messages', 'typing', 'input', 'send', 'counter'].map(part);
      this.panel.setAttribute('aria-label', `Chat met Balie van ${this.municipality}`);
      this.agentEl.textContent = this.municipality;
      this.buildCsat(part);
      this.bindEvents();
      this.restore();
    }

    disconnectedCallback() {
      window.removeEventListener('online', this.onOnline);
      window.removeEventListener('offline', this.onOffline);
      clearTimeout(this.retryTimer);
      this.closeSocket();
      clearInterval(this.pollTimer);
      this.pollTimer = 0;
    }

    bindEvents() {
      this.launcher.addEventListener('click', () => (this.panel.hidden ? this.open() : this.close()));
      this.shadowRoot.querySelector('[data-testid="close"]').addEventListener('click', () => this.close());
      this.shadowRoot.querySelector('[data-testid="new-conversation"]')
        .addEventListener('click', () => this.newConversation());
      this.shadowRoot.addEventListener('keydown', (e) => {
        if (e.key === 'Escape' && !this.panel.hidden) { e.preventDefault(); this.close(); }
      });
      this.shadowRoot.querySelector('form.composer').addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
      this.input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); this.submit(); }
      });
      this.input.addEventListener('input', () => this.updateCounter());
    }

    /* ---------- persistence (sessionStorage: this tab only, gone when the tab closes) ---------- */

    load(suffix, fallback) {
      try {
        const value = sessionStorage.getItem(this.storageKey + suffix);
        return value ? JSON.parse(value) : fallback;
      } catch (e) { return fallback; }
    }

    save(suffix, value) {
      try {
        if (value == null) sessionStorage.removeItem(this.storageKey + suffix);
        else sessionStorage.setItem(this.storageKey + suffix, JSON.stringify(value));
      } catch (e) { /* storage full or blocked: the chat still works, it just won't survive a reload */ }
    }

    saveConv() { this.save('', this.conv); }
    saveQueue() { this.save(':queue', this.queue.length ? this.queue : null); }

    restore() {
      this.conv = this.load('', null);
      this.queue = this.load(':queue', []);
      this.historyLoaded = !this.conv;
      this.renderWelcome();
      for (const item of this.queue) this.renderPending(item);
      if (this.load(':open', false)) this.open(false);
      if (this.conv) {
        // Redraw the whole conversation, then send what was still waiting.
        this.poll().then(() => this.flush());
        this.connectSocket();
      } else if (this.queue.length) {
        this.flush();
      }
    }

    /* ---------- opening and closing ---------- */

    open(focus = true) {
      this.panel.hidden = false;
      this.launcher.setAttribute('aria-expanded', 'true');
      this.launcherLabel.textContent = 'Chat sluiten';
      this.save(':open', true);
      this.updatePolling();
      if (this.conv && this.historyLoaded) this.poll();
      this.scrollToEnd();
      if (focus) this.input.focus();
    }

    close() {
      this.panel.hidden = true;
      this.launcher.setAttribute('aria-expanded', 'false');
      this.launcherLabel.textContent = 'Chat met Balie';
      this.save(':open', null);
      this.updatePolling();
      this.launcher.focus();
    }

    newConversation() {
      this.generation += 1;
      this.flushing = false;
      this.polling = false;
      this.creating = null;
      clearTimeout(this.retryTimer);
      this.retryDelay = 1000;
      this.closeSocket();
      this.conv = null;
      this.queue = [];
      this.saveConv();
      this.saveQueue();
      this.list.replaceChildren();
      this.resetScreen();
      this.typing.hidden = true;
      this.setStatus('Je bent een nieuw gesprek begonnen.', 'info');
      this.updatePolling();
      this.ensureConversation().catch(() => { /* retried when the first message is sent */ });
      this.input.focus();
    }

    /** Empty the message list (keeping unsent messages) and forget everything seen. */
    resetScreen() {
      this.resetCsat();
      this.seen.clear();
      this.payloadTitles.clear();
      this.lastClerk = undefined;
      this.agentEl.textContent = this.municipality;
      for (const node of [...this.list.children]) if (!node.dataset.pending) node.remove();
      this.renderWelcome();
    }

    /* ---------- composing and sending ---------- */

    updateCounter() {
      const n = this.input.value.length;
      const over = n > MAX_CHARS;
      const wasOver = this.input.getAttribute('aria-invalid') === 'true';
      this.counter.hidden = n < COUNTER_FROM;
      this.counter.textContent = over
        ? `Je bericht is te lang: ${n} van ${MAX_CHARS} tekens. Maak het korter.`
        : `${n} van ${MAX_CHARS} tekens`;
      this.counter.classList.toggle('counter--over', over);
      this.sendBtn.disabled = over;
      this.input.setAttribute('aria-invalid', String(over));
      // Announce crossing the limit once, not every keystroke.
      if (over && !wasOver) this.setStatus(`Je bericht is te lang. Gebruik maximaal ${MAX_CHARS} tekens.`, 'error');
      if (!over && wasOver) this.clearStatus('error');
    }

    submit() {
      const text = this.input.value;
      if (!text.trim()) { this.setStatus('Typ eerst je vraag.', 'error'); return; }
      if (text.length > MAX_CHARS) return; // the counter already says why
      this.input.value = '';
      this.updateCounter();
      this.clearStatus('error', 'info');
      this.enqueue({ text });
    }

    /** Queue a citizen message (text, or payload + title of a quick reply) and start sending. */
    enqueue(item) {
      Object.assign(item, { client_id: newClientId(), attempts: 0, at: new Date().toISOString() });
      this.queue.push(item);
      this.saveQueue();
      this.renderPending(item);
      this.scrollToEnd();
      this.flush();
    }

    /** Send the queue one by one, in order. Stops at the first failure and retries with backoff. */
    async flush() {
      if (this.flushing || !this.queue.length) return;
      this.flushing = true;
      const gen = this.generation;
      clearTimeout(this.retryTimer);
      let lost = 0;
      try {
        while (this.queue.length && gen === this.generation) {
          if (navigator.onLine === false) { this.setOffline(); this.scheduleRetry(); return; }
          const item = this.queue[0];
          item.attempts += 1;
          // Its stored copy, if any, comes after everything we had seen before the first try.
          if (item.after == null) item.after = this.conv ? this.conv.lastSeq || 0 : 0;
          this.saveQueue();
          // From now on the server may have it: a citizen message from the server can be this one.
          const node = this.pendingNode(item);
          if (node && !node.dataset.seq) node.dataset.unseq = '1';
          this.typing.hidden = false;
          let res;
          try {
            await this.ensureConversation();
            if (gen !== this.generation) return;
            const body = item.payload
              ? { payload: item.payload, client_id: item.client_id }
              : { text: item.text, client_id: item.client_id };
            res = await this.api('POST', `/messages`, body);
          } catch (e) {
            if (gen !== this.generation) return;
            if (e.status === 429) this.waitForLimit(e.data, e.retryAfter);
            else { this.setOffline(); this.scheduleRetry(); }
            return;
          }
          if (gen !== this.generation) return;
          const { status, data } = res;
          if (status === 200) {
            this.queue.shift();
            this.saveQueue();
            this.markSent(item, data.seq);
            this.handleMessages(data.messages || []);
            this.retryDelay = 1000;
            this.clearStatus('offline', 'unavailable');
          } else if (status === 429) {
            // Too many messages in a short time: the message stays in the queue and goes later.
            this.waitForLimit(data, res.retryAfter);
            return;
          } else if ((status === 404 || status === 401) && lost++ < 2) {
            this.conversationLost(); // the loop sends the queue again in a new conversation
          } else if (status === 400 || status === 404 || status === 401) {
            this.queue.shift();
            this.saveQueue();
            this.markFailed(item);
            this.setStatus(data.message || 'Dit bericht kon niet worden verstuurd.', 'error');
          } else {
            // 503: stored, but the assistant is down. Resend the same client_id later.
            if (Number.isInteger(data.seq)) this.setSeq(node, data.seq);
            this.setStatus(`${data.message || 'Balie is even niet bereikbaar.'} We proberen het automatisch opnieuw…`,
              'unavailable');
            this.scheduleRetry();
            return;
          }
        }
      } finally {
        if (gen === this.generation) { this.flushing = false; this.typing.hidden = true; }
      }
    }

    /** A rate limit (429): say so in Dutch and send again after Retry-After seconds. */
    waitForLimit(data, retryAfter) {
      this.setStatus((data && data.message) || 'Je stuurt veel berichten snel achter elkaar. Wacht even.', 'unavailable');
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flush(), Math.min(Math.max(1, retryAfter || 5), 3600) * 1000);
    }

    scheduleRetry() {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.flush(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, MAX_BACKOFF_MS);
    }

    /* ---------- talking to the bot service ---------- */

    /** Call the API; path is relative to the current conversation unless it starts with /api. */
    async api(method, path, body) {
      const url = path.startsWith('/api') ? this.baseUrl + path
        : `${this.baseUrl}/api/conversations/${encodeURIComponent(this.conv.id)}${path}`;
      const headers = { Accept: 'application/json' };
      if (body) headers['Content-Type'] = 'application/json';
      if (!path.startsWith('/api')) headers.Authorization = `Bearer ${this.conv.token}`;
      const res = await fetch(url, {
        method, headers, credentials: 'omit', cache: 'no-store',
        body: body ? JSON.stringify(body) : undefined,
      });
      let data = {};
      try { data = (await res.json()) || {}; } catch (e) { data = {}; }
      return { status: res.status, data, retryAfter: Number(res.headers.get('Retry-After')) || 0 };
    }

    /** Create a conversation if there is none; concurrent callers share one request. */
    ensureConversation() {
      if (this.conv) return Promise.resolve();
      if (!this.creating) {
        const gen = this.generation;
        const request = this.api('POST', '/api/conversations').then(({ status, data, retryAfter }) => {
          if (gen !== this.generation) return;
          if (status === 429) throw Object.assign(new Error('rate limited'), { status, data, retryAfter });
          if (status !== 201 || !data.id || !data.token) throw new Error(`create failed: ${status}`);
          this.conv = { id: data.id, token: data.token, lastSeq: 0 };
          this.historyLoaded = true;
          this.saveConv();
          this.connectSocket();
          this.updatePolling();
        }).finally(() => { if (this.creating === request) this.creating = null; });
        this.creating = request;
      }
      return this.creating;
    }

    /** The server no longer knows our conversation (expired or removed): start over. */
    conversationLost() {
      this.closeSocket();
      this.conv = null;
      this.historyLoaded = true;
      this.saveConv();
      this.resetScreen();
      for (const item of this.queue) { delete item.seq; delete item.after; }
      this.saveQueue();
      for (const node of this.list.querySelectorAll('[data-pending]')) {
        delete node.dataset.seq;
        node.dataset.order = 'Infinity';
      }
      this.insertOrdered(el('p', { class: 'note', 'data-testid': 'notice', 'data-order': '0' },
        'Je vorige gesprek is niet meer beschikbaar. Je praat nu in een nieuw gesprek.'));
    }

    /** Fetch messages we have not seen (all of them after a reload). */
    async poll() {
      if (!this.conv || this.polling) return;
      this.polling = true;
      const gen = this.generation;
      try {
        const after = this.historyLoaded ? this.conv.lastSeq || 0 : 0;
        const { status, data } = await this.api('GET', `/messages?after=${after}`);
        if (gen !== this.generation) return;
        if (status === 200) {
          this.historyLoaded = true;
          this.handleMessages(data.messages || [], true);
          if (!this.queue.length) this.clearStatus('offline');
        } else if (status === 404 || status === 401) {
          this.conversationLost();
        }
      } catch (e) {
        if (gen === this.generation) this.setOffline();
      } finally {
        if (gen === this.generation) this.polling = false;
      }
    }

    updatePolling() {
      const wanted = !this.panel.hidden && this.conv && !this.wsOpen;
      if (wanted && !this.pollTimer) this.pollTimer = setInterval(() => this.poll(), POLL_MS);
      if (!wanted && this.pollTimer) { clearInterval(this.pollTimer); this.pollTimer = 0; }
    }

    /* The WebSocket pushes clerk and bot messages. Browsers cannot send an Authorization
       header on a WebSocket, so the token goes in the first message, not in the URL (logs). */
    connectSocket() {
      if (!this.conv || this.ws || typeof WebSocket !== 'function') return;
      clearTimeout(this.wsTimer);
      const url = `${this.baseUrl.replace(/^http/, 'ws')}/api/conversations/${encodeURIComponent(this.conv.id)}/ws`;
      let sock;
      try { sock = new WebSocket(url); } catch (e) { this.scheduleSocket(); return; }
      this.ws = sock;
      sock.onopen = () => {
        if (this.ws !== sock) return;
        sock.send(JSON.stringify({ type: 'auth', token: this.conv.token }));
        this.wsOpen = true;
        this.wsDelay = 1000;
        this.updatePolling();
        this.poll(); // catch up on anything sent while we were not connected
      };
      sock.onmessage = (event) => {
        if (this.ws !== sock) return;
        let data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data && data.type === 'message' && data.message) this.handleMessages([data.message]);
      };
      sock.onclose = () => { // also follows every error
        if (this.ws !== sock) return;
        this.ws = null;
        this.wsOpen = false;
        this.updatePolling();
        this.scheduleSocket();
      };
    }

    scheduleSocket() {
      clearTimeout(this.wsTimer);
      this.wsTimer = setTimeout(() => this.connectSocket(), this.wsDelay);
      this.wsDelay = Math.min(this.wsDelay * 2, MAX_BACKOFF_MS);
    }

    closeSocket() {
      clearTimeout(this.wsTimer);
      const sock = this.ws;
      this.ws = null;
      this.wsOpen = false;
      this.wsDelay = 1000;
      if (sock) { try { sock.close(); } catch (e) { /* already closed */ } }
    }

    /* ---------- rendering ---------- */

    /**
     * Show server messages in seq order, each once. `complete` is true for a GET ?after=N answer,
     * which holds every message after N; other sources (POST answers, the socket) may skip some.
     */
    handleMessages(messages, complete = false) {
      const fresh = messages.filter((m) => m && Number.isInteger(m.seq) && !this.seen.has(m.seq))
        .sort((a, b) => a.seq - b.seq);
      for (const m of fresh) {
        if (this.seen.has(m.seq)) continue;
        if (m.sender === 'citizen') {
          // Our own message, already on screen but without a seq (answer lost, or a reload)?
          const mine = [...this.list.querySelectorAll('[data-unseq]')].find((node) =>
            m.seq > (node.balieItem.after || 0) && isStoredVersion(m, node.balieItem));
          if (mine) { this.setSeq(mine, m.seq); continue; }
        }
        this.seen.add(m.seq);
        this.renderServerMessage(m);
      }
      if (this.conv) {
        let last = this.conv.lastSeq || 0;
        if (complete) last = Math.max(last, ...messages.map((m) => m.seq).filter(Number.isInteger));
        // Otherwise advance only over consecutive seqs: a skipped message is fetched by the next poll.
        while (this.seen.has(last + 1)) last += 1;
        if (last !== this.conv.lastSeq) { this.conv.lastSeq = last; this.saveConv(); }
      }
      if (fresh.length) this.scrollToEnd();
    }

    renderServerMessage(m) {
      const sender = SENDERS.includes(m.sender) ? m.sender : 'system';
      let text = typeof m.text === 'string' ? m.text : '';
      if (sender === 'citizen' && text.startsWith('/')) text = this.payloadTitles.get(text) || text;
      if (sender === 'clerk' && (m.clerk_name || '') !== this.lastClerk) {
        this.lastClerk = m.clerk_name || '';
        const line = `Je praat nu met ${m.clerk_name || 'een medewerker'} van de gemeente`;
        // The header shows who answers; the conversation itself already has the service's
        // "Je praat nu met ..." message (stored, so it is in the transcript too).
        this.agentEl.textContent = line;
      }
      const node = this.buildMessage(sender, text, m.created_at, m.clerk_name);
      node.dataset.seq = m.seq;
      node.dataset.order = m.seq;
      const buttons = Array.isArray(m.buttons) ? m.buttons.filter((b) => b && b.title && b.payload) : [];
      if (buttons.length && sender !== 'citizen') {
        const group = el('div', { class: 'replies', role: 'group', 'aria-label': 'Kies een antwoord' });
        for (const b of buttons) {
          this.payloadTitles.set(String(b.payload), String(b.title));
          const btn = el('button', { type: 'button', 'data-testid': 'quick-reply' }, String(b.title));
          btn.addEventListener('click', () => {
            btn.setAttribute('aria-pressed', 'true');
            this.enqueue({ payload: String(b.payload), title: String(b.title) });
            this.input.focus(); // the pressed button is disabled now: keep the keyboard user's place
          });
          group.append(btn);
        }
        node.append(group);
      }
      this.insertOrdered(node);
      if (m.csat === true && sender !== 'citizen') this.offerCsat();
    }

    buildMessage(sender, text, time, clerkName) {
      const who = {
        bot: 'Balie', citizen: 'Jij', system: 'Mededeling',
        clerk: clerkName ? `${clerkName} (medewerker)` : 'Medewerker',
      }[sender];
      const node = el('div', { class: `msg msg--${sender}`, 'data-testid': 'message', 'data-sender': sender },
        el('p', { class: sender === 'citizen' ? 'sr-only' : 'msg__who' }, who));
      if (text) {
        // The citizen's own text is shown exactly as typed; only other senders get links.
        node.append(el('p', { class: 'msg__text' }, sender === 'citizen' ? text : linkify(text)));
      }
      const iso = new Date(time || Date.now());
      node.append(el('p', { class: 'msg__meta' },
        el('time', { datetime: isNaN(iso) ? '' : iso.toISOString() }, formatTime(time))));
      return node;
    }

    /** An own message that the server has not answered yet. */
    renderPending(item) {
      const node = this.buildMessage('citizen', item.title || item.text, item.at);
      node.dataset.pending = item.client_id;
      node.balieItem = item; // to recognise its stored copy later
      node.dataset.order = item.seq || 'Infinity';
      if (item.seq) { node.dataset.seq = item.seq; this.seen.add(item.seq); }
      else if (item.attempts) node.dataset.unseq = '1'; // may be stored already: adopt it from history
      node.querySelector('.msg__meta').append(el('span', { 'data-testid': 'pending' }, ' · wordt verstuurd…'));
      this.insertOrdered(node);
    }

    pendingNode(item) {
      return [...this.list.querySelectorAll('[data-pending]')].find((n) => n.dataset.pending === item.client_id);
    }

    /** Give an own message its server seq and put it in its place. */
    setSeq(node, seq) {
      if (!node) return;
      node.dataset.seq = seq;
      node.dataset.order = seq;
      delete node.dataset.unseq;
      this.seen.add(seq);
      const item = this.queue.find((q) => q.client_id === node.dataset.pending);
      if (item) { item.seq = seq; this.saveQueue(); }
      this.insertOrdered(node);
    }

    markSent(item, seq) {
      const node = this.pendingNode(item);
      if (!node) return;
      if (Number.isInteger(seq)) this.setSeq(node, seq);
      delete node.dataset.pending;
      const flag = node.querySelector('[data-testid="pending"]');
      if (flag) flag.remove();
    }

    markFailed(item) {
      const node = this.pendingNode(item);
      if (!node) return;
      delete node.dataset.pending;
      delete node.dataset.unseq;
      node.classList.add('msg--failed');
      const flag = node.querySelector('[data-testid="pending"]');
      if (flag) flag.textContent = ' · niet verstuurd';
    }

    /** Insert (or move) a node so data-order stays ascending. */
    insertOrdered(node) {
      this.placeOrdered(node);
      this.retireOldReplies();
    }

    placeOrdered(node) {
      const order = Number(node.dataset.order);
      for (const child of this.list.children) {
        if (child !== node && Number(child.dataset.order) > order) {
          if (node.nextElementSibling !== child) this.list.insertBefore(node, child);
          return;
        }
      }
      if (this.list.lastElementChild !== node) this.list.append(node);
    }

    /**
     * Quick replies above the citizen's latest message answer a question that is over: the
     * server refuses them (the button contract), so they are disabled, and their group says so
     * to screen readers. A pending message counts as latest (its order is Infinity).
     */
    retireOldReplies() {
      const orders = [...this.list.querySelectorAll('[data-sender="citizen"]')].map((n) => Number(n.dataset.order));
      if (!orders.length) return;
      const latest = Math.max(...orders);
      for (const group of this.list.querySelectorAll('.replies:not([data-retired])')) {
        const owner = group.closest('[data-order]');
        if (!owner || !(Number(owner.dataset.order) < latest)) continue;
        group.dataset.retired = '1';
        group.setAttribute('aria-label', 'Eerdere keuzes, niet meer te kiezen');
        for (const button of group.querySelectorAll('button')) button.disabled = true;
      }
    }

    renderWelcome() {
      if (this.list.querySelector('[data-testid="welcome"]')) return;
      const privacy = el('p', {},
        'We bewaren de chat tot 30 dagen na je laatste bericht (voorbeeldtermijn). Deel geen BSN of rekeningnummer in de chat. ',
        'Lees meer in onze ', el('a', { href: this.privacyUrl }, 'privacyverklaring'), '.');
      this.list.prepend(el('div', { class: 'welcome', 'data-testid': 'welcome', 'data-order': '-1' },
        el('p', {}, el('strong', {}, `Hoi! Ik ben Balie, de digitale assistent van ${this.municipality}.`)),
        el('p', {}, 'Je kunt mij vragen stellen over de gemeente. Je kunt hier ook een melding of klacht doorgeven.'),
        el('p', {}, 'Wil je liever een mens spreken? Vraag dan naar een medewerker.'),
        privacy));
    }

    scrollToEnd() {
      this.list.scrollTop = this.list.scrollHeight;
    }

    /* ---------- "Heeft dit je geholpen?" (KTO) ----------
     * When: the server marks a reply `csat: true` when a conversation reaches a natural end (Balie
     * named a department or organisation, a case was confirmed, or a clerk closed the chat; never
     * after a safety answer). Then one line appears under the messages: "Klaar? Laat weten of dit
     * hielp". It never opens by itself, takes no focus and blocks nothing: the citizen can go on
     * chatting. The form opens on a click; one answer per conversation (the server says 409 to a
     * second); "Niet nu" folds it up again. */

    buildCsat(part) {
      [this.csatBox, this.csatInvite, this.csatOpen, this.csatForm, this.csatComment, this.csatHint,
        this.csatError, this.csatSend, this.csatThanks] = ['csat', 'csat-invite', 'csat-open', 'csat-form',
        'csat-comment', 'csat-hint', 'csat-error', 'csat-send', 'csat-thanks'].map(part);
      const scale = part('csat-scale');
      for (const [value, words] of CSAT_SCALE) {
        const input = el('input', { type: 'radio', name: 'balie-csat-score', value: String(value),
          'data-testid': `csat-score-${value}` });
        scale.append(el('label', { class: 'csat__option' }, input, `${value} – ${words}`));
      }
      this.csatHint.textContent = `Maximaal ${MAX_CSAT_COMMENT} tekens.`;
      this.csatOpen.addEventListener('click', () => this.openCsat());
      part('csat-later').addEventListener('click', () => this.foldCsat(true));
      this.csatForm.addEventListener('submit', (e) => { e.preventDefault(); this.sendCsat(); });
      this.csatForm.addEventListener('change', () => this.showCsatError(''));
      this.csatComment.addEventListener('input', () => this.updateCsatCounter());
    }

    csatDone() {
      return Boolean(this.conv && this.load(':csat', null) === this.conv.id);
    }

    offerCsat() {
      if (!this.conv || this.csatDone() || !this.csatBox.hidden) return;
      this.csatThanks.textContent = '';
      this.csatInvite.hidden = false;
      this.csatForm.hidden = true;
      this.csatOpen.setAttribute('aria-expanded', 'false');
      this.csatBox.hidden = false;
    }

    openCsat() {
      this.csatInvite.hidden = true;
      this.csatOpen.setAttribute('aria-expanded', 'true');
      this.csatForm.hidden = false;
      const first = this.csatForm.querySelector('input[type="radio"]:checked')
        || this.csatForm.querySelector('input[type="radio"]');
      first.focus();
    }

    /** Back to the one-line invitation ("Niet nu"). */
    foldCsat(focus) {
      this.csatForm.hidden = true;
      this.csatInvite.hidden = false;
      this.csatOpen.setAttribute('aria-expanded', 'false');
      if (focus) this.csatOpen.focus();
    }

    resetCsat() {
      if (!this.csatBox) return;
      this.csatBox.hidden = true;
      this.csatForm.reset();
      this.csatThanks.textContent = '';
      this.showCsatError('');
      this.updateCsatCounter();
      this.csatSending = false;
    }

    updateCsatCounter() {
      const n = this.csatComment.value.length;
      const over = n > MAX_CSAT_COMMENT;
      this.csatHint.textContent = over
        ? `Je toelichting is te lang: ${n} van ${MAX_CSAT_COMMENT} tekens. Maak hem korter.`
        : (n ? `${n} van ${MAX_CSAT_COMMENT} tekens` : `Maximaal ${MAX_CSAT_COMMENT} tekens.`);
      this.csatComment.setAttribute('aria-invalid', String(over));
    }

    showCsatError(text) {
      this.csatError.textContent = text;
      this.csatError.hidden = !text;
    }

    /** One click on "Verstuur": the score (required) and the comment (optional). */
    async sendCsat() {
      if (this.csatSending || !this.conv) return;
      const chosen = this.csatForm.querySelector('input[type="radio"]:checked');
      if (!chosen) {
        this.showCsatError('Kies eerst een cijfer van 1 tot en met 5.');
        this.csatForm.querySelector('input[type="radio"]').focus();
        return;
      }
      const comment = this.csatComment.value.trim();
      if (comment.length > MAX_CSAT_COMMENT) {
        this.showCsatError(`Je toelichting is te lang. Gebruik maximaal ${MAX_CSAT_COMMENT} tekens.`);
        this.csatComment.focus();
        return;
      }
      this.csatSending = true;
      this.csatSend.disabled = true;
      const gen = this.generation;
      let res;
      try {
        res = await this.api('POST', '/csat', comment ? { score: Number(chosen.value), comment } : { score: Number(chosen.value) });
      } catch (e) {
        res = null;
      } finally {
        this.csatSending = false;
        this.csatSend.disabled = false;
      }
      if (gen !== this.generation) return;
      if (res && (res.status === 201 || res.status === 409)) {
        this.save(':csat', this.conv.id);
        this.csatForm.hidden = true;
        this.csatInvite.hidden = true;
        this.csatThanks.textContent = res.status === 201
          ? 'Bedankt! Je antwoord helpt ons Balie beter te maken.'
          : (res.data.message || 'Je hebt dit al laten weten. Bedankt!');
        this.input.focus(); // the form is gone: keep the keyboard user's place in the chat
        return;
      }
      this.showCsatError((res && res.data && res.data.message) || 'Versturen lukte niet. Probeer het zo opnieuw.');
    }

    /* ---------- status line (role="status": read out by screen readers) ---------- */

    setStatus(text, kind) {
      this.statusKind = kind;
      if (this.statusEl.textContent !== text) this.statusEl.textContent = text;
    }

    clearStatus(...kinds) {
      if (kinds.includes(this.statusKind)) this.setStatus('', '');
    }

    setOffline() {
      const waiting = this.queue.length ? ' Je bericht wordt verstuurd zodra er weer verbinding is.' : '';
      this.setStatus(`Geen verbinding. We proberen het opnieuw…${waiting}`, 'offline');
    }
  }

  if (!customElements.get('balie-chat')) customElements.define('balie-chat', BalieChat);

  /** Loaded with a plain script tag: create the element, configured by the tag's data-* attributes. */
  function autoCreate() {
    if (!SCRIPT || document.querySelector('balie-chat')) return;
    const chat = document.createElement('balie-chat');
    const attrs = {
      balieUrl: 'balie-url', municipality: 'municipality', privacyUrl: 'privacy-url',
      primaryColor: 'primary-color', primaryTextColor: 'primary-text-color', fontFamily: 'font-family',
    };
    for (const [key, attr] of Object.entries(attrs)) {
      if (SCRIPT.dataset[key]) chat.setAttribute(attr, SCRIPT.dataset[key]);
    }
    document.body.append(chat);
  }

  if (document.body) autoCreate();
  else document.addEventListener('DOMContentLoaded', autoCreate);
})();
