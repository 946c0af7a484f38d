/*
 * Balie clerk console (KCC): queue, conversations, cases. No framework, no build step.
 *
 * Talks to the bot service's clerk API (docs/api.md): /api/desk/... with the session cookie
 * set by POST /api/desk/login, and the live socket /api/desk/ws (queue and message events).
 * When the socket is down the console polls every 5 s and reconnects with backoff; after a
 * reconnect it fetches the lists again, so nothing is lost when the bot service restarts.
 *
 * Text from the server is only ever put in the DOM as text nodes (textContent), never as HTML.
 *
 * Pages and roles (issue 13). Every page is an element in <main> (index.html) with
 *   data-page="<name>"            its name, also the URL hash: /desk#<name>
 *   data-title="<label>"          its link in the navigation (Dutch)
 *   data-roles="<role> <role>"    who sees it: medewerker, beheerder and/or teamleider
 *   hidden                        every page starts hidden
 * After login this file builds the navigation from those elements, for the clerk's role only,
 * and shows one page at a time. The navigation follows the order of the pages in <main>.
 * A page with its own script (review.js, canned.js, stats.js: loaded with `defer` after this
 * file) registers itself:
 *   window.BalieDesk.registerPage('<name>', { show(desk) {...}, hide() {...} });
 * show(desk) runs each time the page is opened, hide() when it is left or the clerk logs out.
 * `desk` has api(method, path, body) → {status, data}, el(tag, attrs, ...children),
 * setStatus(text, kind), errorText(status, data, fallback) and clerk ({id, name, username, role}).
 * The "gesprekken" page (queue and conversations) is this file's own. The server checks the
 * role on every request (403 otherwise): the navigation only hides what a role cannot use.
 * When the conversation on screen changes, a `balie:conversation` event goes to `document`
 * with detail {id, mine} (id null: none open); canned.js fills its picker from it.
 */
(() => {
  'use strict';

  const MAX_REPLY = 2000;        // MAX_CLERK_MESSAGE in bot/desk/api.py
  const MAX_OUTCOME = 2000;      // MAX_OUTCOME in bot/desk/handovers.py
  const MAX_DESCRIPTION = 2000;  // MAX_DETAIL_CHARS in bot/cases/store.py
  const POLL_MS = 5000;
  const HEARTBEAT_MS = 30000;    // any socket message keeps the clerk "available"
  const MAX_BACKOFF_MS = 30000;
  const LONG_WAIT_S = 300;       // waiting longer than this is shown in red (and in words)
  const STORE_OPEN = 'balie-desk:open';
  const TITLE = document.title;

  const REASONS = {
    'asked for a person': 'Vroeg om een medewerker',
    frustration: 'Inwoner is gefrustreerd',
    'bot did not understand twice': 'Balie begreep de vraag twee keer niet',
  };
  const FACT_LABELS = {
    product: 'Product', department: 'Afdeling', slots: 'Al ingevuld', case_number: 'Zaaknummer',
  };
  const SENDER_LABELS = { citizen: 'Inwoner', bot: 'Balie', system: 'Mededeling', clerk: 'Medewerker' };
  const STATUS_LABELS = { waiting: 'wacht op een medewerker', active: 'in gesprek', closed: 'afgesloten' };
  const ROLE_LABELS = { medewerker: 'medewerker', beheerder: 'beheerder', teamleider: 'teamleider' };
  const CHAT_PAGE = 'gesprekken';

  /* ---------- small helpers ---------- */

  const byId = (id) => document.getElementById(id);

  /** Create an element: attributes via setAttribute, string children become text nodes. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value == null) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  const pad = (n) => String(n).padStart(2, '0');
  function mmss(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
  }

  const timeFmt = new Intl.DateTimeFormat('nl-NL', { hour: '2-digit', minute: '2-digit' });
  const dayFmt = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short' });
  const dateFmt = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric' });

  function formatTime(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return '';
    const today = new Date().toDateString() === d.toDateString();
    return today ? timeFmt.format(d) : `${dayFmt.format(d)} ${timeFmt.format(d)}`;
  }

  function formatDate(isoDate) {
    // A due date is a calendar day ("2026-06-12"): noon avoids time-zone surprises.
    const d = new Date(`${isoDate}T12:00:00`);
    return isNaN(d) ? String(isoDate || '') : dateFmt.format(d);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  const queueName = (h) => (h.queue && (h.queue.name || h.queue.id)) || 'Onbekende wachtrij';
  const reasonText = (reason) => REASONS[reason] || reason || 'Geen reden bekend';

  /* ---------- state ---------- */

  const state = {
    clerk: null,              // {id, name, username}
    generation: 0,            // bumped on login/logout: late answers of an old session are ignored
    handovers: new Map(),     // id -> {data, at}: at = performance.now() when data arrived
    eventAt: new Map(),       // id -> performance.now() of the last socket event about it
    loaded: false,            // lists fetched at least once (announce new items only after that)
    unread: new Set(),        // ids of own conversations with a citizen message not yet seen
    departments: [],
    open: null,               // {id, data, seqs: Set, cases: []} of the conversation on screen
    drafts: new Map(),        // id -> reply text not yet sent
    ws: null, wsOpen: false, wsDelay: 1000, wsTimer: 0, heartbeat: 0,
    pollTimer: 0, tickTimer: 0, refreshing: null, sending: false,
    page: null,               // name of the page on screen
  };

  const ui = {};
  const itemNodes = new Map(); // handover id -> <li>

  /* ---------- talking to the bot service ---------- */

  // Whether the clerk used keyboard, mouse or touch since the last heartbeat (see socketReady)
  // and since the last GET (api(): a GET without it is background polling, not activity).
  let inputSinceHeartbeat = false;
  let inputSinceRequest = false;
  for (const type of ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart']) {
    document.addEventListener(type, () => { inputSinceHeartbeat = true; inputSinceRequest = true; },
      { capture: true, passive: true });
  }

  /** Call the API; returns {status, data}. status 0: no connection. A 401 ends the session. */
  async function api(method, path, body) {
    const gen = state.generation;
    const options = { method, credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
    // Polling and refreshes the console does by itself do not reset the idle timeout.
    if (method === 'GET' && !inputSinceRequest) options.headers['X-Balie-Background'] = '1';
    inputSinceRequest = false;
    if (body !== undefined || method !== 'GET') {
      // Always JSON: the server refuses cookie-authenticated POSTs that are not (CSRF guard).
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body === undefined ? {} : body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      return { status: 0, data: {}, stale: gen !== state.generation };
    }
    let data = {};
    try { data = (await response.json()) || {}; } catch (e) { data = {}; }
    const stale = gen !== state.generation;
    if (response.status === 401 && !stale && state.clerk && !path.endsWith('/login')) sessionEnded();
    return { status: response.status, data, stale };
  }

  /** A Dutch explanation of a failed request, for the clerk: the server's own message. */
  function errorText(status, data, fallback) {
    if (status === 0) return 'Geen verbinding met de server. Probeer het zo opnieuw.';
    // Every error of the bot service has a stable "code" and a Dutch "message" (bot/edge/errors.py).
    if (data && typeof data.message === 'string' && data.message && typeof data.code === 'string') return data.message;
    if (status === 413) return 'Dat is te veel tekst in één keer.';
    if (status >= 500) return 'Er ging iets mis op de server. Probeer het zo opnieuw.';
    return fallback || 'Dat lukte niet. Probeer het opnieuw.';
  }

  /* ---------- status line and announcements ---------- */

  function setStatus(text, kind = 'info') {
    ui.status.className = `status status--${kind}`;
    if (ui.status.textContent !== text) ui.status.textContent = text;
  }

  function clearStatus() { setStatus('', 'info'); }

  let announceTimer = 0;
  /** Read a short text out to screen readers (new queue items, messages in other conversations). */
  function announce(text) {
    clearTimeout(announceTimer);
    ui.announcer.textContent = '';
    announceTimer = setTimeout(() => { ui.announcer.textContent = text; }, 100);
  }

  function showError(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  /* ---------- pages and navigation (see the comment at the top) ---------- */

  const pageHandlers = new Map(); // page name -> {show(desk), hide()}

  const deskContext = {
    api, el, setStatus, clearStatus, errorText,
    get clerk() { return state.clerk; },
  };

  window.BalieDesk = Object.freeze({
    /** The same helpers show() gets, for scripts that work inside another page (canned.js's picker). */
    context: deskContext,
    /** A page script hands over its show/hide functions (see the comment at the top). */
    registerPage(name, handlers) {
      pageHandlers.set(String(name), handlers || {});
      if (state.page === name && handlers && typeof handlers.show === 'function') handlers.show(deskContext);
    },
  });

  const allPages = () => Array.from(document.querySelectorAll('main [data-page]'));

  function allowedPages() {
    const role = state.clerk && state.clerk.role;
    return allPages().filter((page) => (page.dataset.roles || '').split(/\s+/).includes(role));
  }

  const canChat = () => allowedPages().some((page) => page.dataset.page === CHAT_PAGE);
  const currentPageElement = () => allowedPages().find((page) => page.dataset.page === state.page) || null;

  function pageFromHash() {
    let name = '';
    try { name = decodeURIComponent(location.hash.replace(/^#/, '')); } catch (e) { name = ''; }
    return allowedPages().some((page) => page.dataset.page === name) ? name : null;
  }

  function buildNavigation() {
    ui.pagesList.replaceChildren(...allowedPages().map((page) => {
      const link = el('a', { href: `#${page.dataset.page}`, class: 'pages__link',
        'data-testid': `nav-${page.dataset.page}`, 'data-page-link': page.dataset.page },
      page.dataset.title || page.dataset.page);
      return el('li', {}, link);
    }));
    ui.pagesNav.hidden = false;
  }

  function runHandler(name, what) {
    const handler = pageHandlers.get(name);
    if (!handler || typeof handler[what] !== 'function') return;
    try { handler[what](deskContext); } catch (e) { setStatus('Deze pagina kon niet worden geladen. Probeer het opnieuw.', 'error'); }
  }

  /** Show one of the clerk's pages (another name: their first page); hide the others. */
  function showPage(name, { focus = true } = {}) {
    if (!state.clerk) return;
    const pages = allowedPages();
    const page = pages.find((p) => p.dataset.page === name) || pages[0];
    if (!page) return;
    const target = page.dataset.page;
    if (state.page && state.page !== target) runHandler(state.page, 'hide');
    const changed = state.page !== target;
    state.page = target;
    for (const other of allPages()) other.hidden = other !== page;
    for (const link of ui.pagesList.querySelectorAll('[data-page-link]')) {
      if (link.dataset.pageLink === target) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (location.hash !== `#${target}`) {
      try { history.replaceState(null, '', `#${target}`); } catch (e) { /* file:// or sandboxed: no hash */ }
    }
    if (changed) runHandler(target, 'show');
    if (focus) {
      const heading = target === CHAT_PAGE ? ui.queueTitle : page.querySelector('h2[tabindex="-1"]');
      if (heading) heading.focus();
    }
  }

  function hidePages() {
    if (state.page) runHandler(state.page, 'hide');
    state.page = null;
    for (const page of allPages()) page.hidden = true;
    ui.pagesNav.hidden = true;
    ui.pagesList.replaceChildren();
  }

  function notifyConversation(id, mine) {
    document.dispatchEvent(new CustomEvent('balie:conversation', { detail: { id, mine: Boolean(mine) } }));
  }

  /* ---------- login and logout ---------- */

  async function checkSession() {
    const gen = state.generation;
    const { status, data } = await api('GET', '/api/desk/me');
    if (gen !== state.generation) return;
    if (status === 200 && data && data.id != null) {
      startDesk({ id: data.id, name: data.name, username: data.username, role: data.role });
    } else if (status === 0 || status >= 500) {
      setStatus('De server is niet bereikbaar. We proberen het opnieuw…', 'error');
      setTimeout(() => { if (gen === state.generation && !state.clerk) checkSession(); }, POLL_MS);
    } else {
      showLogin();
    }
  }

  function showLogin(message) {
    hidePages();
    ui.logout.hidden = true;
    ui.whoami.hidden = true;
    ui.connection.hidden = true;
    ui.loginView.hidden = false;
    ui.loginPassword.value = '';
    showError(ui.loginError, message || '');
    document.title = `Inloggen – ${TITLE}`;
    ui.loginUsername.focus();
  }

  async function submitLogin(event) {
    event.preventDefault();
    const username = ui.loginUsername.value.trim();
    const password = ui.loginPassword.value;
    if (!username || !password) {
      showError(ui.loginError, 'Vul je gebruikersnaam en je wachtwoord in.');
      (username ? ui.loginPassword : ui.loginUsername).focus();
      return;
    }
    ui.loginSubmit.disabled = true;
    showError(ui.loginError, '');
    const { status, data } = await api('POST', '/api/desk/login', { username, password });
    ui.loginSubmit.disabled = false;
    if (status === 200 && data.clerk) {
      clearStatus();
      startDesk({ id: data.clerk.id, name: data.clerk.name, username, role: data.clerk.role });
      return;
    }
    const message = status === 401
      ? (data.message || 'Gebruikersnaam of wachtwoord klopt niet.')
      : errorText(status, data, 'Inloggen lukte niet.');
    showError(ui.loginError, message);
    ui.loginPassword.value = '';
    ui.loginPassword.focus();
  }

  async function logout() {
    ui.logout.disabled = true;
    await api('POST', '/api/desk/logout');
    ui.logout.disabled = false;
    stopDesk();
    showLogin();
    setStatus('Je bent uitgelogd.', 'info');
  }

  /** The session expired or was ended elsewhere: back to the login form. */
  function sessionEnded() {
    if (!state.clerk) return;
    stopDesk();
    showLogin('Je bent niet meer ingelogd. Log opnieuw in.');
  }

  function startDesk(clerk) {
    state.generation += 1;
    state.clerk = clerk;
    ui.loginView.hidden = true;
    ui.whoami.textContent = `Ingelogd als ${clerk.name || clerk.username}${ROLE_LABELS[clerk.role] ? ` (${ROLE_LABELS[clerk.role]})` : ''}`;
    ui.whoami.hidden = false;
    ui.logout.hidden = false;
    buildNavigation();
    const first = allowedPages()[0];
    showPage(pageFromHash() || (first && first.dataset.page), { focus: false });
    // The queue, its socket and its polling are for the role that chats with citizens only.
    if (!canChat()) {
      const page = currentPageElement();
      const heading = page && page.querySelector('h2[tabindex="-1"]');
      if (heading) heading.focus();
      return;
    }
    ui.connection.hidden = false;
    setConnection(false, true);
    updateTitle();
    loadDepartments();
    const gen = state.generation;
    refresh().then(() => {
      if (gen !== state.generation) return;
      // After a reload: open the conversation that was open, if this clerk still holds it.
      let id = null;
      try { id = Number(sessionStorage.getItem(STORE_OPEN)) || null; } catch (e) { id = null; }
      const entry = id && state.handovers.get(id);
      if (entry && isMine(entry.data) && !state.open) openConversation(id, { focus: false });
      else if (!state.open) ui.queueTitle.focus();
    });
    connectSocket();
    state.tickTimer = setInterval(tick, 1000);
    updatePolling();
  }

  function stopDesk() {
    state.generation += 1;
    hidePages();
    state.clerk = null;
    closeSocket();
    clearInterval(state.pollTimer);
    clearInterval(state.tickTimer);
    state.pollTimer = 0;
    state.tickTimer = 0;
    state.handovers.clear();
    state.eventAt.clear();
    state.unread.clear();
    state.drafts.clear();
    state.loaded = false;
    state.refreshing = null;
    for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
    closeConversationView({ forget: false, focus: false });
    itemNodes.clear();
    ui.waitingList.replaceChildren();
    ui.activeList.replaceChildren();
    renderQueue();
    document.title = TITLE;
  }

  /* ---------- the live socket ---------- */

  function setConnection(live, connecting = false) {
    ui.connection.classList.toggle('connection--down', !live && !connecting);
    ui.connection.textContent = live ? 'Live verbonden'
      : connecting ? 'Verbinden…'
        : 'Geen live verbinding. De lijst wordt elke 5 seconden ververst.';
  }

  function connectSocket() {
    if (state.ws || !state.clerk || typeof WebSocket !== 'function') return;
    clearTimeout(state.wsTimer);
    const gen = state.generation;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/desk/ws`;
    let sock;
    try { sock = new WebSocket(url); } catch (e) { setConnection(false); scheduleSocket(); return; }
    state.ws = sock;
    sock.onmessage = (event) => {
      if (state.ws !== sock || gen !== state.generation) return;
      let data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!data || typeof data !== 'object') return;
      if (data.type === 'hello') socketReady(sock);
      else if (data.type === 'queue' && data.handover) onQueueEvent(data.handover);
      else if (data.type === 'message' && data.message) onMessageEvent(Number(data.handover_id), data.message);
      else if (data.type === 'error') checkStillLoggedIn();
    };
    sock.onclose = () => { // also follows every error
      if (state.ws !== sock) return;
      state.ws = null;
      state.wsOpen = false;
      clearInterval(state.heartbeat);
      state.heartbeat = 0;
      if (gen !== state.generation || !state.clerk) return;
      setConnection(false);
      updatePolling();
      scheduleSocket();
    };
  }

  function socketReady(sock) {
    state.wsOpen = true;
    state.wsDelay = 1000;
    setConnection(true);
    updatePolling();
    clearInterval(state.heartbeat);
    state.heartbeat = setInterval(() => {
      if (state.ws === sock && sock.readyState === WebSocket.OPEN) {
        // Every heartbeat keeps the clerk "available"; only one with active: true (the clerk
        // typed, clicked, moved the mouse or touched since the last one) keeps the session
        // from its idle timeout (BALIE_SESSION_IDLE_MINUTES).
        const active = inputSinceHeartbeat;
        inputSinceHeartbeat = false;
        try { sock.send(JSON.stringify({ type: 'heartbeat', active })); } catch (e) { /* the close handler reconnects */ }
      }
    }, HEARTBEAT_MS);
    // Catch up on everything that happened while we were not connected.
    refresh();
  }

  function scheduleSocket() {
    clearTimeout(state.wsTimer);
    // Backoff with some jitter, so consoles do not all reconnect at the same moment.
    const delay = state.wsDelay * (0.75 + Math.random() * 0.5);
    state.wsTimer = setTimeout(connectSocket, delay);
    state.wsDelay = Math.min(state.wsDelay * 2, MAX_BACKOFF_MS);
  }

  function closeSocket() {
    clearTimeout(state.wsTimer);
    clearInterval(state.heartbeat);
    state.heartbeat = 0;
    const sock = state.ws;
    state.ws = null;
    state.wsOpen = false;
    state.wsDelay = 1000;
    if (sock) { try { sock.close(); } catch (e) { /* already closed */ } }
  }

  async function checkStillLoggedIn() {
    const { status } = await api('GET', '/api/desk/me'); // a 401 ends the session in api()
    return status === 200;
  }

  /** Poll every 5 s while the socket is down. */
  function updatePolling() {
    const wanted = Boolean(state.clerk) && !state.wsOpen;
    if (wanted && !state.pollTimer) state.pollTimer = setInterval(refresh, POLL_MS);
    if (!wanted && state.pollTimer) { clearInterval(state.pollTimer); state.pollTimer = 0; }
  }

  /* ---------- queue data ---------- */

  /** Fetch waiting and active handovers (and the open conversation). Concurrent calls share one run. */
  function refresh() {
    if (!state.clerk) return Promise.resolve();
    if (!state.refreshing) {
      const run = doRefresh().finally(() => { if (state.refreshing === run) state.refreshing = null; });
      state.refreshing = run;
    }
    return state.refreshing;
  }

  async function doRefresh() {
    const gen = state.generation;
    const started = performance.now();
    const [waiting, active] = await Promise.all([
      api('GET', '/api/desk/handovers?status=waiting'),
      api('GET', '/api/desk/handovers?status=active'),
    ]);
    if (gen !== state.generation) return;
    if (waiting.status !== 200 || active.status !== 200) {
      if (waiting.status === 0 || active.status === 0) setConnection(false);
      return;
    }
    const fetched = new Map();
    for (const h of [...(waiting.data.handovers || []), ...(active.data.handovers || [])]) fetched.set(h.id, h);
    const announceNew = state.loaded;
    const fresh = [];
    for (const [id, h] of fetched) {
      // A socket event newer than this request knows better.
      if ((state.eventAt.get(id) || 0) > started) continue;
      if (announceNew && h.status === 'waiting' && !state.handovers.has(id)) fresh.push(h);
      store(h);
    }
    for (const id of [...state.handovers.keys()]) {
      if (!fetched.has(id) && (state.eventAt.get(id) || 0) <= started) {
        state.handovers.delete(id);
        state.unread.delete(id);
      }
    }
    state.loaded = true;
    renderQueue();
    if (fresh.length) announceNewItems(fresh);
    if (state.open) loadConversation(state.open.id);
  }

  function store(h) {
    if (h.status === 'closed') {
      state.handovers.delete(h.id);
      state.unread.delete(h.id);
      return;
    }
    const previous = state.handovers.get(h.id);
    const entry = { data: h, at: performance.now(), base: h.waiting_seconds };
    if (previous && previous.data.status === 'waiting' && h.status === 'waiting' && Number.isFinite(h.waiting_seconds)) {
      // The server rounds down: do not let the clock on screen jump back a second at every refresh.
      const shown = waitingSeconds(previous);
      if (shown > h.waiting_seconds && shown - h.waiting_seconds < 2) entry.base = shown;
    }
    state.handovers.set(h.id, entry);
  }

  function isMine(h) {
    return Boolean(h && h.status === 'active' && h.clerk && state.clerk && h.clerk.id === state.clerk.id);
  }

  function onQueueEvent(h) {
    if (!h || h.id == null) return;
    const known = state.handovers.get(h.id);
    const wasWaiting = known && known.data.status === 'waiting';
    state.eventAt.set(h.id, performance.now());
    store(h);
    renderQueue();
    if (h.status === 'waiting' && !wasWaiting) announceNewItems([h]);
    if (state.open && state.open.id === h.id) {
      state.open.data = Object.assign({}, state.open.data, h);
      renderConversationMeta();
      loadConversation(h.id); // system messages (claimed, transferred, closed) come with the transcript
    }
  }

  function onMessageEvent(handoverId, message) {
    if (state.open && state.open.id === handoverId) {
      mergeMessages([message]);
      return;
    }
    const entry = state.handovers.get(handoverId);
    if (entry && isMine(entry.data) && message.sender === 'citizen') {
      state.unread.add(handoverId);
      renderQueue();
      announce(`Nieuw bericht van de inwoner in gesprek ${handoverId} (${queueName(entry.data)}).`);
    }
  }

  function announceNewItems(items) {
    if (items.length === 1) {
      const h = items[0];
      announce(`Nieuw gesprek in de wachtrij: ${queueName(h)}${h.product ? `, ${h.product}` : ''}.`);
    } else {
      announce(`${items.length} nieuwe gesprekken in de wachtrij.`);
    }
  }

  async function loadDepartments() {
    const gen = state.generation;
    const { status, data } = await api('GET', '/api/desk/departments');
    if (gen === state.generation && status === 200) state.departments = data.departments || [];
  }

  /* ---------- queue rendering ---------- */

  function waitingSeconds(entry) {
    const h = entry.data;
    if (Number.isFinite(entry.base)) {
      // The server's count plus the time since: immune to a wrong clock on this computer.
      return h.status === 'waiting' ? entry.base + (performance.now() - entry.at) / 1000 : entry.base;
    }
    const created = Date.parse(h.created_at);
    const end = h.claimed_at ? Date.parse(h.claimed_at) : Date.now();
    return isNaN(created) ? 0 : (end - created) / 1000;
  }

  function renderQueue() {
    const all = [...state.handovers.values()];
    const waiting = all.filter((e) => e.data.status === 'waiting').sort((a, b) => a.data.id - b.data.id);
    const active = all.filter((e) => e.data.status === 'active')
      .sort((a, b) => Number(isMine(b.data)) - Number(isMine(a.data)) || a.data.id - b.data.id);

    // Moving or rebuilding an item loses keyboard focus: remember where it was.
    const focused = document.activeElement;
    const focusItem = focused && focused.closest && focused.closest('.item');
    const focusInfo = focusItem && ui.queue.contains(focusItem)
      ? { id: Number(focusItem.dataset.handoverId), testid: focused.dataset.testid } : null;

    for (const [id, node] of itemNodes) {
      if (!state.handovers.has(id)) { node.remove(); itemNodes.delete(id); }
    }
    place(ui.waitingList, waiting);
    place(ui.activeList, active);

    ui.waitingCount.textContent = String(waiting.length);
    ui.activeCount.textContent = String(active.length);
    ui.waitingEmpty.hidden = waiting.length > 0;
    ui.activeEmpty.hidden = active.length > 0;
    updateTitle(waiting.length);
    tick();

    if (focusInfo && !(document.activeElement && ui.queue.contains(document.activeElement) && document.activeElement !== document.body)) {
      const node = itemNodes.get(focusInfo.id);
      const target = node && (node.querySelector(`[data-testid="${focusInfo.testid}"]`) || node.querySelector('button'));
      if (target) target.focus();
      else (node && node.parentElement === ui.activeList ? ui.activeTitle : ui.waitingTitle).focus();
    }
  }

  function updateTitle(waitingCount) {
    const n = waitingCount != null ? waitingCount
      : [...state.handovers.values()].filter((e) => e.data.status === 'waiting').length;
    document.title = n > 0 ? `(${n}) ${TITLE}` : TITLE;
  }

  function place(list, entries) {
    entries.forEach((entry, index) => {
      const h = entry.data;
      let node = itemNodes.get(h.id);
      if (!node) {
        node = el('li', { 'data-testid': 'queue-item', 'data-handover-id': h.id });
        itemNodes.set(h.id, node);
      }
      // Not the waiting time (tick() updates it): an item is only rebuilt when something else changed,
      // so keyboard and screen-reader users keep their place.
      const signature = JSON.stringify([Object.assign({}, h, { waiting_seconds: null }), state.unread.has(h.id),
        Boolean(state.open && state.open.id === h.id), state.clerk && state.clerk.id]);
      if (node.dataset.signature !== signature) {
        fillItem(node, entry);
        node.dataset.signature = signature;
      }
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
  }

  function fillItem(node, entry) {
    const h = entry.data;
    const mine = isMine(h);
    const isOpen = Boolean(state.open && state.open.id === h.id);
    const titleId = `item-${h.id}-title`;
    node.className = `item item--${h.status}${isOpen ? ' item--open' : ''}`;
    node.dataset.status = h.status;
    if (isOpen) node.setAttribute('aria-current', 'true'); else node.removeAttribute('aria-current');

    const title = el('h4', { class: 'item__title', id: titleId },
      queueName(h), ' ', el('span', { class: 'item__id' }, `gesprek ${h.id}`));
    if (state.unread.has(h.id)) title.append(el('span', { class: 'badge', 'data-testid': 'unread' }, 'nieuw bericht'));

    const wait = el('span', { class: 'wait', 'data-testid': 'wait' }, mmss(waitingSeconds(entry)));
    const meta = h.status === 'waiting'
      ? el('p', { class: 'item__meta' }, 'Wacht al ', wait, el('span', { class: 'wait__long' }, ''))
      : el('p', { class: 'item__meta' },
        mine ? 'In gesprek met jou' : `In gesprek met ${(h.clerk && h.clerk.name) || 'een collega'}`,
        ' · wachtte ', wait);

    node.replaceChildren(
      title,
      meta,
      el('p', { class: 'item__meta' }, el('strong', {}, 'Product: '), h.product || 'geen product herkend'),
      el('p', { class: 'item__meta' }, el('strong', {}, 'Reden: '), reasonText(h.reason)),
      el('p', { class: 'item__summary' }, h.summary || 'Geen samenvatting.'),
    );
    if (h.status === 'waiting') {
      const claim = el('button', { type: 'button', class: 'btn btn--primary', 'data-testid': 'claim',
        'aria-describedby': titleId }, 'Oppakken');
      claim.addEventListener('click', () => claimHandover(h.id, claim));
      node.append(claim);
    } else if (mine && !isOpen) {
      const open = el('button', { type: 'button', class: 'btn', 'data-testid': 'open-conversation',
        'aria-describedby': titleId }, 'Openen');
      open.addEventListener('click', () => openConversation(h.id));
      node.append(open);
    }
  }

  /** Every second: the waiting times. */
  function tick() {
    for (const [id, node] of itemNodes) {
      const entry = state.handovers.get(id);
      if (!entry || entry.data.status !== 'waiting') continue;
      const seconds = waitingSeconds(entry);
      const span = node.querySelector('.wait');
      if (span) {
        const text = mmss(seconds);
        if (span.textContent !== text) span.textContent = text;
        span.classList.toggle('wait--long', seconds >= LONG_WAIT_S);
      }
      const long = node.querySelector('.wait__long');
      if (long) {
        const text = seconds >= LONG_WAIT_S ? ' (lang)' : '';
        if (long.textContent !== text) long.textContent = text;
      }
    }
  }

  /* ---------- claiming ---------- */

  async function claimHandover(id, button) {
    button.disabled = true;
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${id}/claim`);
    if (stale) return;
    if (status === 200) {
      state.eventAt.set(id, performance.now());
      store(data);
      renderQueue();
      setStatus(`Je hebt gesprek ${id} opgepakt. De inwoner ziet nu jouw naam.`, 'success');
      openConversation(id);
      return;
    }
    button.disabled = false;
    if (status === 409) {
      setStatus('Een collega heeft dit gesprek al opgepakt.', 'error');
      ui.waitingTitle.focus();
      refresh();
    } else if (status === 404) {
      setStatus('Dit gesprek bestaat niet meer.', 'error');
      refresh();
    } else if (status !== 401) {
      setStatus(errorText(status, data, 'Oppakken lukte niet.'), 'error');
    }
  }

  /* ---------- the conversation view ---------- */

  function openConversation(id, { focus = true } = {}) {
    if (state.open && state.open.id === id) {
      if (focus) ui.replyInput.focus();
      return;
    }
    saveDraft();
    const entry = state.handovers.get(id);
    state.open = { id, data: entry ? entry.data : { id }, seqs: new Set(), cases: [], loaded: false };
    state.unread.delete(id);
    try { sessionStorage.setItem(STORE_OPEN, String(id)); } catch (e) { /* private mode: no reopen after reload */ }
    ui.transcript.replaceChildren();
    ui.transcript.setAttribute('aria-busy', 'true');
    ui.replyInput.value = state.drafts.get(id) || '';
    showError(ui.replyError, '');
    updateReplyCounter();
    ui.noConversation.hidden = true;
    ui.conversation.hidden = false;
    renderConversationMeta();
    renderQueue();
    const focusTarget = () => (ui.replyInput.disabled ? ui.convTitle : ui.replyInput);
    if (focus) focusTarget().focus();
    loadConversation(id).then(() => {
      // The reply box may only now be enabled; do not take focus from where the clerk went meanwhile.
      const lost = !document.activeElement || document.activeElement === document.body;
      if (focus && lost && state.open && state.open.id === id) focusTarget().focus();
    });
  }

  function saveDraft() {
    if (!state.open) return;
    if (ui.replyInput.value) state.drafts.set(state.open.id, ui.replyInput.value);
    else state.drafts.delete(state.open.id);
  }

  function closeConversationView({ forget = true, focus = true } = {}) {
    if (state.open && forget) state.drafts.delete(state.open.id);
    state.open = null;
    notifyConversation(null, false);
    try { sessionStorage.removeItem(STORE_OPEN); } catch (e) { /* ignore */ }
    ui.conversation.hidden = true;
    ui.noConversation.hidden = false;
    ui.transcript.replaceChildren();
    ui.replyInput.value = '';
    if (state.clerk) renderQueue();
    if (focus) ui.queueTitle.focus();
  }

  /** Transcript, summary, facts and cases of one handover (merged: nothing is drawn twice). */
  async function loadConversation(id) {
    const open = state.open;
    if (!open || open.id !== id) return;
    const { status, data, stale } = await api('GET', `/api/desk/handovers/${id}`);
    if (stale || state.open !== open) return;
    if (status === 200) {
      open.data = data;
      open.cases = Array.isArray(data.cases) ? data.cases : [];
      open.loaded = true;
      renderConversationMeta();
      mergeMessages(Array.isArray(data.transcript) ? data.transcript : []);
      ui.transcript.removeAttribute('aria-busy');
    } else if (status === 404) {
      closeConversationView();
      setStatus('Dit gesprek bestaat niet (meer).', 'error');
    } else if (status !== 401 && !open.loaded) {
      ui.transcript.removeAttribute('aria-busy');
      setStatus(errorText(status, data, 'Het gesprek laden lukte niet.'), 'error');
    }
  }

  function renderConversationMeta() {
    const open = state.open;
    if (!open) return;
    const h = open.data;
    const mine = isMine(h);
    ui.convTitle.textContent = `Gesprek ${h.id}${h.queue ? ` – ${queueName(h)}` : ''}`;

    const parts = [];
    if (h.status) {
      parts.push(h.status === 'active'
        ? (mine ? 'In gesprek met jou' : `In gesprek met ${(h.clerk && h.clerk.name) || 'een collega'}`)
        : `Status: ${STATUS_LABELS[h.status] || h.status}`);
    }
    if ('product' in h) parts.push(`Product: ${h.product || 'geen product herkend'}`);
    if ('reason' in h) parts.push(`Reden: ${reasonText(h.reason)}`);
    if (h.created_at) parts.push(`Aangevraagd om ${formatTime(h.created_at)}`);
    if (Number.isFinite(h.waiting_seconds) && h.claimed_at) parts.push(`wachtte ${mmss(h.waiting_seconds)}`);
    ui.convMeta.textContent = parts.join(' · ');

    let notice = '';
    if (h.status === 'closed') notice = `Dit gesprek is afgesloten.${h.outcome ? ` Uitkomst: ${h.outcome}` : ''}`;
    else if (h.status === 'waiting') notice = `Dit gesprek staat in de wachtrij van ${queueName(h)}. Pak het eerst op.`;
    else if (h.status === 'active' && !mine) notice = `${(h.clerk && h.clerk.name) || 'Een collega'} heeft dit gesprek. Je kunt alleen meelezen.`;
    ui.convNotice.textContent = notice;
    ui.convNotice.hidden = !notice;

    for (const button of [ui.release, ui.close, ui.transfer, ui.caseOpen]) button.disabled = !mine;
    notifyConversation(h.id, mine);
    const wasDisabled = ui.replyInput.disabled;
    ui.replyInput.disabled = !mine;
    if (wasDisabled !== ui.replyInput.disabled) updateReplyCounter();

    ui.convSummary.textContent = h.summary || 'Balie gaf geen samenvatting.';
    renderFacts(h.facts || {});
    renderCases(open.cases);
  }

  function factValue(value) {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const dl = el('dl');
      for (const [key, inner] of Object.entries(value)) {
        dl.append(el('dt', {}, key.replace(/^case_/, '').replace(/_/g, ' ')), el('dd', {}, factValue(inner)));
      }
      return dl;
    }
    if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
    if (typeof value === 'boolean') return value ? 'ja' : 'nee';
    return value == null ? '' : String(value);
  }

  function renderFacts(facts) {
    const entries = Object.entries(facts || {});
    ui.convFacts.replaceChildren(...entries.flatMap(([key, value]) => [
      el('dt', {}, FACT_LABELS[key] || key.replace(/_/g, ' ')),
      el('dd', {}, factValue(value)),
    ]));
    ui.convFacts.hidden = entries.length === 0;
    ui.convFactsEmpty.hidden = entries.length > 0;
  }

  function renderCases(cases) {
    ui.convCases.replaceChildren(...cases.map((c) => el('li', { 'data-testid': 'case', 'data-case-number': c.number },
      el('span', { class: 'case__number' }, c.number), ` – ${c.type_nl || c.type}`,
      el('br'),
      `${c.department ? c.department.name : ''} · ${c.status_nl || c.status} · uiterlijk ${formatDate(c.due_date)}`,
      c.product ? el('br') : null,
      c.product ? `Product: ${c.product}` : null)));
    ui.convCases.hidden = cases.length === 0;
    ui.convCasesEmpty.hidden = cases.length > 0;
  }

  /* ---------- transcript ---------- */

  function mergeMessages(messages) {
    const open = state.open;
    if (!open) return;
    const atEnd = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 40;
    let added = 0;
    for (const m of messages) {
      if (!m || !Number.isInteger(m.seq) || open.seqs.has(m.seq)) continue;
      open.seqs.add(m.seq);
      insertOrdered(buildMessage(m));
      added += 1;
    }
    if (added && (atEnd || !open.scrolled)) {
      ui.transcript.scrollTop = ui.transcript.scrollHeight;
      open.scrolled = true;
    }
  }

  function buildMessage(m) {
    const sender = Object.prototype.hasOwnProperty.call(SENDER_LABELS, m.sender) ? m.sender : 'system';
    let who = SENDER_LABELS[sender];
    if (sender === 'clerk') {
      const name = typeof m.clerk_name === 'string' && m.clerk_name ? m.clerk_name : '';
      who = name ? `${name} (medewerker)` : 'Medewerker';
    }
    const node = el('div', { class: `msg msg--${sender}`, 'data-testid': 'message', 'data-sender': sender,
      'data-seq': m.seq }, el('p', { class: 'msg__who' }, who));
    const text = typeof m.text === 'string' ? m.text : '';
    if (text) node.append(el('p', { class: 'msg__text' }, text));
    const buttons = Array.isArray(m.buttons) ? m.buttons.filter((b) => b && b.title) : [];
    if (buttons.length) {
      node.append(el('p', { class: 'msg__buttons' }, `Knoppen voor de inwoner: ${buttons.map((b) => String(b.title)).join(' | ')}`));
    }
    const when = new Date(m.created_at);
    node.append(el('p', { class: 'msg__meta' },
      el('time', { datetime: isNaN(when) ? null : when.toISOString() }, formatTime(m.created_at))));
    return node;
  }

  function insertOrdered(node) {
    const seq = Number(node.dataset.seq);
    for (const child of ui.transcript.children) {
      if (Number(child.dataset.seq) > seq) { ui.transcript.insertBefore(node, child); return; }
    }
    ui.transcript.append(node);
  }

  /* ---------- replying ---------- */

  function updateCounter(input, counter, max, label) {
    const n = input.value.length;
    const over = n > max;
    counter.textContent = over ? `Te lang: ${n} van ${max} tekens. Maak ${label} korter.` : `${n} van ${max} tekens`;
    counter.classList.toggle('counter--over', over);
    input.setAttribute('aria-invalid', String(over));
    return over;
  }

  function updateReplyCounter() {
    const over = updateCounter(ui.replyInput, ui.replyCounter, MAX_REPLY, 'je bericht');
    ui.replySend.disabled = over || ui.replyInput.disabled || state.sending;
  }

  async function sendReply(event) {
    if (event) event.preventDefault();
    const open = state.open;
    if (!open || state.sending || ui.replyInput.disabled) return;
    const text = ui.replyInput.value;
    if (!text.trim()) { showError(ui.replyError, 'Typ eerst een bericht.'); return; }
    if (text.length > MAX_REPLY) {
      showError(ui.replyError, `Je bericht is te lang. Gebruik maximaal ${MAX_REPLY} tekens.`);
      return;
    }
    showError(ui.replyError, '');
    state.sending = true;
    updateReplyCounter();
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${open.id}/messages`, { text });
    state.sending = false;
    if (stale) return;
    if (status === 201) {
      if (state.open === open) {
        // Keep what was typed meanwhile after the sent text.
        ui.replyInput.value = ui.replyInput.value.startsWith(text) ? ui.replyInput.value.slice(text.length) : ui.replyInput.value;
        mergeMessages([data]);
      } else {
        state.drafts.delete(open.id);
      }
    } else if (state.open === open && status !== 401) {
      showError(ui.replyError, errorText(status, data, 'Versturen lukte niet.'));
      if (status === 409) loadConversation(open.id);
    }
    updateReplyCounter();
    if (state.open === open && !ui.replyInput.disabled) ui.replyInput.focus();
  }

  /* ---------- release, close, transfer ---------- */

  /** After the handover left this clerk: update the queue, close the view, say what happened. */
  function finished(h, text) {
    state.eventAt.set(h.id, performance.now());
    store(h);
    closeConversationView();
    setStatus(text, 'success');
  }

  async function releaseConversation() {
    const open = state.open;
    if (!open) return;
    ui.release.disabled = true;
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${open.id}/release`);
    if (stale || state.open !== open) return;
    if (status === 200) {
      finished(data, `Gesprek ${open.id} is teruggegeven aan Balie. Balie helpt de inwoner weer verder.`);
      return;
    }
    ui.release.disabled = false;
    if (status !== 401) setStatus(errorText(status, data, 'Teruggeven lukte niet.'), 'error');
    if (status === 409) loadConversation(open.id);
  }

  let dialogOpener = null;
  function openDialog(dialog, opener, focusTarget) {
    dialogOpener = opener;
    dialog.showModal();
    (focusTarget || dialog.querySelector('input, select, textarea')).focus();
  }

  function onDialogClose() {
    if (dialogOpener && document.contains(dialogOpener) && !dialogOpener.disabled) dialogOpener.focus();
    else if (state.open) ui.convTitle.focus();
    else if (state.clerk) ui.queueTitle.focus();
    dialogOpener = null;
  }

  function openCloseDialog() {
    if (!state.open) return;
    showError(ui.closeError, '');
    updateCounter(ui.closeOutcome, ui.closeCounter, MAX_OUTCOME, 'de uitkomst');
    openDialog(ui.closeDialog, ui.close, ui.closeOutcome);
  }

  async function submitClose(event) {
    event.preventDefault();
    const open = state.open;
    if (!open) { ui.closeDialog.close(); return; }
    const outcome = ui.closeOutcome.value.trim();
    if (!outcome) {
      showError(ui.closeError, 'Schrijf eerst de uitkomst van het gesprek op.');
      ui.closeOutcome.focus();
      return;
    }
    if (outcome.length > MAX_OUTCOME) {
      showError(ui.closeError, `De uitkomst is te lang. Gebruik maximaal ${MAX_OUTCOME} tekens.`);
      ui.closeOutcome.focus();
      return;
    }
    const confirm = ui.closeForm.querySelector('[data-testid="close-confirm"]');
    confirm.disabled = true;
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${open.id}/close`, { outcome });
    confirm.disabled = false;
    if (stale) return;
    if (status === 200) {
      ui.closeOutcome.value = '';
      dialogOpener = null;
      ui.closeDialog.close();
      if (state.open === open) finished(data, `Gesprek ${open.id} is afgesloten.`);
      return;
    }
    if (status !== 401) showError(ui.closeError, errorText(status, data, 'Afsluiten lukte niet.'));
    if (status === 409) loadConversation(open.id);
  }

  async function openTransferDialog() {
    const open = state.open;
    if (!open) return;
    showError(ui.transferError, '');
    if (!state.departments.length) await loadDepartments();
    if (state.open !== open) return;
    const current = open.data.queue && open.data.queue.id;
    const chosen = ui.transferDepartment.value;
    ui.transferDepartment.replaceChildren(el('option', { value: '' }, 'Kies een afdeling'),
      ...state.departments.map((d) => el('option', { value: d.id },
        d.id === current ? `${d.name} (huidige wachtrij)` : d.name)));
    if (chosen && state.departments.some((d) => d.id === chosen)) ui.transferDepartment.value = chosen;
    if (!state.departments.length) showError(ui.transferError, 'De lijst met afdelingen kon niet worden geladen. Probeer het opnieuw.');
    openDialog(ui.transferDialog, ui.transfer, ui.transferDepartment);
  }

  async function submitTransfer(event) {
    event.preventDefault();
    const open = state.open;
    if (!open) { ui.transferDialog.close(); return; }
    const department = ui.transferDepartment.value;
    if (!department) {
      showError(ui.transferError, 'Kies eerst een afdeling.');
      ui.transferDepartment.focus();
      return;
    }
    const confirm = ui.transferForm.querySelector('[data-testid="transfer-confirm"]');
    confirm.disabled = true;
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${open.id}/transfer`, { department });
    confirm.disabled = false;
    if (stale) return;
    if (status === 200) {
      ui.transferDepartment.value = '';
      dialogOpener = null;
      ui.transferDialog.close();
      if (state.open === open) finished(data, `Gesprek ${open.id} is doorgezet naar ${queueName(data)}.`);
      return;
    }
    if (status !== 401) showError(ui.transferError, errorText(status, data, 'Doorzetten lukte niet.'));
    if (status === 409) loadConversation(open.id);
  }

  /* ---------- cases ---------- */

  let caseClientId = null;

  function openCaseDialog() {
    const open = state.open;
    if (!open) return;
    if (caseClientId === null || ui.caseDialog.dataset.handoverId !== String(open.id)) {
      // A fresh form (and a fresh client_id) per conversation; a retry of the same form reuses it.
      ui.caseForm.reset();
      ui.caseProduct.value = open.data.product || '';
      ui.caseDialog.dataset.handoverId = String(open.id);
      caseClientId = newClientId();
    }
    showError(ui.caseError, '');
    ui.caseResult.hidden = true;
    updateCaseForm();
    openDialog(ui.caseDialog, ui.caseOpen, ui.caseType);
  }

  function updateCaseForm() {
    updateCounter(ui.caseDescription, ui.caseDescriptionCounter, MAX_DESCRIPTION, 'de beschrijving');
    ui.casePhoneOptional.textContent = ui.caseType.value === 'callback' ? '(verplicht bij terugbellen)' : '(niet verplicht)';
  }

  function caseFormChanged() {
    // Something changed: this is a new request, not a retry of the last one.
    caseClientId = newClientId();
    updateCaseForm();
  }

  async function submitCase(event) {
    event.preventDefault();
    const open = state.open;
    if (!open) { ui.caseDialog.close(); return; }
    const type = ui.caseType.value;
    const product = ui.caseProduct.value.trim();
    const description = ui.caseDescription.value.trim();
    const email = ui.caseEmail.value.trim();
    const phone = ui.casePhone.value.trim();
    const problem = !description ? ['Beschrijf kort waar de zaak over gaat.', ui.caseDescription]
      : description.length > MAX_DESCRIPTION ? [`De beschrijving is te lang. Gebruik maximaal ${MAX_DESCRIPTION} tekens.`, ui.caseDescription]
        : type === 'callback' && !phone ? ['Vul een telefoonnummer in: dat is nodig om terug te bellen.', ui.casePhone]
          : null;
    if (problem) {
      showError(ui.caseError, problem[0]);
      ui.caseResult.hidden = true;
      problem[1].focus();
      return;
    }
    const body = { type, details: { description }, client_id: caseClientId };
    if (product) body.product = product;
    if (email) body.email = email;
    if (phone) body.phone = phone;
    const submit = ui.caseForm.querySelector('[data-testid="case-submit"]');
    submit.disabled = true;
    showError(ui.caseError, '');
    const { status, data, stale } = await api('POST', `/api/desk/handovers/${open.id}/cases`, body);
    submit.disabled = false;
    if (stale) return;
    if ((status === 201 || status === 200) && data.number) {
      const department = data.department ? ` bij ${data.department.name}` : '';
      ui.caseResult.textContent = `${status === 201 ? 'Zaak aangemaakt' : 'Deze zaak bestond al'}: ${data.number} `
        + `(${data.type_nl || data.type}${department}). Afhandelen uiterlijk op ${formatDate(data.due_date)}.`
        // The lookup code comes only with the 201 that created the case: read it out now.
        + (data.lookup_code ? ` Code voor de inwoner: ${data.lookup_code}. Lees deze code voor; hij wordt maar één keer getoond.` : '');
      ui.caseResult.hidden = false;
      ui.caseResult.focus();
      setStatus(`Zaak ${data.number} is aangemaakt. Afhandelen uiterlijk op ${formatDate(data.due_date)}.`, 'success');
      // The next submit is a new case.
      const keepType = ui.caseType.value;
      ui.caseForm.reset();
      ui.caseType.value = keepType;
      ui.caseProduct.value = open.data.product || '';
      caseClientId = newClientId();
      updateCaseForm();
      if (state.open === open) {
        open.cases = open.cases.filter((c) => c.number !== data.number).concat([data]);
        renderCases(open.cases);
      }
      return;
    }
    ui.caseResult.hidden = true;
    if (status !== 401) showError(ui.caseError, errorText(status, data, 'De zaak aanmaken lukte niet.'));
  }

  /* ---------- start ---------- */

  function bind() {
    const ids = {
      loginView: 'login-view', loginForm: 'login-form', loginUsername: 'login-username',
      loginPassword: 'login-password', loginSubmit: 'login-submit', loginError: 'login-error',
      logout: 'logout', whoami: 'whoami', connection: 'connection', status: 'status', announcer: 'announcer',
      pagesNav: 'pages-nav', pagesList: 'pages-list',
      deskView: 'desk-view', queue: 'queue', queueTitle: 'queue-title', waitingTitle: 'waiting-title',
      activeTitle: 'active-title', waitingList: 'waiting-list', activeList: 'active-list',
      waitingCount: 'waiting-count', activeCount: 'active-count', waitingEmpty: 'waiting-empty',
      activeEmpty: 'active-empty', noConversation: 'no-conversation', conversation: 'conversation',
      convTitle: 'conv-title', convMeta: 'conv-meta', convNotice: 'conv-notice', convSummary: 'conv-summary',
      convFacts: 'conv-facts', convFactsEmpty: 'conv-facts-empty', convCases: 'conv-cases',
      convCasesEmpty: 'conv-cases-empty', transcript: 'transcript', replyForm: 'reply-form',
      replyInput: 'reply-input', replySend: 'reply-send', replyCounter: 'reply-counter', replyError: 'reply-error',
      release: 'release', close: 'close', transfer: 'transfer', caseOpen: 'case-open',
      closeDialog: 'close-dialog', closeForm: 'close-form', closeOutcome: 'close-outcome',
      closeCounter: 'close-counter', closeError: 'close-error',
      transferDialog: 'transfer-dialog', transferForm: 'transfer-form', transferDepartment: 'transfer-department',
      transferError: 'transfer-error',
      caseDialog: 'case-dialog', caseForm: 'case-form', caseType: 'case-type', caseProduct: 'case-product',
      caseDescription: 'case-description', caseDescriptionCounter: 'case-description-counter',
      caseEmail: 'case-email', casePhone: 'case-phone', casePhoneOptional: 'case-phone-optional',
      caseError: 'case-error', caseResult: 'case-result',
    };
    for (const [key, id] of Object.entries(ids)) ui[key] = byId(id);

    ui.loginForm.addEventListener('submit', submitLogin);
    ui.logout.addEventListener('click', logout);

    ui.replyForm.addEventListener('submit', sendReply);
    ui.replyInput.addEventListener('input', () => { updateReplyCounter(); if (ui.replyInput.value.trim()) showError(ui.replyError, ''); });
    ui.replyInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); sendReply(); }
    });

    ui.release.addEventListener('click', releaseConversation);
    ui.close.addEventListener('click', openCloseDialog);
    ui.transfer.addEventListener('click', openTransferDialog);
    ui.caseOpen.addEventListener('click', openCaseDialog);

    ui.closeForm.addEventListener('submit', submitClose);
    ui.closeOutcome.addEventListener('input', () => updateCounter(ui.closeOutcome, ui.closeCounter, MAX_OUTCOME, 'de uitkomst'));
    ui.transferForm.addEventListener('submit', submitTransfer);
    ui.caseForm.addEventListener('submit', submitCase);
    ui.caseForm.addEventListener('input', caseFormChanged);
    ui.caseForm.addEventListener('change', caseFormChanged);

    for (const dialog of [ui.closeDialog, ui.transferDialog, ui.caseDialog]) {
      dialog.addEventListener('close', onDialogClose);
      for (const cancel of dialog.querySelectorAll('[data-cancel]')) {
        cancel.addEventListener('click', () => dialog.close());
      }
    }

    window.addEventListener('online', () => { if (state.clerk && canChat()) { refresh(); if (!state.ws) connectSocket(); } });
    window.addEventListener('hashchange', () => {
      const name = pageFromHash();
      if (state.clerk && name && name !== state.page) showPage(name);
    });
  }

  function start() {
    bind();
    checkSession();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
