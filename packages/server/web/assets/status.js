// /onboarding/status#<token>: the status of an application. The token stays in the URL's
// fragment (never sent in a request line, never in a Referer) and goes in a POST body.

import { ApiError, api, copyable, downloadText, el, notify, when } from './common.js';

const message = document.getElementById('status-message');
const details = document.getElementById('status-details');

const facts = (pairs) =>
  el(
    'dl',
    { class: 'facts' },
    pairs.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]),
  );

const badge = (status) => el('span', { class: `status-badge ${status}` }, status);

function privateKeySection(status) {
  if (status.privateKey) {
    const key = status.privateKey;
    return el(
      'section',
      { class: 'notice warning', 'aria-labelledby': 'private-key-title' },
      el('h2', { id: 'private-key-title' }, 'Your private key — shown only this once'),
      el(
        'p',
        {},
        el('strong', {}, 'It has now been deleted from the provider’s database.'),
        ' This page will not show it again, not even after a reload. Download it and keep it safe; never send it to anyone.',
      ),
      el(
        'div',
        { class: 'actions' },
        el(
          'button',
          { type: 'button', id: 'download-private', onclick: () => downloadText('finum-sync-private-key.pem', key) },
          'Download the private key',
        ),
      ),
      copyable('Private key', key, { id: 'private-key', rows: 6 }),
    );
  }
  if (status.privateKeyShownAt) {
    return el(
      'div',
      { class: 'notice', id: 'private-key-gone' },
      el(
        'p',
        {},
        `The private key the provider generated for you was shown once, on ${when(status.privateKeyShownAt)}, and then deleted from the provider’s database: it cannot be shown again. If it is lost, ask the provider to register a new public key for you.`,
      ),
    );
  }
  return el(
    'p',
    {},
    status.keySource === 'browser'
      ? 'Sign your tokens with the private key you downloaded when you applied (it never left your browser).'
      : 'Sign your tokens with the private key that belongs to the public key you sent.',
  );
}

/** The file the private key is in: the name the pages download it as, or the applicant's own. */
const keyFile = (status) => (status.keySource === 'pasted' ? 'your-private-key.pem' : 'finum-sync-private-key.pem');

/** Ready to run: sign a token with the applicant's payload and key, call auth-status with it. */
function firstCall(status) {
  const base = window.location.origin;
  const payload = JSON.stringify(status.credentials.payload);
  const snippet = [
    '# Sign a token (valid 1 hour) with your private key, then make your first call:',
    `JWT=$(npx finum-sync token --payload '${payload}' --key ${keyFile(status)})`,
    `curl -sS -H "Authorization: Bearer $JWT" ${base}/v1/auth-status`,
  ].join('\n');
  return [
    el('h2', { id: 'first-call-title' }, 'Your first call'),
    facts([
      ['API base URL', el('code', {}, `${base}/v1`)],
      ['Interactive docs', el('a', { href: '/v1/docs/' }, `${base}/v1/docs/`)],
    ]),
    el(
      'p',
      {},
      'In a terminal, with the finum-sync command (',
      el('code', {}, 'npx finum-sync'),
      ' in a copy of finum-sync) and your private key file beside you:',
    ),
    copyable('Commands', snippet, { id: 'first-call', rows: 3 }),
    el(
      'p',
      { class: 'hint' },
      'Or sign a token in this browser on the ',
      el('a', { href: '/#test-it' }, 'Test it'),
      ' page and open the interactive docs authorized from there. The answer to auth-status names your consumer id.',
    ),
  ];
}

function approved(status) {
  const { credentials } = status;
  return [
    el('h2', {}, 'Your credentials'),
    el(
      'p',
      {},
      'Sign this JWT payload with your private key (adding iat and exp), and send the token as ',
      el('code', {}, 'Authorization: Bearer <JWT>'),
      '. Try it on the ',
      el('a', { href: '/#test-it' }, 'Test it'),
      ' page.',
    ),
    copyable('JWT payload', JSON.stringify(credentials.payload, null, 2), { id: 'jwt-payload', rows: 4 }),
    copyable('Callback secret', credentials.callbackSecret, { id: 'callback-secret', rows: 1 }),
    el(
      'p',
      { class: 'hint' },
      'Callbacks are signed with the callback secret (Standard Webhooks: check webhook-signature with it).',
    ),
    privateKeySection(status),
    ...firstCall(status),
  ];
}

/** What went wrong, in words for the applicant (never the API's). */
function loadFailure(error) {
  if (error instanceof ApiError && (error.status === 400 || error.status === 404)) {
    return 'This status link is not complete or not known. Open the whole link you got when you submitted the form (it ends in a long code after the #); if it is lost, apply again.';
  }
  if (error instanceof ApiError && error.status === 429) {
    return 'Too many attempts from your address just now: try again in a minute.';
  }
  return 'The status of your application could not be loaded just now. Check your connection and reload the page in a moment.';
}

async function load() {
  const token = decodeURIComponent(location.hash.slice(1));
  if (!token) {
    notify(
      message,
      'error',
      'This page needs the status link you got when you submitted the onboarding form (…/onboarding/status#…).',
    );
    return;
  }
  let status;
  try {
    status = await api('/onboarding/api/application-status', { method: 'POST', body: { token } });
  } catch (error) {
    notify(message, 'error', loadFailure(error));
    return;
  }
  const common = facts([
    ['Company', status.company],
    ['Application', status.applicationId],
    ['Submitted', when(status.submittedAt)],
    ['Status', badge(status.status)],
    ...(status.decidedAt ? [['Decided', when(status.decidedAt)]] : []),
  ]);
  if (status.status === 'pending') {
    notify(message, '', 'Your application is waiting for review by a provider administrator.');
    const again = el('button', { type: 'button', class: 'secondary', onclick: () => location.reload() }, 'Check again');
    details.replaceChildren(common, el('div', { class: 'actions' }, again));
  } else if (status.status === 'rejected') {
    notify(message, 'error', 'Your application was rejected.');
    details.replaceChildren(
      common,
      el('h2', {}, 'Reason'),
      el('p', { id: 'rejection-reason' }, status.rejectionReason ?? '—'),
    );
  } else {
    notify(message, 'success', 'Your application was approved. Welcome!');
    details.replaceChildren(common, ...approved(status));
  }
}

window.addEventListener('hashchange', load);
load();
