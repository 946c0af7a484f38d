/*
 * Canned responses ("standaardantwoorden"), two parts:
 * - page "Standaardantwoorden" (beheerder): list, add, change, delete. Limits as the server's
 *   (bot/desk/canned.py): title at most 60, text at most 1000 characters.
 * - the picker in a conversation (medewerker): the server fills in the placeholders for that
 *   handover (GET /api/desk/handovers/{id}/canned) and the text goes into the message box,
 *   where the clerk reads it before sending. It is never sent by itself.
 *
 * Registers with desk.js (see the comment at its top); follows the `balie:conversation` event.
 * Server text only ever goes into the DOM as text (textContent), never as HTML.
 */
(() => {
  'use strict';

  const PAGE = 'standaardantwoorden';
  const MAX_TITLE = 60;   // MAX_TITLE in bot/desk/canned.py
  const MAX_TEXT = 1000;  // MAX_TEXT in bot/desk/canned.py

  const byId = (id) => document.getElementById(id);
  let desk = null;
  let editing = null;      // id of the response in the form, or null for a new one
  let confirming = null;   // id whose "Verwijderen" asks for a second click

  /* ---------- the beheerder's page ---------- */

  function counter(input, node, max) {
    const n = input.value.length;
    node.textContent = n > max ? `Te lang: ${n} van ${max} tekens.` : `${n} van ${max} tekens`;
    node.classList.toggle('counter--over', n > max);
    input.setAttribute('aria-invalid', String(n > max));
  }

  function updateCounters() {
    counter(byId('canned-form-title-input'), byId('canned-title-counter'), MAX_TITLE);
    counter(byId('canned-form-text'), byId('canned-text-counter'), MAX_TEXT);
  }

  function formError(text) {
    const node = byId('canned-form-error');
    node.textContent = text || '';
    node.hidden = !text;
  }

  async function load() {
    const { status, data } = await desk.api('GET', '/api/desk/canned');
    if (status !== 200) {
      if (status !== 401) desk.setStatus(desk.errorText(status, data, 'De standaardantwoorden laden lukte niet.'), 'error');
      return;
    }
    render(Array.isArray(data.canned) ? data.canned : []);
  }

  function render(list) {
    const { el } = desk;
    byId('canned-list').replaceChildren(...list.map((c) => {
      const titleId = `canned-${c.id}-title`;
      const buttons = el('div', { class: 'canned-item__buttons' });
      if (confirming === c.id) {
        const yes = el('button', { type: 'button', class: 'btn btn--danger', 'data-testid': 'canned-delete-confirm',
          'aria-describedby': titleId }, 'Ja, verwijderen');
        const no = el('button', { type: 'button', class: 'btn', 'aria-describedby': titleId }, 'Nee, bewaren');
        yes.addEventListener('click', () => remove(c));
        no.addEventListener('click', () => { confirming = null; load(); });
        buttons.append(el('span', { class: 'canned-item__ask' }, 'Weet je het zeker?'), yes, no);
      } else {
        const edit = el('button', { type: 'button', class: 'btn', 'data-testid': 'canned-edit',
          'aria-describedby': titleId }, 'Wijzigen');
        const del = el('button', { type: 'button', class: 'btn', 'data-testid': 'canned-delete',
          'aria-describedby': titleId }, 'Verwijderen');
        edit.addEventListener('click', () => startEdit(c));
        del.addEventListener('click', () => { confirming = c.id; render(list); focusIn(c.id, 'canned-delete-confirm'); });
        buttons.append(edit, del);
      }
      return el('li', { class: 'canned-item', 'data-testid': 'canned-item', 'data-canned-id': c.id },
        el('h3', { class: 'canned-item__title', id: titleId }, c.title),
        el('p', { class: 'canned-item__text' }, c.text), buttons);
    }));
    byId('canned-empty').hidden = list.length > 0;
  }

  function focusIn(id, testid) {
    const item = byId('canned-list').querySelector(`[data-canned-id="${id}"]`);
    const target = item && item.querySelector(`[data-testid="${testid}"]`);
    if (target) target.focus();
  }

  function startEdit(c) {
    editing = c.id;
    byId('canned-form-title').textContent = `Standaardantwoord wijzigen: ${c.title}`;
    byId('canned-form-title-input').value = c.title;
    byId('canned-form-text').value = c.text;
    byId('canned-cancel').hidden = false;
    formError('');
    updateCounters();
    byId('canned-form-title-input').focus();
  }

  function resetForm() {
    editing = null;
    byId('canned-form').reset();
    byId('canned-form-title').textContent = 'Nieuw standaardantwoord';
    byId('canned-cancel').hidden = true;
    formError('');
    updateCounters();
  }

  async function submit(event) {
    event.preventDefault();
    const titleInput = byId('canned-form-title-input');
    const textInput = byId('canned-form-text');
    const title = titleInput.value.trim();
    const text = textInput.value.trim();
    const problem = !title ? ['Geef het standaardantwoord een titel.', titleInput]
      : title.length > MAX_TITLE ? [`De titel is te lang. Gebruik maximaal ${MAX_TITLE} tekens.`, titleInput]
        : !text ? ['Schrijf de tekst van het standaardantwoord.', textInput]
          : text.length > MAX_TEXT ? [`De tekst is te lang. Gebruik maximaal ${MAX_TEXT} tekens.`, textInput]
            : null;
    if (problem) { formError(problem[0]); problem[1].focus(); return; }
    const save = byId('canned-save');
    save.disabled = true;
    const { status, data } = editing == null
      ? await desk.api('POST', '/api/desk/canned', { title, text })
      : await desk.api('PUT', `/api/desk/canned/${editing}`, { title, text });
    save.disabled = false;
    if (status === 200 || status === 201) {
      desk.setStatus(`Standaardantwoord "${data.title}" is opgeslagen.`, 'success');
      resetForm();
      await load();
      focusIn(data.id, 'canned-edit');
    } else if (status !== 401) {
      formError(desk.errorText(status, data, 'Opslaan lukte niet.'));
    }
  }

  async function remove(c) {
    const { status, data } = await desk.api('DELETE', `/api/desk/canned/${c.id}`);
    confirming = null;
    if (status === 200 || status === 404) {
      if (editing === c.id) resetForm();
      desk.setStatus(`Standaardantwoord "${c.title}" is verwijderd.`, 'success');
      await load();
      byId('canned-title').focus();
    } else if (status !== 401) {
      desk.setStatus(desk.errorText(status, data, 'Verwijderen lukte niet.'), 'error');
      load();
    }
  }

  /* ---------- the picker in a conversation ---------- */

  const picker = { id: null, loading: 0 };

  async function loadPicker(id) {
    const run = ++picker.loading;
    const select = byId('canned-select');
    const { status, data } = await window.BalieDesk.context.api('GET', `/api/desk/handovers/${id}/canned`);
    if (run !== picker.loading || picker.id !== id) return;
    const list = status === 200 && Array.isArray(data.canned) ? data.canned : [];
    select.replaceChildren(window.BalieDesk.context.el('option', { value: '' },
      list.length ? 'Kies een standaardantwoord' : 'Geen standaardantwoorden'),
    ...list.map((c) => window.BalieDesk.context.el('option', { value: c.id }, c.title)));
  }

  function onConversation(event) {
    const { id, mine } = event.detail || {};
    const box = byId('canned-pick');
    box.hidden = id == null;
    byId('canned-select').disabled = !mine;
    byId('canned-insert').disabled = !mine;
    if (id != null && id !== picker.id) {
      picker.id = id;
      loadPicker(id);
    } else if (id == null) {
      picker.id = null;
    }
  }

  /** Put the chosen response, filled in for this conversation now, at the cursor in the message box. */
  async function insert() {
    const ctx = window.BalieDesk.context;
    const select = byId('canned-select');
    const input = byId('reply-input');
    if (!select.value) { ctx.setStatus('Kies eerst een standaardantwoord.', 'error'); select.focus(); return; }
    const id = picker.id;
    // Fetched again: a case opened since has a number now ({zaaknummer}).
    const { status, data } = await ctx.api('GET', `/api/desk/handovers/${id}/canned`);
    if (picker.id !== id) return;
    const chosen = status === 200 && Array.isArray(data.canned)
      ? data.canned.find((c) => String(c.id) === select.value) : null;
    if (!chosen) {
      if (status !== 401) ctx.setStatus(ctx.errorText(status, data, 'Dit standaardantwoord bestaat niet meer.'), 'error');
      loadPicker(id);
      return;
    }
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    const before = input.value.slice(0, start);
    const spacer = before && !/\s$/.test(before) ? ' ' : '';
    input.value = before + spacer + chosen.text + input.value.slice(end);
    const caret = (before + spacer + chosen.text).length;
    input.dispatchEvent(new Event('input', { bubbles: true })); // desk.js updates its counter
    input.focus();
    input.setSelectionRange(caret, caret);
    select.value = '';
    ctx.setStatus(`"${chosen.title}" staat in je bericht. Lees het na en klik dan op Versturen.`, 'info');
  }

  function start() {
    byId('canned-form').addEventListener('submit', submit);
    byId('canned-form').addEventListener('input', updateCounters);
    byId('canned-cancel').addEventListener('click', () => { resetForm(); byId('canned-form-title-input').focus(); });
    byId('canned-insert').addEventListener('click', insert);
    document.addEventListener('balie:conversation', onConversation);
    window.BalieDesk.registerPage(PAGE, {
      show(context) { desk = context; confirming = null; updateCounters(); load(); },
      hide() { confirming = null; },
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
