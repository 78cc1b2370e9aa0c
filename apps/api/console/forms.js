// Forms that write to the API. The API is the judge of what is valid: the console sends what was
// typed and shows a 422's problems beside the fields their `loc` names (`["body", "url"]` → the
// field `url`); a problem no field claims, or any other error, is shown above the buttons.

import { ApiError } from './api.js';
import { h, replace } from './dom.js';
import { errorState } from './views.js';

/**
 * A labelled control with a place for its error. `name` is the body field the API names in `loc`;
 * the control gets the id `field-<name>` and the testid `field-<name>` unless it has its own.
 */
export function formField({ name, label, control, hint }) {
  const id = control.id || `field-${name}`;
  control.id = id;
  if (!control.name) control.name = name;
  if (!control.dataset.testid) control.dataset.testid = `field-${name}`;
  // Read out with the field by screen readers, the hint first and then what the API said.
  control.setAttribute('aria-describedby', hint ? `${id}-hint ${id}-error` : `${id}-error`);
  return h(
    'div',
    { class: 'field form-field', 'data-field': name },
    h('label', { for: id }, label),
    control,
    // A hint is a line of text, or a node of its own (such as a list of choices).
    hint ? h(hint instanceof Node ? 'div' : 'p', { class: 'field-hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, testid: `field-error-${name}`, role: 'alert', hidden: true }),
  );
}

export function textInput(attributes = {}) {
  return h('input', { autocomplete: 'off', spellcheck: 'false', ...attributes });
}

export function textArea(attributes = {}) {
  return h('textarea', { spellcheck: 'false', rows: 8, ...attributes });
}

/** Removes every error a previous submission left on `form`. */
export function clearErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) {
    slot.hidden = true;
    slot.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  const general = form.querySelector('.form-errors');
  if (general) replace(general);
}

/**
 * Marks one field as wrong with `message` (the console's own checks, such as JSON that does not parse).
 * A field of many controls (such as the endpoint's headers) marks the one whose `data-loc-key` is
 * `key`, the `loc` part after the field's name; otherwise its first control.
 */
export function fieldError(form, name, message, key) {
  const wrapper = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (!wrapper) return false;
  const slot = wrapper.querySelector('.field-error');
  slot.append(h('span', {}, message));
  slot.hidden = false;
  const keyed = key === undefined ? undefined : [...wrapper.querySelectorAll('[data-loc-key]')].find((control) => control.dataset.locKey === key);
  (keyed ?? wrapper.querySelector('input, select, textarea'))?.setAttribute('aria-invalid', 'true');
  return true;
}

/**
 * Shows a problem at the deepest field its path names: a form with a field per member of a nested
 * object names it `retrySafety.versionPath`, so `["retrySafety", "versionPath"]` lands there; one
 * field for the whole object (`headers`) takes the next part as the key of the control to mark.
 */
function showAtField(form, path, message) {
  for (let length = path.length; length > 0; length -= 1) {
    if (fieldError(form, path.slice(0, length).join('.'), message, path[length] === undefined ? undefined : String(path[length]))) return true;
  }
  return false;
}

/** Shows what the API refused: each 422 problem at its field, the rest in the form's error area. */
export function showErrors(form, error) {
  clearErrors(form);
  const general = form.querySelector('.form-errors');
  const leftover = [];
  if (error instanceof ApiError && error.problems.length) {
    for (const problem of error.problems) {
      if (!(problem.loc[0] === 'body' && showAtField(form, problem.loc.slice(1), problem.msg))) leftover.push(problem);
    }
    if (leftover.length) replace(general, errorState(new ApiError(error.status, error.code, error.detail, leftover), { testid: 'form-error' }));
  } else {
    replace(general, errorState(error, { testid: 'form-error' }));
  }
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/**
 * A form whose submit calls `submit()`; while it runs the submit button is disabled, and an error
 * it throws is shown with `showErrors`. `fields` are the `formField`s, `actions` extra buttons.
 */
export function apiForm({ testid, fields, submitLabel, submit, actions = [], className = '' }) {
  const button = h('button', { type: 'submit', class: 'button button-primary', testid: `${testid}-submit` }, submitLabel);
  const form = h(
    'form',
    { class: `card api-form ${className}`.trim(), testid, novalidate: true },
    h('div', { class: 'form-fields' }, fields),
    h('div', { class: 'form-errors' }),
    h('div', { class: 'filter-actions' }, button, actions),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    button.disabled = true;
    try {
      await submit(form);
    } catch (error) {
      if (error?.name !== 'AbortError') showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** `a, b c` → `['a', 'b', 'c']`; empty → `null`, which the API reads as "none" (or "every", for filters). */
export function listOf(text) {
  const items = String(text ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  return items.length ? items : null;
}

/** Empty is no limit; a number is sent as one; anything else as typed, for the API to explain. */
export function numberOrNull(text) {
  const trimmed = String(text ?? '').trim();
  if (trimmed === '') return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed;
}

/**
 * Asks before doing something that cannot be undone: `trigger` opens the question inside `slot`,
 * and only the confirm button calls `action`. Answers the trigger button.
 */
export function confirmButton({ label, question, confirmLabel, testid, action, danger = true, small = false }) {
  const slot = h('div', { class: 'confirm', testid: `${testid}-confirmation`, hidden: true });
  const trigger = h('button', { type: 'button', class: `button${danger ? ' button-danger-quiet' : ''}${small ? ' button-small' : ''}`, testid }, label);
  trigger.addEventListener('click', () => {
    trigger.disabled = true;
    const feedback = h('div');
    const confirm = h('button', { type: 'button', class: 'button button-danger', testid: `${testid}-confirm` }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'button', testid: `${testid}-cancel` }, 'Cancel');
    const close = () => {
      replace(slot);
      slot.hidden = true;
      trigger.disabled = false;
    };
    cancel.addEventListener('click', close);
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      cancel.disabled = true;
      try {
        await action();
        close();
      } catch (error) {
        if (error?.name === 'AbortError') return;
        replace(feedback, errorState(error, { testid: `${testid}-error` }));
        confirm.disabled = false;
        cancel.disabled = false;
      }
    });
    replace(slot, h('p', {}, question), h('div', { class: 'filter-actions' }, confirm, cancel), feedback);
    slot.hidden = false;
  });
  return h('span', { class: 'confirm-wrap' }, trigger, slot);
}

/** A select whose every choice is explained in a line beneath it, the chosen one marked. */
export function explainedSelect(modes, value, testid) {
  const select = h(
    'select',
    {},
    modes.map((mode) => h('option', { value: mode.value, selected: mode.value === value }, mode.label)),
  );
  const list = h(
    'ul',
    { class: 'mode-list', testid },
    modes.map((mode) => h('li', { 'data-mode': mode.value }, h('strong', {}, mode.label), ': ', mode.explanation)),
  );
  const markChosen = () => {
    for (const item of list.children) item.classList.toggle('mode-chosen', item.dataset.mode === select.value);
  };
  select.addEventListener('change', markChosen);
  markChosen();
  return { select, list };
}
