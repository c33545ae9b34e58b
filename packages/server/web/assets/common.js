// Shared helpers of the pages: DOM building (never innerHTML with data), calls to the
// server's JSON APIs with problem+json errors, field error display, copy and download.

/** Builds an element: `el('p', { class: 'hint' }, 'text', child)`. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** An answer that is not 2xx, with its RFC 9457 problem. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

/**
 * Calls one of the server's JSON APIs; throws an {@link ApiError} on a problem. These are the
 * pages' own endpoints (onboarding, back office, demo credentials: a session cookie or none, no
 * consumer token), which the consumer SDK does not cover: it speaks the consumer API of SPEC §6–7.
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        // A FormData body (a file upload) brings its own multipart content type and boundary.
        ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined || body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Clears the error messages of a form. */
export function clearErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
}

/** The name of a field as its label says it (without "(optional)"). */
function labelOf(form, field) {
  const label = form.querySelector(`label[for="${CSS.escape(field)}"]`);
  return label?.firstChild?.textContent?.trim();
}

/**
 * Shows `{ field, message }` errors under their fields (slot `#<field>-error`, wired to
 * the control with aria-describedby) and focuses the first invalid control; a message
 * starts with the field's label (`labels` overrides, '' for none). Errors without a slot
 * go to `summary`. Returns how many were shown.
 */
export function showErrors(form, errors, summary, labels = {}) {
  const loose = [];
  let first;
  for (const { field, message } of errors) {
    const control = field ? form.querySelector(`[name="${CSS.escape(field)}"]`) : null;
    const slot = field ? form.querySelector(`#${CSS.escape(field)}-error`) : null;
    const label = labels[field] ?? labelOf(form, field) ?? field;
    const joined = label ? `${label} ${message}` : message;
    const text = /[.!?]$/.test(joined) ? joined : `${joined}.`;
    if (slot) {
      slot.textContent = text;
      control?.setAttribute('aria-invalid', 'true');
      first ??= control;
    } else loose.push(field ? text : message);
  }
  if (summary) {
    summary.textContent = '';
    if (loose.length) summary.append(...loose.map((t) => el('p', {}, t)));
  }
  first?.focus();
  return errors.length;
}

/** Shows a message in a notice element (`kind`: '', 'error', 'success', 'warning'). */
export function notify(target, kind, ...content) {
  target.className = `notice${kind ? ` ${kind}` : ''}`;
  target.replaceChildren(...content.map((c) => (c instanceof Node ? c : el('p', {}, c))));
}

/** Copies text to the clipboard, announcing the result in `status`. */
export async function copyText(text, status) {
  try {
    await navigator.clipboard.writeText(text);
    if (status) status.textContent = 'Copied to the clipboard.';
    return true;
  } catch {
    if (status) status.textContent = 'Copying is blocked in this browser: select the text and press Ctrl+C (⌘C).';
    return false;
  }
}

/** Saves text as a file the user downloads. */
export function downloadText(filename, text, type = 'application/x-pem-file') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el('a', { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A read-only value with a copy button and a status line for screen readers. */
export function copyable(label, value, { id, rows = 3, mono = true } = {}) {
  const fieldId = id ?? `copy-${Math.random().toString(36).slice(2)}`;
  const status = el('span', { class: 'hint', role: 'status' });
  const attributes = { id: fieldId, readonly: true, class: mono ? 'mono' : undefined, spellcheck: 'false' };
  const area = rows > 1 ? el('textarea', { ...attributes, rows }) : el('input', { ...attributes, type: 'text' });
  area.value = value;
  // "Callback secret" → "Copy callback secret"; "JWT payload" keeps its capitals.
  const what = label.replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase());
  const button = el(
    'button',
    { type: 'button', class: 'secondary small', onclick: () => copyText(area.value, status) },
    `Copy ${what}`,
  );
  return el(
    'div',
    { class: 'field' },
    el('label', { for: fieldId }, label),
    area,
    el('div', { class: 'actions' }, button, status),
  );
}

/** Local date and time of an RFC 3339 timestamp. */
export const when = (timestamp) => (timestamp ? new Date(timestamp).toLocaleString() : '—');
