/*
 * Page "Leervragen" (beheerder): the questions Balie did not understand well, grouped, with
 * how often, what Balie guessed and what happened next. Per question the beheerder chooses a
 * product, an intent or "buiten scope"; the export turns these into NLU YAML for data/nlu/.
 *
 * API: GET /api/desk/review?from=&to=, POST /api/desk/review/assignments,
 * GET /api/desk/review/export (docs/api.md). Registers with desk.js (see the comment at its top).
 * Server text only ever goes into the DOM as text (textContent), never as HTML.
 */
(() => {
  'use strict';

  const PAGE = 'leervragen';
  // bot/insights/review.py OUTCOMES_NL
  const OUTCOMES_NL = {
    handover: 'Inwoner wilde daarna een medewerker',
    corrected: 'Inwoner koos daarna een ander product',
    fallback: 'Balie begreep het niet',
    clarify: 'Balie vroeg door',
    low_confidence: 'Balie antwoordde, maar twijfelde',
  };
  const KINDS = [['product', 'Product'], ['intent', 'Intentie'], ['out_of_scope', 'Buiten scope']];

  const byId = (id) => document.getElementById(id);
  let desk = null;
  let products = [];        // [{upl_name, title}]
  let intents = [];
  let loading = 0;          // a newer load makes older answers stale

  function productTitle(uplName) {
    const found = products.find((p) => p.upl_name === uplName);
    return found ? found.title : uplName;
  }

  /** A product typed or picked in the searchable field: its UPL name, or null. */
  function productFrom(value) {
    const wanted = value.trim().toLowerCase();
    if (!wanted) return null;
    const found = products.find((p) => p.upl_name.toLowerCase() === wanted || p.title.toLowerCase() === wanted);
    return found ? found.upl_name : null;
  }

  function assignedText(a) {
    if (!a) return '';
    if (a.out_of_scope) return 'Toegewezen: buiten scope';
    if (a.product) return `Toegewezen aan product: ${productTitle(a.product)}`;
    return `Toegewezen aan intentie: ${a.intent}`;
  }

  function showError(text) {
    const node = byId('review-error');
    node.textContent = text || '';
    node.hidden = !text;
  }

  async function load() {
    const run = ++loading;
    showError('');
    const params = new URLSearchParams();
    if (byId('review-from').value) params.set('from', byId('review-from').value);
    if (byId('review-to').value) params.set('to', byId('review-to').value);
    byId('review-summary').textContent = 'Vragen laden…';
    const query = params.toString();
    const { status, data } = await desk.api('GET', `/api/desk/review${query ? `?${query}` : ''}`);
    if (run !== loading) return;
    if (status !== 200) {
      byId('review-summary').textContent = '';
      if (status !== 401) showError(desk.errorText(status, data, 'De leervragen laden lukte niet.'));
      return;
    }
    byId('review-from').value = data.from || '';
    byId('review-to').value = data.to || '';
    products = Array.isArray(data.products) ? data.products : [];
    intents = Array.isArray(data.intents) ? data.intents : [];
    byId('review-products').replaceChildren(...products.map((p) => desk.el('option', { value: p.upl_name }, p.title)));
    render(Array.isArray(data.items) ? data.items : []);
  }

  function render(items) {
    const total = items.reduce((sum, item) => sum + (item.count || 0), 0);
    byId('review-summary').textContent = items.length
      ? `${items.length} ${items.length === 1 ? 'vraag' : 'vragen'} (${total} keer gesteld) van ${byId('review-from').value} tot en met ${byId('review-to').value}.`
      : 'Geen vragen in deze periode: Balie begreep alles, of de chats zijn al gewist (bewaartermijn).';
    byId('review-rows').replaceChildren(...items.map((item, index) => row(item, index + 1)));
  }

  function row(item, n) {
    const { el } = desk;
    const textId = `rv-${n}-text`;
    const question = el('td', {}, el('p', { class: 'review__text', id: textId, 'data-testid': 'review-text' }, item.text));
    if (Array.isArray(item.variants) && item.variants.length) {
      question.append(el('details', { class: 'review__variants' },
        el('summary', {}, `Ook gevraagd als (${item.variants.length})`),
        el('ul', {}, ...item.variants.map((v) => el('li', {}, v)))));
    }
    const guessed = el('td', {}, item.guessed_product ? productTitle(item.guessed_product) : 'niets');
    if (item.corrected_to) guessed.append(el('br'), `Inwoner koos: ${productTitle(item.corrected_to)}`);
    const outcomes = Object.entries(item.outcomes || {});
    const happened = el('td', {}, OUTCOMES_NL[item.outcome] || item.outcome || '');
    if (outcomes.length > 1) {
      happened.append(el('br'), el('span', { class: 'hint' },
        outcomes.map(([o, count]) => `${OUTCOMES_NL[o] || o}: ${count}`).join('; ')));
    }
    return el('tr', { 'data-testid': 'review-item' },
      question,
      el('td', { class: 'num', 'data-testid': 'review-count' }, String(item.count)),
      guessed, happened,
      el('td', {}, assignForm(item, n, textId)));
  }

  function assignForm(item, n, textId) {
    const { el } = desk;
    const a = item.assignment;
    const kind = el('select', { id: `rv-${n}-kind`, 'data-testid': 'review-kind', 'aria-describedby': textId },
      ...KINDS.map(([value, label]) => el('option', { value }, label)));
    kind.value = a ? (a.out_of_scope ? 'out_of_scope' : a.product ? 'product' : 'intent') : 'product';
    const product = el('input', { id: `rv-${n}-product`, type: 'text', list: 'review-products', autocomplete: 'off',
      spellcheck: 'false', 'data-testid': 'review-product', 'aria-describedby': textId });
    // Balie's own guess is not filled in: it was not good enough, and a ready answer invites a quick
    // "Opslaan". The product the citizen picked instead (corrected_to) is a real clue.
    product.value = a && a.product ? a.product : (item.corrected_to || '');
    const intent = el('select', { id: `rv-${n}-intent`, 'data-testid': 'review-intent', 'aria-describedby': textId },
      el('option', { value: '' }, 'Kies een intentie'), ...intents.map((i) => el('option', { value: i }, i)));
    if (a && a.intent) intent.value = a.intent;
    const productField = el('div', { class: 'assign__field' },
      el('label', { for: product.id }, 'Product (typ om te zoeken)'), product);
    const intentField = el('div', { class: 'assign__field' }, el('label', { for: intent.id }, 'Intentie'), intent);
    const save = el('button', { type: 'submit', class: 'btn', 'data-testid': 'review-save', 'aria-describedby': textId },
      'Opslaan');
    const done = el('p', { class: 'assign__done', 'data-testid': 'review-assigned' }, assignedText(a));
    const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
    const form = el('form', { class: 'assign', novalidate: true },
      el('div', { class: 'assign__field' }, el('label', { for: kind.id }, 'Toewijzen aan'), kind),
      productField, intentField, save, error, done);
    const sync = () => {
      productField.hidden = kind.value !== 'product';
      intentField.hidden = kind.value !== 'intent';
    };
    kind.addEventListener('change', sync);
    sync();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = { text: item.text };
      if (kind.value === 'product') {
        const upl = productFrom(product.value);
        if (!upl) { showFieldError(error, 'Kies een product uit de lijst.', product); return; }
        body.product = upl;
      } else if (kind.value === 'intent') {
        if (!intent.value) { showFieldError(error, 'Kies een intentie uit de lijst.', intent); return; }
        body.intent = intent.value;
      } else {
        body.out_of_scope = true;
      }
      showFieldError(error, '');
      save.disabled = true;
      const { status, data } = await desk.api('POST', '/api/desk/review/assignments', body);
      save.disabled = false;
      if (status === 201) {
        done.textContent = assignedText(data);
        desk.setStatus(`Opgeslagen. ${assignedText(data)}.`, 'success');
      } else if (status !== 401) {
        showFieldError(error, desk.errorText(status, data, 'Opslaan lukte niet.'));
      }
    });
    return form;
  }

  function showFieldError(node, text, field) {
    node.textContent = text || '';
    node.hidden = !text;
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      field.addEventListener('input', () => field.setAttribute('aria-invalid', 'false'), { once: true });
      field.addEventListener('change', () => field.setAttribute('aria-invalid', 'false'), { once: true });
    }
  }

  /** Download the NLU YAML of the assignments (only what data/nlu/ does not have yet). */
  async function exportYaml() {
    const button = byId('review-export');
    button.disabled = true;
    let response;
    try {
      response = await fetch('/api/desk/review/export', { credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      response = null;
    }
    button.disabled = false;
    if (!response) { desk.setStatus(desk.errorText(0), 'error'); return; }
    const body = await response.text();
    if (response.status !== 200) {
      let data = {};
      try { data = JSON.parse(body); } catch (e) { data = {}; }
      if (response.status === 401) { desk.api('GET', '/api/desk/me'); return; } // ends the session on screen
      desk.setStatus(desk.errorText(response.status, data, 'Exporteren lukte niet.'), 'error');
      return;
    }
    const count = body.split('\n').filter((line) => line.startsWith('    - ')).length;
    if (!count) {
      desk.setStatus('Er zijn geen nieuwe voorbeelden om te exporteren. Wijs eerst vragen toe.', 'info');
      return;
    }
    const link = desk.el('a', { href: URL.createObjectURL(new Blob([body], { type: 'application/yaml' })),
      download: 'leervragen.yml', hidden: true });
    document.body.append(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    desk.setStatus(`${count} ${count === 1 ? 'voorbeeld' : 'voorbeelden'} geëxporteerd naar leervragen.yml. `
      + 'Lees ze na en zet ze in data/nlu/.', 'success');
  }

  function start() {
    byId('review-filter').addEventListener('submit', (event) => { event.preventDefault(); if (desk) load(); });
    byId('review-export').addEventListener('click', () => { if (desk) exportYaml(); });
    window.BalieDesk.registerPage(PAGE, {
      show(context) { desk = context; load(); },
      hide() { loading += 1; },
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
