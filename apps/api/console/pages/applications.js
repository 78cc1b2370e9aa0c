import { apiPath, pageQuery } from '../api.js';
import { h } from '../dom.js';
import { links, withParams } from '../routes.js';
import { dataTable, emptyState, idText, loadInto, pageHeader, pagination, time } from '../views.js';

/** Every application, a page at a time. */
export async function applicationsPage({ api, params, signal, container }) {
  document.title = 'Applications · Idem console';
  const body = h('div');
  container.append(
    pageHeader({
      title: 'Applications',
      testid: 'applications-title',
      actions: [h('a', { class: 'button button-primary', href: links.newApplication(), testid: 'application-new' }, 'New application')],
    }),
    body,
  );
  container.setAttribute('data-testid', 'applications-page');
  await loadInto(
    body,
    signal,
    () => api.get(apiPath`/app`, pageQuery(params), signal),
    (list) => {
      if (!list?.data?.length) {
        return emptyState(params.get('iterator') ? 'No more applications.' : 'No applications yet.', 'Create one with New application, POST /api/v1/app or an SDK.');
      }
      return h(
        'div',
        {},
        dataTable({
          testid: 'applications-table',
          rows: list.data,
          rowAttributes: (app) => ({ testid: 'application-row', 'data-app-id': app.id }),
          columns: [
            { label: 'Name', cell: (app) => h('a', { href: links.endpoints(app.id), testid: 'application-link', class: 'strong' }, app.name || app.id) },
            { label: 'UID', cell: (app) => (app.uid ? h('code', {}, app.uid) : null) },
            { label: 'ID', cell: (app) => idText(app.id) },
            { label: 'Created', cell: (app) => time(app.createdAt) },
            {
              label: 'Go to',
              class: 'cell-actions',
              cell: (app) => [
                h('a', { href: links.endpoints(app.id), class: 'button button-small' }, 'Endpoints'),
                h('a', { href: links.messages(app.id), class: 'button button-small' }, 'Messages'),
                h('a', { href: links.applicationSettings(app.id), class: 'button button-small', testid: 'application-settings' }, 'Settings'),
              ],
            },
          ],
        }),
        pagination(list, params, (iterator) => links.applications(withParams(params, { iterator }))),
      );
    },
  );
}
