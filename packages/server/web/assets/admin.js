// /admin/: sign-in with the ADMIN_TOKEN (a session cookie the script never sees), then the
// work queue, the record view, applications, consumers, callback deliveries and the audit trail. Every state-changing call carries the
// session's CSRF token in X-CSRF-Token.

import { ApiError, api, clearErrors, copyable, el, notify, showErrors, when } from './common.js';

const message = document.getElementById('admin-message');
const signIn = document.getElementById('sign-in');
const signInForm = document.getElementById('sign-in-form');
const consoleView = document.getElementById('console');

let csrfToken = null;
/** Not a secret: whether to ask the server for a session on load (no 401 for every visitor). */
const HINT = 'finum-admin-signed-in';

/** Calls the back office API; a lost session shows the sign-in again. */
async function call(path, { method = 'GET', body } = {}) {
  try {
    return await api(path, {
      method,
      body,
      headers: method === 'GET' || !csrfToken ? {} : { 'X-CSRF-Token': csrfToken },
    });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showSignIn(error.message);
    throw error;
  }
}

/** Runs an action, reporting its outcome (or its problem) in the message area. */
async function act(work, success) {
  try {
    const result = await work();
    if (success) notify(message, 'success', ...[success(result)].flat());
    return result;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status !== 401) notify(message, 'error', error.message);
    return undefined;
  }
}

function showSignIn(text) {
  csrfToken = null;
  localStorage.removeItem(HINT);
  consoleView.hidden = true;
  signIn.hidden = false;
  if (text) notify(message, 'warning', text);
  document.getElementById('token').focus();
}

function showConsole(session) {
  csrfToken = session.csrfToken;
  localStorage.setItem(HINT, '1');
  signIn.hidden = true;
  consoleView.hidden = false;
  route();
}

const slug = (text) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64) || 'consumer';

const badge = (status) => el('span', { class: `status-badge ${status}` }, status);

const facts = (pairs) =>
  el(
    'dl',
    { class: 'facts' },
    pairs.filter(([, value]) => value).flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );

/** A small form with one field and a button, wired to `onsubmit(value)`. */
function inlineForm({ id, label, value = '', multiline = false, button, danger = false, onsubmit }) {
  const control = multiline
    ? el('textarea', { id, name: id, rows: 3, required: true })
    : el('input', { type: 'text', id, name: id, required: true, class: 'mono', value });
  const error = el('span', { class: 'field-error', id: `${id}-error` });
  control.setAttribute('aria-describedby', error.id);
  const form = el(
    'form',
    { novalidate: true },
    el('div', { class: 'field' }, el('label', { for: id }, label), control, error),
    el('button', { type: 'submit', class: danger ? 'danger' : undefined }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!control.value.trim()) {
      showErrors(form, [{ field: id, message: 'is required' }], null, { [id]: label });
      return;
    }
    await onsubmit(control.value.trim(), form);
  });
  return form;
}

/** The back office's OpenAPI document (once): the audit actions, the lifecycle's provider steps. */
let adminDocument;
const loadAdminDocument = async () => {
  adminDocument ??= await api('/admin/openapi.json');
  return adminDocument;
};

// Work queue

async function renderQueue() {
  const [contracts, doc] = await Promise.all([call('/admin/api/contracts/awaiting'), loadAdminDocument()]);
  const list = document.getElementById('queue-list');
  if (contracts.length === 0) list.replaceChildren(el('p', {}, 'Nothing is waiting for you.'));
  else list.replaceChildren(...contracts.map((c) => queueCard(c, doc['x-provider-steps'][c.status])));
}

const capitalized = (text) => text.charAt(0).toUpperCase() + text.slice(1);

/** A waiting contract with the form that answers it: next status, note, the step's document. */
function queueCard(c, step) {
  const id = (name) => `${name}-${c.id}`;
  const field = (name, label, control, hint) =>
    el(
      'div',
      { class: 'field' },
      el('label', { for: id(name) }, label),
      hint ? el('span', { class: 'hint', id: id(`${name}-hint`) }, hint) : null,
      control,
      el('span', { class: 'field-error', id: id(`${name}-error`) }),
    );
  const status = el(
    'select',
    { id: id('status'), name: 'status' },
    el('option', { value: String(step.to) }, `${step.to}: ${step.document} ready`),
    step.whenDataMissing
      ? el(
          'option',
          { value: String(step.whenDataMissing) },
          `${step.whenDataMissing}: data missing (say what in the note)`,
        )
      : null,
  );
  const note = el('textarea', { id: id('note'), name: 'statusNote', rows: 2, maxlength: 2000 });
  const number = step.assignsContractNumber
    ? el('input', { type: 'text', id: id('number'), name: 'contractNumber', maxlength: 100, class: 'mono' })
    : null;
  const file = el('input', { type: 'file', id: id('file'), name: 'file', accept: 'application/pdf' });
  const form = el(
    'form',
    { novalidate: true, 'aria-label': `Answer contract ${c.id}` },
    field('status', 'Next status', status),
    field('note', 'Note to the consumer', note, 'Optional; with 110, what is missing.'),
    number ? field('number', 'Contract number', number) : null,
    field('file', `${capitalized(step.document)} document (PDF)`, file, `Attached as the contract’s ${step.document}.`),
    el('button', { type: 'submit' }, `Answer ${c.id}`),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button');
    button.disabled = true;
    const path = `/admin/api/contracts/${encodeURIComponent(c.id)}`;
    const change = { status: Number(status.value) };
    if (note.value.trim()) change.statusNote = note.value.trim();
    if (number?.value.trim()) change.contractNumber = number.value.trim();
    const done = await act(
      async () => {
        // The document first: the consumer's callback for the new status finds it in place.
        if (file.files.length > 0) {
          const upload = new FormData();
          upload.set('category', step.document);
          if (step.document === 'proposal') upload.set('asProposal', 'true');
          upload.set('file', file.files[0]);
          await call(`${path}/files`, { method: 'POST', body: upload });
        }
        return call(`${path}/status`, { method: 'POST', body: change });
      },
      (contract) =>
        `Contract ${c.id} is at ${contract.status} now (version ${contract.version})${file.files.length ? `, with its ${step.document}` : ''}: the consumer is called back.`,
    );
    button.disabled = false;
    if (done) {
      await renderQueue();
      message.setAttribute('tabindex', '-1');
      message.focus();
    }
  });
  return el(
    'article',
    { class: 'card', 'aria-labelledby': id('title') },
    el('h3', { id: id('title') }, `${c.id} `, badge(String(c.status))),
    facts([
      ['Waiting since', when(c.statusChangedAt)],
      ['Client', c.holderId],
      ['Product', c.productId],
      ['Start', c.startDate],
      ['Premium', c.premium ? `${c.premium} ${c.currency ?? ''} ${c.paymentFrequency ?? ''}` : null],
      ['Sum insured', c.sumInsured],
      ['Their reference', c.externalId],
      ['Note', c.statusNote],
    ]),
    form,
  );
}

// Record view

function showRecord(view) {
  const result = document.getElementById('record-result');
  const { record } = view;
  result.replaceChildren(
    el(
      'article',
      { class: 'card', 'aria-labelledby': 'record-view-title' },
      el('h3', { id: 'record-view-title', tabindex: '-1' }, `${capitalized(view.type)} ${record.id}`),
      facts([
        ['Consumer', view.ownerId ?? 'every consumer (public)'],
        ['Version', String(record.version)],
        ['Changed', when(record.updatedAt)],
        ['Deleted', record.deleted ? 'yes (a tombstone)' : null],
        ['Status', record.status === undefined ? null : String(record.status)],
      ]),
      view.files.length
        ? el(
            'div',
            {},
            el('h4', {}, 'Files'),
            el(
              'ul',
              {},
              view.files.map((f) => el('li', {}, el('code', {}, f.id), ` ${f.name} (${f.category}, ${f.size} bytes)`)),
            ),
          )
        : null,
      el(
        'details',
        { open: true },
        el('summary', {}, 'The record as the API returns it'),
        el('pre', {}, JSON.stringify(record, null, 2)),
      ),
    ),
  );
  result.querySelector('h3').focus();
}

/** The values of a form's fields by name, or undefined after showing which required ones are empty. */
function requiredValues(form, labels) {
  const values = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
  const missing = Object.keys(labels).filter((name) => !values[name]);
  clearErrors(form);
  if (missing.length === 0) return values;
  showErrors(
    form,
    missing.map((field) => ({ field, message: 'is required' })),
    null,
    labels,
  );
  return undefined;
}

async function findRecordById(form) {
  const values = requiredValues(form, { 'record-id': 'Record id' });
  if (!values) return;
  await act(async () =>
    showRecord(await call(`/admin/api/records/${values.type}/${encodeURIComponent(values['record-id'])}`)),
  );
}

async function findClientByExternalId(form) {
  const values = requiredValues(form, { 'external-consumer': 'Owning consumer', 'external-id': 'Client externalId' });
  if (!values) return;
  const [consumerId, externalId] = [values['external-consumer'], values['external-id']];
  await act(async () => {
    const clients = await call(
      `/admin/api/clients?${new URLSearchParams({ 'consumer-id': consumerId, 'external-id': externalId })}`,
    );
    if (clients.length === 0) {
      document
        .getElementById('record-result')
        .replaceChildren(el('p', {}, `${consumerId} has no client with the externalId ${externalId}.`));
      return;
    }
    showRecord(await call(`/admin/api/records/client/${encodeURIComponent(clients[0].id)}`));
  });
}

// Applications

async function renderApplications() {
  const status = document.getElementById('application-filter').value;
  const list = document.getElementById('applications-list');
  const applications = await call(`/admin/api/applications${status ? `?status=${status}` : ''}`);
  if (applications.length === 0) {
    list.replaceChildren(el('p', {}, status ? `No ${status} applications.` : 'No applications yet.'));
    return;
  }
  list.replaceChildren(...applications.map(applicationCard));
}

function applicationCard(app) {
  const card = el(
    'article',
    { class: 'card', 'aria-labelledby': `title-${app.id}` },
    el('h3', { id: `title-${app.id}` }, `${app.company} `, badge(app.status)),
    facts([
      ['Contact', `${app.contactName} · ${app.email} · ${app.phone}`],
      ['Website', app.website],
      ['Intended use', app.intendedUse],
      ['Callback URL', app.callbackUrl],
      [
        'Key',
        {
          pasted: 'public key pasted',
          browser: 'generated in the applicant’s browser',
          provider: 'provider generates',
        }[app.keySource],
      ],
      ['Submitted', when(app.submittedAt)],
      ['Decided', app.decidedAt ? when(app.decidedAt) : null],
      ['Consumer', app.consumerId],
      ['Reason', app.rejectionReason],
    ]),
    app.publicKey ? el('details', {}, el('summary', {}, 'Public key'), el('pre', {}, app.publicKey)) : null,
  );
  if (app.status === 'pending') {
    const decide = el(
      'div',
      { class: 'decide' },
      inlineForm({
        id: `consumer-${app.id}`,
        label: 'Consumer id',
        value: slug(app.company),
        button: 'Approve',
        onsubmit: (consumerId) =>
          act(
            () =>
              call(`/admin/api/applications/${app.id}/approve`, { method: 'POST', body: { consumerId } }).then(
                renderApplications,
              ),
            () => `Approved: consumer ${consumerId} is registered. The applicant’s status link shows the credentials.`,
          ),
      }),
      inlineForm({
        id: `reason-${app.id}`,
        label: 'Reason for rejecting',
        multiline: true,
        button: 'Reject',
        danger: true,
        onsubmit: (reason) =>
          act(
            () =>
              call(`/admin/api/applications/${app.id}/reject`, { method: 'POST', body: { reason } }).then(
                renderApplications,
              ),
            () => `Rejected the application of ${app.company}. The status link shows the reason.`,
          ),
      }),
    );
    card.append(decide);
  }
  return card;
}

// Consumers

async function renderConsumers() {
  const consumers = await call('/admin/api/consumers');
  const list = document.getElementById('consumers-list');
  if (consumers.length === 0) list.replaceChildren(el('p', {}, 'No consumers yet.'));
  else list.replaceChildren(...consumers.map(consumerCard));
}

function consumerCard(c) {
  const path = `/admin/api/consumers/${encodeURIComponent(c.id)}`;
  const refresh = () => renderConsumers();
  const toggle = c.status === 'active' ? 'disabled' : 'active';
  const keys = el(
    'ul',
    {},
    c.keys.map((k) =>
      el(
        'li',
        {},
        el('code', {}, k.kid),
        ` ${k.alg}, added ${when(k.createdAt)} `,
        el(
          'button',
          {
            type: 'button',
            class: 'secondary small',
            'aria-label': `Remove key ${k.kid} of ${c.id}`,
            onclick: () =>
              confirm(`Remove key ${k.kid} of ${c.id}? Tokens signed with it are refused at once.`) &&
              act(
                () => call(`${path}/keys/${encodeURIComponent(k.kid)}`, { method: 'DELETE' }).then(refresh),
                () => `Removed key ${k.kid} of ${c.id}.`,
              ),
          },
          'Remove',
        ),
      ),
    ),
  );
  const addKey = inlineForm({
    id: `key-${c.id}`,
    label: 'Public key (PEM)',
    multiline: true,
    button: 'Add key',
    onsubmit: (publicKey, form) =>
      act(
        async () => {
          try {
            const key = await call(`${path}/keys`, { method: 'POST', body: { publicKey } });
            await refresh();
            return key;
          } catch (error) {
            if (error instanceof ApiError && error.problem.errors) {
              showErrors(
                form,
                error.problem.errors.map((e) => ({ ...e, field: `key-${c.id}` })),
                null,
                { [`key-${c.id}`]: '' },
              );
            }
            throw error;
          }
        },
        (key) => `Added key ${key.kid} (${key.alg}) to ${c.id}: tokens pick it with the kid header.`,
      ),
  });
  return el(
    'article',
    { class: 'card', 'aria-labelledby': `consumer-${c.id}` },
    el('h3', { id: `consumer-${c.id}` }, `${c.id} `, badge(c.status)),
    facts([
      ['Name', c.name],
      ['Callback URL', c.callbackUrl ?? '—'],
      ['Since', when(c.createdAt)],
      ['Requests', `${c.usage.requests} (${c.usage.errors} answered with an error)`],
      ['Last seen', c.usage.lastSeenAt ? when(c.usage.lastSeenAt) : 'never'],
    ]),
    el('h4', {}, 'Keys'),
    c.keys.length ? keys : el('p', {}, 'No keys: this consumer cannot authenticate.'),
    el(
      'div',
      { class: 'actions' },
      el(
        'button',
        {
          type: 'button',
          class: toggle === 'disabled' ? 'danger' : undefined,
          onclick: () =>
            (toggle === 'active' || confirm(`Disable ${c.id}? Its tokens are refused at once.`)) &&
            act(
              () => call(`${path}/status`, { method: 'POST', body: { status: toggle } }).then(refresh),
              () => `${c.id} is ${toggle} now.`,
            ),
        },
        toggle === 'disabled' ? `Disable ${c.id}` : `Enable ${c.id}`,
      ),
      el(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () =>
            confirm(`Issue a new callback secret for ${c.id}? Callbacks are signed with the new one from now on.`) &&
            act(
              () => call(`${path}/callback-secret`, { method: 'POST' }),
              (r) => [
                el('p', {}, `New callback secret of ${c.id}: hand it to the consumer (its status link shows it too).`),
                copyable('Callback secret', r.callbackSecret, { id: 'new-callback-secret', rows: 1 }),
              ],
            ),
        },
        'Rotate callback secret',
      ),
    ),
    el('details', {}, el('summary', {}, 'Add a key (key rotation)'), addKey),
  );
}

/** A table with a caption for screen readers, column headers and its rows. */
const table = (caption, headers, rows) =>
  el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      {},
      el('caption', { class: 'visually-hidden' }, caption),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headers.map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );

// Deliveries

async function renderDeliveries() {
  const filter = new URLSearchParams();
  for (const [name, value] of new FormData(document.getElementById('deliveries-filter'))) {
    if (value) filter.set(name, String(value).trim());
  }
  const deliveries = await call(`/admin/api/deliveries?${filter}`);
  const list = document.getElementById('deliveries-list');
  if (deliveries.length === 0) {
    list.replaceChildren(el('p', {}, 'No callback deliveries match.'));
    return;
  }
  const rows = deliveries.map((d) =>
    el(
      'tr',
      {},
      el('td', {}, when(d.createdAt)),
      // A provider event (kind provider) goes to the provider's core system: no consumer is called.
      el('td', {}, d.consumerId ?? d.payload.consumerId ?? '—'),
      el(
        'td',
        {},
        d.contractId ?? '—',
        el('br'),
        el(
          'span',
          { class: 'hint' },
          d.kind === 'provider' ? d.payload.type : `${d.payload.previousStatus ?? '—'} → ${d.payload.status}`,
        ),
      ),
      el('td', {}, el('code', {}, d.url), el('br'), el('span', { class: 'hint' }, d.kind)),
      el(
        'td',
        {},
        badge(d.state),
        d.nextAttemptAt ? el('span', { class: 'hint' }, ` next ${when(d.nextAttemptAt)}`) : null,
        d.state === 'failed' || d.state === 'gone'
          ? el(
              'button',
              {
                type: 'button',
                class: 'secondary small',
                'aria-label': `Deliver ${d.webhookId} again`,
                onclick: () =>
                  act(
                    () =>
                      call(`/admin/api/deliveries/${encodeURIComponent(d.webhookId)}/redeliver`, {
                        method: 'POST',
                      }).then(renderDeliveries),
                    () => `Delivery ${d.webhookId} is queued again: one attempt now.`,
                  ),
              },
              'Deliver again',
            )
          : null,
      ),
      el(
        'td',
        {},
        d.attempts.length === 0
          ? 'none yet'
          : el(
              'details',
              {},
              el('summary', {}, `${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}`),
              el(
                'ol',
                {},
                d.attempts.map((a) =>
                  el('li', {}, `${when(a.startedAt)}: ${a.status ?? a.error ?? 'no answer'} (${a.durationMs} ms)`),
                ),
              ),
            ),
      ),
    ),
  );
  list.replaceChildren(
    table('Callback deliveries, newest first', ['Created', 'Consumer', 'Contract', 'URL', 'State', 'Attempts'], rows),
  );
}

// Audit trail

/** The actions of the filter: the enum of the `action` parameter in the back office's own OpenAPI document. */
async function loadAuditActions() {
  const select = document.getElementById('audit-action');
  if (select.options.length > 1) return;
  const doc = await loadAdminDocument();
  const action = doc.paths['/admin/api/audit'].get.parameters.find((p) => p.name === 'action');
  select.append(...action.schema.enum.map((value) => el('option', { value }, value)));
}

/** The few facts of an entry, as text. */
const auditDetail = (detail) =>
  Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join('; ');

async function renderAudit() {
  await loadAuditActions();
  const filter = new URLSearchParams();
  for (const [name, value] of new FormData(document.getElementById('audit-filter'))) {
    if (String(value).trim()) filter.set(name, String(value).trim());
  }
  const entries = await call(`/admin/api/audit?${filter}`);
  const list = document.getElementById('audit-list');
  if (entries.length === 0) {
    list.replaceChildren(el('p', {}, 'No entries match.'));
    return;
  }
  const rows = entries.map((e) =>
    el(
      'tr',
      {},
      el('td', {}, when(e.at)),
      el('td', {}, e.actor.name, el('br'), el('span', { class: 'hint' }, e.actor.kind)),
      el('td', {}, e.action),
      el('td', {}, e.target.id ?? '—', el('br'), el('span', { class: 'hint' }, e.target.type)),
      el('td', {}, auditDetail(e.detail)),
    ),
  );
  list.replaceChildren(table('Audit trail, newest first', ['When', 'Who', 'Action', 'Target', 'Detail'], rows));
}

const VIEWS = {
  queue: renderQueue,
  record: async () => {},
  applications: renderApplications,
  consumers: renderConsumers,
  deliveries: renderDeliveries,
  audit: renderAudit,
};

/** Shows the view of the URL's fragment (#queue, #record, #applications, #consumers, #deliveries, #audit). */
async function route() {
  if (consoleView.hidden) return;
  const name = VIEWS[location.hash.slice(1)] ? location.hash.slice(1) : 'applications';
  for (const panel of document.querySelectorAll('[data-view-panel]')) panel.hidden = panel.dataset.viewPanel !== name;
  for (const link of document.querySelectorAll('[data-view]')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  await act(() => VIEWS[name]());
  document.querySelector(`[data-view-panel="${name}"]`).setAttribute('data-loaded', 'true');
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors(signInForm);
  const token = signInForm.elements.token.value;
  if (!token) {
    showErrors(signInForm, [{ field: 'token', message: 'is required' }], null, { token: 'Admin token' });
    return;
  }
  try {
    const session = await api('/admin/api/session', { method: 'POST', body: { token } });
    signInForm.reset();
    notify(message, '', 'Signed in.');
    showConsole(session);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showErrors(signInForm, [{ field: 'token', message: error.message }], null, { token: '' });
  }
});

document.getElementById('sign-out').addEventListener('click', async () => {
  await act(() => call('/admin/api/session', { method: 'DELETE' }));
  showSignIn();
  notify(message, '', 'Signed out.');
});
document.getElementById('application-filter').addEventListener('change', () => act(renderApplications));
document.getElementById('deliveries-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  act(renderDeliveries);
});
document.getElementById('audit-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  act(renderAudit);
});
for (const [formId, find] of [
  ['record-by-id', findRecordById],
  ['record-by-external-id', findClientByExternalId],
]) {
  document.getElementById(formId).addEventListener('submit', (event) => {
    event.preventDefault();
    find(event.currentTarget);
  });
}
window.addEventListener('hashchange', route);

if (!localStorage.getItem(HINT)) showSignIn();
else {
  try {
    showConsole(await api('/admin/api/session'));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showSignIn(error.status === 401 ? 'Your session has ended: sign in again.' : error.message);
  }
}
