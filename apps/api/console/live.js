// Live refresh: a page asks the API again every few seconds while it is on screen. A hidden tab
// asks nothing (an operator leaves consoles open for days; the API should not pay for it) and
// catches up the moment it is shown again. Leaving the page stops it.

import { h, replace } from './dom.js';
import { formatTime } from './format.js';

export const LIVE_REFRESH_MS = 3_000;

/**
 * Calls `refresh()` every `intervalMs` (after the previous call has finished) until `signal` fires.
 * Answers a small status element for the page to show: live, paused while hidden, or failing.
 */
export function liveRefresh(signal, refresh, intervalMs = LIVE_REFRESH_MS) {
  const status = h('span', { class: 'live-status', testid: 'live-status', role: 'status' });
  let timer = null;
  let running = false;
  const show = (state, text) => {
    status.dataset.state = state;
    replace(status, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), text);
  };

  const schedule = () => {
    clearTimeout(timer);
    if (signal.aborted) return;
    if (document.hidden) {
      show('paused', 'Live refresh paused while the tab is hidden');
      return;
    }
    timer = setTimeout(tick, intervalMs);
  };

  const tick = async () => {
    if (signal.aborted || running) return;
    if (document.hidden) return schedule();
    running = true;
    try {
      await refresh();
      if (!signal.aborted) show('live', `Live · updated ${formatTime(new Date().toISOString()).slice(11)}`);
    } catch (error) {
      if (signal.aborted || error?.name === 'AbortError') return;
      // The page keeps what it showed; the next round tries again.
      show('failing', `Live refresh failed (${error?.message ?? error}); trying again`);
    } finally {
      running = false;
      schedule();
    }
  };

  const onVisibility = () => {
    if (document.hidden) schedule();
    else tick();
  };
  document.addEventListener('visibilitychange', onVisibility);
  signal.addEventListener(
    'abort',
    () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    },
    { once: true },
  );
  show('live', `Live · every ${Math.round(intervalMs / 1000)} s`);
  schedule();
  return status;
}

/**
 * Redraws `container` with `render(result)` when `load()` answers something different from what
 * is shown, so a refresh that changes nothing leaves the page (and what the user is doing on it)
 * alone. Errors are thrown to the caller, which keeps the old content.
 */
export function redrawer(container, signal) {
  let shown = null;
  return {
    /** Records what an ordinary load is about to draw, and passes it on. */
    drawn(result) {
      shown = JSON.stringify(result);
      return result;
    },
    /**
     * `load` may be the same function the first load used, and so call `drawn` itself. Answers
     * whether it redrew.
     */
    async refresh(load, render) {
      const before = shown;
      const result = await load();
      if (signal.aborted) return false;
      const text = JSON.stringify(result);
      shown = text;
      if (text === before) return false;
      container.replaceChildren(render(result));
      return true;
    },
  };
}
