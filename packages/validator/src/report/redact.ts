import type { Exchange } from '../model.js';

/** Anything that looks like a credential: JWTs, PEM blocks, webhook secrets, bearer values. */
const SECRETS: ReadonlyArray<[RegExp, string]> = [
  [/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '<jwt>'],
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '<pem>'],
  [/whsec_[A-Za-z0-9+/=]+/g, 'whsec_<secret>'],
  [/(bearer\s+)[^\s"',]+/gi, '$1<token>'],
];

/** The text with every credential replaced by a placeholder. */
export function redact(text: string): string {
  return SECRETS.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Request headers the reproduction needs (the token is always `$FINUM_TOKEN`). */
const SHOWN_HEADERS = new Set(['content-type', 'idempotency-key', 'range', 'if-none-match']);

/**
 * A `curl` command that repeats the request, with the bearer token replaced by
 * `$FINUM_TOKEN` and a comment saying what kind of token it was.
 *
 * @example
 * curlFor(exchange) // "curl -sS -i 'https://…/v1/auth-status' -H \"Authorization: Bearer $FINUM_TOKEN\"  # token: alg 'none'…"
 */
export function curlFor(e: Exchange): string {
  const { method, url, headers, body, token } = e.request;
  const parts = ['curl -sS -i'];
  if (method !== 'GET') parts.push(`-X ${method}`);
  parts.push(quote(redact(url)));
  if (token) parts.push('-H "Authorization: Bearer $FINUM_TOKEN"');
  for (const [name, value] of Object.entries(headers))
    if (SHOWN_HEADERS.has(name.toLowerCase())) parts.push(`-H ${quote(`${name}: ${redact(value)}`)}`);
  if (body !== undefined) parts.push(`--data-raw ${quote(redact(body))}`);
  const comment = token ? `  # FINUM_TOKEN: ${token}` : '';
  return parts.join(' ') + comment;
}

export interface Excerpt {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const EXCERPT_HEADERS = ['content-type', 'www-authenticate', 'x-sync-until', 'retry-after', 'date', 'link', 'etag'];
export const EXCERPT_CHARS = 600;

/** The part of the answer a finding is about: status, telling headers, the start of the body. */
export function excerptOf(e: Exchange): Excerpt | undefined {
  const r = e.response;
  if (!r) return undefined;
  const headers = Object.fromEntries(
    EXCERPT_HEADERS.filter((h) => r.headers[h] !== undefined).map((h) => [h, redact(r.headers[h]!)]),
  );
  const binary = !/json|text|xml|html/.test(r.headers['content-type'] ?? '');
  const body = binary
    ? `<${r.bytes} bytes>`
    : r.text.length > EXCERPT_CHARS
      ? `${r.text.slice(0, EXCERPT_CHARS)}… (${r.bytes} bytes)`
      : r.text;
  return { status: r.status, headers, body: redact(body) };
}

/** A long command shortened in the middle for reading (the JSON report keeps it whole). */
export const shorten = (text: string, max = 400) =>
  text.length <= max ? text : `${text.slice(0, max * 0.7)} … ${text.slice(-max * 0.3)}`;
