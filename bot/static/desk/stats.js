/*
 * The "Cijfers" page of the clerk console (roles teamleider and beheerder): how Balie did in a
 * period, from GET /api/desk/stats (docs/api.md). Registers with desk.js (see the comment at its top).
 *
 * Every chart has the same numbers in a table beside it: the table is what a screen reader reads
 * (the chart is an <svg role="img"> with a short label saying so). Charts are SVG built with the
 * DOM and coloured by classes in desk.css: the console's CSP forbids inline styles, and SVG
 * presentation attributes (x, y, width, height) are not styles. No library, no build step.
 */
(() => {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  const DEFAULT_DAYS = 30;        // as the server's default period
  const MAX_PERIOD_DAYS = 366;    // MAX_PERIOD_DAYS in bot/insights/stats.py
  const REASONS = {               // handover reasons (actions/handover.py), as desk.js shows them
    'asked for a person': 'Vroeg om een medewerker',
    frustration: 'Inwoner is gefrustreerd',
    'bot did not understand twice': 'Balie begreep de vraag twee keer niet',
  };

  const dateFmt = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'long', year: 'numeric' });
  const shortFmt = new Intl.DateTimeFormat('nl-NL', { day: 'numeric', month: 'short' });
  const numberFmt = new Intl.NumberFormat('nl-NL');
  const percentFmt = new Intl.NumberFormat('nl-NL', { style: 'percent', maximumFractionDigits: 0 });
  const meanFmt = new Intl.NumberFormat('nl-NL', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  const page = { desk: null, loaded: false, generation: 0 };
  const $ = (id) => document.getElementById(id);

  /* ---------- formatting ---------- */

  const asDate = (iso) => new Date(`${iso}T12:00:00`); // a calendar day: noon avoids time-zone surprises
  const longDate = (iso) => dateFmt.format(asDate(iso));
  const shortDate = (iso) => shortFmt.format(asDate(iso));
  const count = (n) => numberFmt.format(n || 0);
  const percent = (share) => (share == null ? '–' : percentFmt.format(share));

  function duration(seconds) {
    if (seconds == null) return '–';
    const total = Math.round(seconds);
    const minutes = Math.floor(total / 60);
    return minutes ? `${minutes} min ${String(total % 60).padStart(2, '0')} s` : `${total} s`;
  }

  function isoDay(date) {
    const pad = (n) => String(n).padStart(2, '0');
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  /* ---------- SVG charts ---------- */

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  /** A round upper bound for an axis: 1, 2, 5, 10, 20, 50, ... */
  function niceMax(value) {
    if (value <= 1) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= value);
  }

  function chartFrame(label, width, height) {
    return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': label,
      focusable: 'false', preserveAspectRatio: 'xMinYMin meet' });
  }

  /**
   * Stacked bars per day: `series` is [{key, label, className}], the values are day[key];
   * the first series at the bottom.
   */
  function dayChart(days, series, label) {
    const width = 640; const height = 220; const left = 40; const bottom = 24; const top = 8;
    const totals = days.map((day) => series.reduce((sum, s) => sum + (s.value(day) || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    const chart = chartFrame(label, width, height);
    const plotHeight = height - top - bottom;
    const y = (v) => top + plotHeight - (v / max) * plotHeight;
    for (const tick of [0, max / 2, max]) {
      chart.append(svg('line', { x1: left, x2: width, y1: y(tick), y2: y(tick), class: 'chart__grid' }),
        svg('text', { x: left - 6, y: y(tick) + 4, 'text-anchor': 'end', class: 'chart__label' },
          Number.isInteger(tick) ? count(tick) : ''));
    }
    const step = (width - left) / Math.max(1, days.length);
    const barWidth = Math.max(1, step * 0.8);
    days.forEach((day, index) => {
      let base = 0;
      for (const s of series) {
        const value = s.value(day) || 0;
        if (value > 0) {
          chart.append(svg('rect', { x: left + index * step + (step - barWidth) / 2, y: y(base + value),
            width: barWidth, height: Math.max(0.5, y(base) - y(base + value)), class: `chart__bar ${s.className}` }));
        }
        base += value;
      }
    });
    const labelled = days.length > 1 ? [0, Math.floor((days.length - 1) / 2), days.length - 1] : [0];
    for (const index of new Set(labelled)) {
      const anchor = index === 0 ? 'start' : index === days.length - 1 ? 'end' : 'middle';
      const x = index === 0 ? left : index === days.length - 1 ? width : left + index * step + step / 2;
      chart.append(svg('text', { x, y: height - 6, 'text-anchor': anchor, class: 'chart__label' },
        shortDate(days[index].day)));
    }
    return chart;
  }

  /** Horizontal bars: items are [{label, value}]. */
  function barChart(items, label) {
    const width = 640; const row = 28; const labelWidth = 230; const valueWidth = 48;
    const height = Math.max(row, items.length * row) + 4;
    const max = Math.max(1, ...items.map((item) => item.value));
    const chart = chartFrame(label, width, height);
    items.forEach((item, index) => {
      const y = index * row + 4;
      const text = item.label.length > 34 ? `${item.label.slice(0, 33)}…` : item.label;
      const barLength = ((width - labelWidth - valueWidth) * item.value) / max;
      chart.append(
        svg('text', { x: labelWidth - 8, y: y + 17, 'text-anchor': 'end', class: 'chart__label' }, text),
        svg('rect', { x: labelWidth, y: y + 4, width: Math.max(1, barLength), height: row - 10, class: 'chart__bar' }),
        svg('text', { x: labelWidth + barLength + 6, y: y + 17, class: 'chart__value' }, count(item.value)));
    });
    return chart;
  }

  /* ---------- tables and blocks ---------- */

  function table(caption, headers, rows) {
    const el = page.desk.el;
    // A long table scrolls in its box: focusable, so a keyboard can scroll it too.
    return el('div', { class: 'stats__table', tabindex: '0', role: 'region', 'aria-label': `Tabel: ${caption}` },
      el('table', { class: 'stats-table' },
        el('caption', {}, caption),
        el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', { scope: 'col', class: i ? 'num' : null }, h)))),
        el('tbody', {}, ...rows.map((cells) => el('tr', {},
          el('th', { scope: 'row' }, cells[0]),
          ...cells.slice(1).map((cell) => el('td', { class: 'num' }, cell)))))));
  }

  /** A heading, the chart and its table side by side (stacked on narrow screens). */
  function block(id, title, intro, chart, tableNode) {
    const el = page.desk.el;
    const empty = chart == null;
    return el('section', { class: 'stats__block', 'aria-labelledby': `${id}-title`, 'data-testid': id },
      el('h3', { id: `${id}-title` }, title),
      intro ? el('p', { class: 'hint' }, intro) : null,
      empty ? el('p', { class: 'empty' }, 'Geen gegevens in deze periode.')
        : el('div', { class: 'stats__pair' }, el('figure', { class: 'stats__chart' }, chart), tableNode));
  }

  function entries(object, names = {}) {
    return Object.entries(object || {}).map(([key, value]) => ({ label: names[key] || key, value }))
      .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'nl'));
  }

  function listBlock(id, title, intro, items, header) {
    if (!items.length) return block(id, title, intro, null, null);
    return block(id, title, intro, barChart(items, `Staafdiagram: ${title.toLowerCase()}. De getallen staan in de tabel.`),
      table(title, [header, 'Aantal'], items.map((item) => [item.label, count(item.value)])));
  }

  /* ---------- rendering ---------- */

  function figures(result) {
    const el = page.desk.el;
    const wait = result.handovers.wait_seconds;
    const items = [
      ['Gesprekken', count(result.conversations), `${count(result.with_question)} met een vraag`],
      ['Zonder mens opgelost', percent(result.contained), `${count(result.contained_conversations)} gesprekken`],
      ['Zonder eigenaar', count(result.ownerless), 'geen afdeling, organisatie, zaak of medewerker'],
      ['Niet begrepen', count(result.fallbacks), 'berichten'],
      ['Overdrachten', count(result.handovers.count),
        `wachttijd: mediaan ${duration(wait.median)}, 9 op de 10 binnen ${duration(wait.p90)}`],
      ['Zaken', count(result.cases.count), 'meldingen, klachten, vragen en terugbelverzoeken'],
      ['Tevredenheid', result.csat.mean == null ? '–' : `${meanFmt.format(result.csat.mean)} van 5`,
        `${count(result.csat.responses)} ${result.csat.responses === 1 ? 'antwoord' : 'antwoorden'}`],
    ];
    return el('dl', { class: 'stats__figures', 'data-testid': 'stats-figures' },
      ...items.map(([term, value, note]) => el('div', { class: 'stats__figure' },
        el('dt', {}, term), el('dd', {}, el('span', { class: 'stats__number' }, value), el('span', { class: 'hint' }, note)))));
  }

  function render(result) {
    const labels = result.labels || {};
    const days = result.days || [];
    const periodText = `${longDate(result.from)} tot en met ${longDate(result.to)}`;
    const dayRows = days.map((d) => [shortDate(d.day), count(d.conversations), count(d.with_question),
      count(d.contained_conversations), count(d.ownerless), count(d.handovers.count), count(d.cases.count),
      count(d.fallbacks)]);
    const perDay = block('stats-days', 'Gesprekken per dag',
      'Elke staaf is het aantal gesprekken met een vraag op die dag; het rode deel had geen eigenaar.',
      days.length ? dayChart(days, [
        { className: 'chart__bar--ownerless', value: (d) => d.ownerless },
        { className: '', value: (d) => d.with_question - d.ownerless },
      ], 'Staafdiagram: gesprekken met een vraag per dag, met het deel zonder eigenaar. De getallen staan in de tabel.')
        : null,
      table('Gesprekken per dag', ['Dag', 'Gesprekken', 'Met vraag', 'Zonder mens', 'Zonder eigenaar',
        'Overdrachten', 'Zaken', 'Niet begrepen'], dayRows));
    const scores = Object.entries(result.csat.scores || {}).map(([score, n]) => ({ label: `${score} van 5`, value: n }));
    const products = (result.top_products || []).map((p) => ({ label: (labels.products || {})[p.product] || p.product,
      value: p.count }));
    $('stats-content').replaceChildren(
      page.desk.el('p', { class: 'stats__period' }, `Periode: ${periodText}.`),
      figures(result),
      perDay,
      listBlock('stats-reasons', 'Overdrachten naar een medewerker', 'Waarom de inwoner een medewerker kreeg.',
        entries(result.handovers.reasons, REASONS), 'Reden'),
      listBlock('stats-case-types', 'Zaken per soort', null, entries(result.cases.by_type, labels.case_types), 'Soort'),
      listBlock('stats-case-departments', 'Zaken per afdeling', null,
        entries(result.cases.by_department, labels.departments), 'Afdeling'),
      listBlock('stats-products', 'Meest gevraagde producten', 'De 20 producten die Balie het vaakst beantwoordde.',
        products, 'Product'),
      listBlock('stats-csat', 'Heeft Balie geholpen?', 'Antwoorden van inwoners op 1 (helemaal niet) tot 5 (heel goed).',
        result.csat.responses ? scores : [], 'Cijfer'));
    $('stats-content').hidden = false;
    $('stats-loaded').textContent = `Cijfers van ${periodText} geladen.`;
  }

  function showError(text) {
    $('stats-error').textContent = text;
    $('stats-error').hidden = !text;
  }

  /** Fetch and show the numbers of the period in the form. */
  async function load() {
    const first = $('stats-from').value;
    const last = $('stats-to').value;
    if (!first || !last) {
      showError('Vul een begindatum en een einddatum in.');
      (first ? $('stats-to') : $('stats-from')).focus();
      return;
    }
    const query = new URLSearchParams({ from: first, to: last }).toString();
    $('stats-csv').setAttribute('href', `/api/desk/stats.csv?${query}`);
    showError('');
    $('stats-loaded').textContent = 'Cijfers worden geladen…';
    const gen = ++page.generation;
    const { status, data, stale } = await page.desk.api('GET', `/api/desk/stats?${query}`);
    if (stale || gen !== page.generation) return;
    if (status === 200) {
      render(data);
      return;
    }
    $('stats-loaded').textContent = '';
    if (status !== 401) showError(page.desk.errorText(status, data, 'De cijfers konden niet worden geladen.'));
  }

  function defaultPeriod() {
    const today = new Date();
    const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1));
    $('stats-from').value = isoDay(first);
    $('stats-to').value = isoDay(today);
  }

  function bind() {
    $('stats-filter').addEventListener('submit', (event) => { event.preventDefault(); load(); });
    $('stats-hint').textContent = `Kies een periode van maximaal ${MAX_PERIOD_DAYS} dagen. Alle cijfers gaan over hele dagen.`;
  }

  function start() {
    if (!$('stats-page') || !window.BalieDesk) return;
    bind();
    window.BalieDesk.registerPage('cijfers', {
      show(desk) {
        page.desk = desk;
        if (!$('stats-from').value || !$('stats-to').value) defaultPeriod();
        load();
      },
      hide() {
        page.generation += 1; // a late answer is not shown any more
      },
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
