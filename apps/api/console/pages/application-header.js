import { apiPath } from '../api.js';
import { h } from '../dom.js';
import { links } from '../routes.js';
import { applicationTabs, pageHeader } from '../views.js';

const names = new Map();
/** Per application, whether its idempotency report holds probable send-time keys; asked once per visit of the console. */
const sendTimeKeys = new Map();

/**
 * The header of every page inside an application: breadcrumbs (the application's name is filled
 * in once the API gives it; until then, or if it cannot, its id stands in), the title and the tabs.
 */
export function applicationHeader({ api, appId, signal, title, testid, tab, crumbs = [], actions = [] }) {
  const appCrumb = names.get(appId) ?? appId;
  const header = h(
    'div',
    { class: 'application-header' },
    pageHeader({ title, testid, crumbs: [['Applications', links.applications()], [appCrumb, links.endpoints(appId)], ...crumbs], actions }),
    tab ? applicationTabs(appId, tab) : null,
  );
  if (!sendTimeKeys.has(appId)) {
    sendTimeKeys.set(
      appId,
      // Not the page's signal: the answer outlives the page that asked.
      api.get(apiPath`/app/${appId}/idempotency-report`, {}).then(
        (report) => (report?.counts?.sendTimeKey ?? 0) > 0,
        () => false,
      ),
    );
  }
  void sendTimeKeys.get(appId).then((flagged) => {
    if (!flagged || header.querySelector('[data-testid="send-time-key-badge"]')) return;
    header.querySelector('.page-title-row h1')?.after(
      h(
        'a',
        { class: 'badge badge-fail', href: links.applicationSettings(appId), testid: 'send-time-key-badge', title: 'The same payload arrived under different keys: the producer probably mints its keys when sending. See the idempotency report.' },
        'send-time keys',
      ),
    );
  });
  if (!names.has(appId)) {
    api
      .get(apiPath`/app/${appId}`, {}, signal)
      .then((app) => {
        if (!app?.name) return;
        names.set(appId, app.name);
        const link = header.querySelector('.crumbs a:nth-of-type(2)');
        if (link) link.textContent = app.name;
      })
      .catch(() => {
        // The id already stands in for the name; the page's own requests report real failures.
      });
  }
  return header;
}

/** After a rename or a delete, so the breadcrumbs show what the API now holds. */
export function rememberApplicationName(appId, name) {
  if (name) names.set(appId, name);
  else names.delete(appId);
}
