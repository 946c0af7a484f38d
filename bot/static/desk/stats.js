/*
 * The "Cijfers" page of the clerk console (roles teamleider and beheerder): how Balie did in a
 * period, from GET /api/desk/stats (docs/api.md). Registers with desk.js (see the comment at its top).
 *
 * Every chart has the same numbers in a table beside it: the table is what a screen reader reads
 * (the chart is a <canvas role="img"> with a short label saying so). Charts are drawn by Chart.js
 * 4.6.1, vendored in vendor/chart.js-4.6.1 with its licence (pinned in package.json; a test
 * checks the copy against the npm package).
 */
(() => {
  'use strict';

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

  /* ---------- charts: Chart.js 4.6.1, vendored (vendor/chart.js-4.6.1, MIT) ---------- */

  // Chart.js draws on a canvas and sizes it through the CSSOM, which the console's CSP allows
  // (it forbids inline style attributes and <style> elements, neither of which Chart.js uses).
  // A chart is made once its canvas is in the page, so Chart.js can measure its container.
  const pendingCharts = [];

  function cssColour(name, fallback) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  }

  function chartCanvas(label, config) {
    const canvas = page.desk.el('canvas', { class: 'chart', role: 'img', 'aria-label': label });
    config.options = {
      animation: false, // no motion (prefers-reduced-motion), and the numbers show at once
      responsive: true,
      plugins: { legend: { display: config.data.datasets.length > 1, position: 'bottom' },
        tooltip: { enabled: true } },
      ...config.options,
    };
    pendingCharts.push([canvas, config]);
    return canvas;
  }

  function drawPendingCharts() {
    for (const [canvas, config] of pendingCharts.splice(0)) {
      if (window.Chart && canvas.isConnected) new window.Chart(canvas, config);
    }
  }

  function destroyCharts(container) {
    if (!window.Chart) return;
    for (const canvas of container.querySelectorAll('canvas')) window.Chart.getChart(canvas)?.destroy();
  }

  /** Stacked bars per day: `series` is [{label, colour, value(day)}], the first at the bottom. */
  function dayChart(days, series, label) {
    return chartCanvas(label, {
      type: 'bar',
      data: {
        labels: days.map((day) => shortDate(day.day)),
        datasets: series.map((s) => ({ label: s.label, data: days.map((day) => s.value(day) || 0),
          backgroundColor: s.colour })),
      },
      options: { aspectRatio: 640 / 240,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  /** Horizontal bars: items are [{label, value}]. */
  function barChart(items, label) {
    return chartCanvas(label, {
      type: 'bar',
      data: {
        labels: items.map((item) => (item.label.length > 34 ? `${item.label.slice(0, 33)}…` : item.label)),
        datasets: [{ label: 'Aantal', data: items.map((item) => item.value),
          backgroundColor: cssColour('--primary', '#1f5fa8') }],
      },
      options: { indexAxis: 'y', aspectRatio: 640 / Math.max(80, items.length * 28 + 40),
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
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
        { label: 'Zonder eigenaar', colour: cssColour('--error', '#b3261e'), value: (d) => d.ownerless },
        { label: 'Met eigenaar', colour: cssColour('--primary', '#1f5fa8'), value: (d) => d.with_question - d.ownerless },
      ], 'Staafdiagram: gesprekken met een vraag per dag, met het deel zonder eigenaar. De getallen staan in de tabel.')
        : null,
      table('Gesprekken per dag', ['Dag', 'Gesprekken', 'Met vraag', 'Zonder mens', 'Zonder eigenaar',
        'Overdrachten', 'Zaken', 'Niet begrepen'], dayRows));
    const scores = Object.entries(result.csat.scores || {}).map(([score, n]) => ({ label: `${score} van 5`, value: n }));
    const products = (result.top_products || []).map((p) => ({ label: (labels.products || {})[p.product] || p.product,
      value: p.count }));
    destroyCharts($('stats-content'));
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
    drawPendingCharts();
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
