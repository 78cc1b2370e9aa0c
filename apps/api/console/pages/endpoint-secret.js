import { apiPath } from '../api.js';
import { h, replace } from '../dom.js';
import { confirmButton } from '../forms.js';
import { errorState } from '../views.js';

/** What stands in for the secret while it is hidden: its prefix, never any of its characters. */
const HIDDEN_SECRET = 'whsec_••••••••••••••••';

/**
 * An endpoint's signing secret. It is asked of the API only when the user presses Reveal, lives only
 * in one text node (and the copy button's closure) while shown, and goes with them on Hide, on a
 * rotation and when the page is left: never in the URL, storage, an attribute or a log.
 */
export function signingSecretSection({ api, appId, endpointId, signal }) {
  const secretPath = apiPath`/app/${appId}/endpoint/${endpointId}/secret`;
  const value = h('div', { class: 'secret-value' });
  const feedback = h('div', { class: 'secret-feedback', role: 'status', testid: 'secret-feedback' });
  const reveal = h('button', { type: 'button', class: 'button', testid: 'secret-reveal' }, 'Reveal secret');
  // Bumped whenever what is shown must go, so an answer still on its way is not shown afterwards.
  let generation = 0;

  const hide = () => {
    generation += 1;
    replace(value, h('code', { class: 'secret secret-hidden', testid: 'secret-hidden' }, HIDDEN_SECRET));
    reveal.hidden = false;
  };

  reveal.addEventListener('click', async () => {
    const asked = generation;
    reveal.disabled = true;
    replace(feedback);
    try {
      const answer = await api.get(secretPath, {}, signal);
      if (signal.aborted || asked !== generation) return;
      replace(value, shownSecret(String(answer?.key ?? ''), hide));
      reveal.hidden = true;
    } catch (error) {
      if (!signal.aborted && error?.name !== 'AbortError') replace(feedback, errorState(error, { testid: 'secret-error' }));
    } finally {
      reveal.disabled = false;
    }
  });

  const rotate = confirmButton({
    label: 'Rotate secret',
    danger: false,
    question: 'Rotate the signing secret? A new one is generated; the endpoint must accept it before the previous one stops signing.',
    confirmLabel: 'Rotate now',
    testid: 'secret-rotate',
    action: async () => {
      replace(feedback);
      await api.post(apiPath`/app/${appId}/endpoint/${endpointId}/secret/rotate`, {}, signal);
      if (signal.aborted) return;
      hide();
      replace(
        feedback,
        h(
          'p',
          { class: 'notice', testid: 'secret-rotated' },
          'Rotated. Deliveries are signed with the new secret from now on, and also with the previous one until the rotation grace period (IDEM_SECRET_ROTATION_GRACE) ends.',
        ),
      );
    },
  });

  hide();
  return h(
    'section',
    { class: 'section', testid: 'endpoint-secret-section' },
    h('h2', {}, 'Signing secret'),
    h(
      'div',
      { class: 'card secret-card' },
      h('p', { class: 'muted' }, 'The endpoint verifies the webhook-signature header of each delivery with this secret.'),
      h('div', { class: 'secret-row' }, value, h('div', { class: 'filter-actions' }, reveal, rotate)),
      feedback,
    ),
  );
}

function shownSecret(secret, onHide) {
  const code = h('code', { class: 'secret', testid: 'endpoint-secret' }, secret);
  const copied = h('span', { class: 'secret-copied', role: 'status', testid: 'secret-copy-feedback' });
  const copy = h('button', { type: 'button', class: 'button button-small', testid: 'secret-copy' }, 'Copy');
  copy.addEventListener('click', async () => {
    replace(copied, (await copyToClipboard(secret, code)) ? 'Copied' : 'Selected: press Ctrl+C (⌘C) to copy');
  });
  const hide = h('button', { type: 'button', class: 'button button-small', testid: 'secret-hide', on: { click: onHide } }, 'Hide');
  return h('span', { class: 'secret-shown' }, code, copy, hide, copied);
}

/**
 * The clipboard API exists only in a secure context (HTTPS, or localhost); a console reached over
 * plain HTTP on another host falls back to selecting the text and the older copy command.
 */
export async function copyToClipboard(text, element) {
  if (navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, or the document lost focus): fall through to the selection.
    }
  }
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
