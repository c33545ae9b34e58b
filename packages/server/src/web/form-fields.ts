import { APPLICATION_FIELDS, type ApplicationField } from '@finum-sync/spec';

/**
 * The onboarding form's controls, made from the spec's field table (label, required,
 * length), so that the page, the server's checks and the messages cannot drift apart.
 * What only the page needs (input type, autofill, hint) is here.
 */
const CONTROLS: Record<
  ApplicationField,
  { type: 'text' | 'email' | 'tel' | 'url' | 'textarea'; autocomplete?: string; placeholder?: string; hint?: string }
> = {
  company: { type: 'text', autocomplete: 'organization' },
  website: { type: 'url', autocomplete: 'url', placeholder: 'https://' },
  contactName: { type: 'text', autocomplete: 'name' },
  email: { type: 'email', autocomplete: 'email' },
  phone: { type: 'tel', autocomplete: 'tel', placeholder: '+43 1 234 5678' },
  intendedUse: { type: 'textarea', hint: 'Which records, how often, for how many clients (at least 20 characters).' },
  callbackUrl: {
    type: 'url',
    placeholder: 'https://',
    hint: 'Called at every status change of your contracts: https, reachable from the internet.',
  },
  publicKey: {
    type: 'textarea',
    hint: 'SPKI PEM (<code>-----BEGIN PUBLIC KEY-----</code>): RSA ≥ 2048 bits, EC P-256 or Ed25519.',
  },
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The HTML of one field: label, hint, control and the slot its error message goes to. */
export function fieldHtml(name: ApplicationField): string {
  const rule: { label: string; required: boolean; maxLength: number; minLength?: number } = APPLICATION_FIELDS[name];
  const control = CONTROLS[name];
  const described = [control.hint ? `${name}-hint` : '', `${name}-error`].filter(Boolean).join(' ');
  const attributes = [
    `id="${name}"`,
    `name="${name}"`,
    rule.required ? 'required' : '',
    rule.minLength ? `minlength="${rule.minLength}"` : '',
    `maxlength="${rule.maxLength}"`,
    control.autocomplete ? `autocomplete="${control.autocomplete}"` : '',
    control.placeholder ? `placeholder="${escapeHtml(control.placeholder)}"` : '',
    `aria-describedby="${described}"`,
  ]
    .filter(Boolean)
    .join(' ');
  const input =
    control.type === 'textarea'
      ? `<textarea ${attributes} rows="5"${name === 'publicKey' ? ' class="mono" spellcheck="false"' : ''}></textarea>`
      : `<input type="${control.type}" ${attributes} />`;
  const optional = rule.required || name === 'publicKey' ? '' : ' <span class="optional">(optional)</span>';
  return [
    `<div class="field" id="${name}-field">`,
    `  <label for="${name}">${escapeHtml(rule.label)}${optional}</label>`,
    control.hint ? `  <span class="hint" id="${name}-hint">${control.hint}</span>` : '',
    `  ${input}`,
    `  <span class="field-error" id="${name}-error"></span>`,
    '</div>',
  ]
    .filter(Boolean)
    .join('\n');
}
