// /onboarding/: the application form. Checks every field here first (the server checks
// again with the same messages), generates a key pair in the browser on request, and
// submits once: the button is disabled and the idempotency key makes a retry safe.

import { ApiError, api, clearErrors, copyable, downloadText, notify, showErrors } from './common.js';
import { generateKeyPair, InputError } from './jwt.js';

const form = document.getElementById('application-form');
const summary = document.getElementById('form-summary');
const submitButton = document.getElementById('submit');
const submitStatus = document.getElementById('submit-status');
const publicKeyField = document.getElementById('publicKey');
const browserKey = document.getElementById('browser-key');
const generated = document.getElementById('generated');
const downloadStatus = document.getElementById('download-status');

/** Fields without a label of their own (the others are named by their label). */
const LABELS = { keySource: 'Key pair', homepage: 'The field “Leave this field empty”' };

/** The same messages as the server's (spec `APPLICATION_FIELDS`), from the browser's checks. */
function problemOf(input) {
  const v = input.validity;
  if (v.valueMissing) return 'is required';
  if (!input.value.trim()) return undefined;
  if (v.tooShort) return `must be at least ${input.minLength} characters`;
  if (v.tooLong) return `must be at most ${input.maxLength} characters`;
  if (
    input.type === 'email' &&
    (v.typeMismatch || !/^[^\s@"<>]+@[^\s@"<>]+\.[^\s@"<>]{2,}$/.test(input.value.trim()))
  ) {
    return 'must be an email address such as name@example.com';
  }
  if (input.name === 'phone' && !/^\+?[0-9][0-9 ()./-]{4,38}[0-9]$/.test(input.value.trim())) {
    return 'must be a phone number such as +43 1 234 5678';
  }
  if (input.name === 'callbackUrl' && (v.typeMismatch || !/^https?:\/\//i.test(input.value.trim()))) {
    return 'must be an https URL';
  }
  if (input.type === 'url' && v.typeMismatch) return 'must be a web address such as https://example.com';
  return undefined;
}

let privateKey; // of a pair generated here: it never leaves this page
let downloaded = false;
const idempotencyKey = crypto.randomUUID();

const keySource = () => form.elements.keySource.value;

function showKeySource() {
  const source = keySource();
  browserKey.hidden = source !== 'browser';
  document.getElementById('publicKey-field').hidden = source === 'provider';
  document.getElementById('provider-key-note').hidden = source !== 'provider';
  publicKeyField.readOnly = source === 'browser';
  if (source === 'browser' && !privateKey) publicKeyField.value = '';
}

/** Browser-side checks; `[{ field, message }]`. */
function check() {
  const errors = [];
  for (const input of form.querySelectorAll('input[name], textarea[name]')) {
    if (input.type === 'radio' || input.name === 'homepage' || input.name === 'publicKey') continue;
    const text = input.value.trim();
    if (text !== input.value) input.value = text;
    const message = problemOf(input);
    if (message) errors.push({ field: input.name, message });
  }
  const source = keySource();
  if (source === 'browser' && !privateKey) {
    errors.push({ field: 'publicKey', message: 'is missing: click “Generate key pair” first' });
  } else if (source === 'browser' && !downloaded) {
    errors.push({
      field: 'publicKey',
      message: 'is ready, but download the private key first: it cannot be recovered',
    });
  } else if (
    source === 'pasted' &&
    !/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(publicKeyField.value)
  ) {
    errors.push({
      field: 'publicKey',
      message: publicKeyField.value.includes('PRIVATE KEY')
        ? 'must be the public key: never paste your private key'
        : 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)',
    });
  }
  return errors;
}

function formBody() {
  const data = new FormData(form);
  const body = {};
  for (const [name, value] of data) body[name] = typeof value === 'string' ? value.trim() : value;
  if (body.keySource === 'provider') delete body.publicKey;
  for (const optional of ['website', 'callbackUrl']) if (!body[optional]) delete body[optional];
  return body;
}

async function submit(event) {
  event.preventDefault();
  if (submitButton.disabled) return;
  clearErrors(form);
  notify(summary, 'error');
  const errors = check();
  if (errors.length) {
    showErrors(form, errors, summary, LABELS);
    return;
  }
  submitButton.disabled = true;
  submitStatus.textContent = 'Submitting…';
  try {
    const receipt = await api('/onboarding/api/applications', {
      method: 'POST',
      body: formBody(),
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    showReceipt(receipt);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    submitButton.disabled = false;
    submitStatus.textContent = '';
    const fieldErrors = error.problem.errors ?? [];
    if (fieldErrors.length) showErrors(form, fieldErrors, summary, LABELS);
    else notify(summary, 'error', error.message);
    if (!fieldErrors.length || summary.textContent) summary.focus?.();
  }
}

function showReceipt(receipt) {
  form.hidden = true;
  const section = document.getElementById('receipt');
  const link = document.getElementById('status-link');
  link.href = receipt.statusUrl;
  link.textContent = receipt.statusUrl;
  document
    .getElementById('status-link-copy')
    .replaceChildren(copyable('Status link', receipt.statusUrl, { id: 'status-url', rows: 2 }));
  section.hidden = false;
  document.getElementById('receipt-title').focus();
}

async function generatePair() {
  const button = document.getElementById('generate-pair');
  button.disabled = true;
  try {
    const pair = await generateKeyPair(document.getElementById('generate-alg').value);
    privateKey = pair.privateKey;
    downloaded = false;
    publicKeyField.value = pair.publicKey;
    downloadStatus.textContent = '';
    generated.hidden = false;
    document.getElementById('download-private').focus();
  } catch (error) {
    const message =
      error instanceof InputError ? error.message : `The browser could not generate the pair: ${error.message}`;
    showErrors(form, [{ field: 'publicKey', message }], summary, { publicKey: '' });
  } finally {
    button.disabled = false;
  }
}

function downloadPrivateKey() {
  downloadText('finum-sync-private-key.pem', privateKey);
  downloaded = true;
  downloadStatus.textContent = 'Downloaded as finum-sync-private-key.pem. Keep it safe.';
}

form.addEventListener('submit', submit);
for (const radio of form.querySelectorAll('input[name="keySource"]')) radio.addEventListener('change', showKeySource);
document.getElementById('generate-pair').addEventListener('click', generatePair);
document.getElementById('download-private').addEventListener('click', downloadPrivateKey);
summary.tabIndex = -1;
showKeySource();
