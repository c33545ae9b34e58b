// "/": the JWT generator of "Test it". Prefills the demo consumer's payload and private
// key, detects the algorithm from the key, adds iat/exp and signs in the browser with the
// consumer SDK (`signToken`, see jwt.js).

import { ApiError, api, clearErrors, copyText, el, notify, showErrors, when } from './common.js';
import { InputError, keyKind, privateKeyDer, signJwt } from './jwt.js';

const form = document.getElementById('jwt-form');
const payloadField = document.getElementById('payload');
const keyField = document.getElementById('privateKey');
const algField = document.getElementById('alg-field');
const algSelect = document.getElementById('alg');
const detected = document.getElementById('algorithm-detected');
const lifetimeSelect = document.getElementById('lifetime');
const kidField = document.getElementById('kid');
const formError = document.getElementById('jwt-error');
const result = document.getElementById('jwt-result');
const jwtField = document.getElementById('jwt');
const expiry = document.getElementById('jwt-expiry');
const decoded = document.getElementById('jwt-decoded');
const demoNote = document.getElementById('demo-note');

const LIFETIMES = [
  [300, '5 minutes'],
  [900, '15 minutes'],
  [3600, '1 hour'],
  [14400, '4 hours'],
  [86400, '24 hours'],
];

/** Offers the lifetimes up to the provider's maximum; 1 hour (or the maximum) preselected. */
function fillLifetimes(maxSeconds) {
  const choices = LIFETIMES.filter(([seconds]) => seconds <= maxSeconds);
  if (!choices.some(([seconds]) => seconds === maxSeconds)) {
    choices.push([maxSeconds, `${Math.round(maxSeconds / 60)} minutes (the provider’s maximum)`]);
    choices.sort((a, b) => a[0] - b[0]);
  }
  const preferred = Math.min(3600, maxSeconds);
  lifetimeSelect.replaceChildren(
    ...choices.map(([seconds, label]) => el('option', { value: seconds, selected: seconds === preferred }, label)),
  );
}

/** Shows which algorithm the pasted key signs with; RSA keys choose RS256 or PS256. */
function detectAlgorithm() {
  detected.textContent = '';
  algField.hidden = true;
  if (!keyField.value.trim()) return;
  try {
    const kind = keyKind(privateKeyDer(keyField.value));
    if (kind.algorithms.length > 1) {
      algField.hidden = false;
      detected.textContent = `${kind.label} key: choose RS256 or PS256.`;
    } else {
      detected.textContent = `${kind.label} key: signs with ${kind.algorithms[0]}.`;
    }
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    // The message appears when the JWT is generated; nothing to say while typing.
  }
}

const DEMO_OFF =
  'The demo is off on this provider: paste the JWT payload and private key you got with your onboarding.';

async function prefill() {
  let info = { maxTokenLifetime: 3600, demo: true };
  try {
    info = await api('/onboarding/api/provider-info');
  } catch {
    // Keep the SPEC's default maximum, and try the demo.
  }
  fillLifetimes(info.maxTokenLifetime);
  if (!info.demo) {
    notify(demoNote, 'warning', DEMO_OFF);
    return;
  }
  try {
    const demo = await api('/demo/credentials');
    payloadField.value = JSON.stringify(demo.payload, null, 2);
    keyField.value = demo.privateKey;
    notify(
      demoNote,
      '',
      'Prefilled with the demo consumer’s payload and private key (public by design: they open only demo data).',
    );
  } catch (error) {
    const off = error instanceof ApiError && error.status === 404;
    notify(
      demoNote,
      off ? 'warning' : 'error',
      off ? DEMO_OFF : `The demo credentials could not be loaded: ${error.message}`,
    );
  }
  detectAlgorithm();
}

async function generate(event) {
  event.preventDefault();
  clearErrors(form);
  notify(formError, 'error');
  try {
    const signed = await signJwt({
      payloadText: payloadField.value,
      privateKeyPem: keyField.value,
      alg: algField.hidden ? undefined : algSelect.value,
      kid: kidField.value.trim() || undefined,
      lifetimeSeconds: Number(lifetimeSelect.value),
    });
    jwtField.value = signed.token;
    // The docs read the token from the fragment (never sent to the server) and open authorized.
    document.getElementById('open-docs-authorized').href = `/v1/docs/#authorize=${signed.token}`;
    expiry.textContent = `Signed with ${signed.header.alg}; valid until ${when(signed.claims.exp * 1000)}.`;
    decoded.textContent = `${JSON.stringify(signed.header, null, 2)}\n${JSON.stringify(signed.claims, null, 2)}`;
    result.hidden = false;
    jwtField.focus();
    jwtField.select();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    result.hidden = true;
    if (error.field)
      showErrors(form, [{ field: error.field, message: error.message }], formError, { [error.field]: '' });
    else notify(formError, 'error', error.message);
  }
}

form.addEventListener('submit', generate);
keyField.addEventListener('input', detectAlgorithm);
document
  .getElementById('copy-jwt')
  .addEventListener('click', () => copyText(jwtField.value, document.getElementById('copy-status')));
prefill();
