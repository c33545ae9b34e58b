import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ProblemError } from '@finum-sync/spec';

/**
 * Where callbacks may go (SPEC §8): https only, never to loopback, private, link-local or
 * otherwise special addresses — checked when the URL is given and again at connect time
 * (against DNS rebinding). `ALLOW_PRIVATE_CALLBACKS=true` admits loopback, private ranges
 * and plain http for development; link-local (cloud metadata) and the rest stay refused.
 */

type Category = 'loopback' | 'private' | 'forbidden';

const ranges: Array<[Category, string, number, 'ipv4' | 'ipv6']> = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['private', '100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['private', 'fc00::', 7, 'ipv6'], // unique local
  ['forbidden', '0.0.0.0', 8, 'ipv4'], // "this network", unspecified
  ['forbidden', '169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata
  ['forbidden', '192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['forbidden', '192.0.2.0', 24, 'ipv4'], // documentation
  ['forbidden', '198.18.0.0', 15, 'ipv4'], // benchmarking
  ['forbidden', '198.51.100.0', 24, 'ipv4'],
  ['forbidden', '203.0.113.0', 24, 'ipv4'],
  ['forbidden', '224.0.0.0', 4, 'ipv4'], // multicast
  ['forbidden', '240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['forbidden', '::', 128, 'ipv6'], // unspecified
  ['forbidden', 'fe80::', 10, 'ipv6'], // link-local
  ['forbidden', 'fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['forbidden', 'ff00::', 8, 'ipv6'], // multicast
  ['forbidden', '2001:db8::', 32, 'ipv6'], // documentation
  ['forbidden', '100::', 64, 'ipv6'], // discard
];

const lists: Record<Category, BlockList> = {
  loopback: new BlockList(),
  private: new BlockList(),
  forbidden: new BlockList(),
};
for (const [category, net, prefix, family] of ranges) lists[category].addSubnet(net, prefix, family);

/** IPv6 forms that carry an IPv4 address: mapped (::ffff:a.b.c.d), NAT64, 6to4, IPv4-compatible. */
function embeddedIPv4(ip: string): string | undefined {
  const words = expandIPv6(ip);
  if (!words) return undefined;
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!); // ::ffff:0:0/96
  if (words[0] === 0x64 && words[1] === 0xff9b && zero(2, 6)) return v4(words[6]!, words[7]!); // 64:ff9b::/96
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!); // 2002::/16
  if (zero(0, 6) && (words[6] !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!); // ::a.b.c.d
  return undefined;
}

function expandIPv6(ip: string): number[] | undefined {
  let text = ip.replace(/^\[|\]$/g, '').split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const p = dotted[1]!.split('.').map(Number);
    text = text.replace(dotted[1]!, `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`);
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  const missing = 8 - a.length - b.length;
  if (tail === undefined ? a.length !== 8 : missing < 0) return undefined;
  const words = [...a, ...Array(tail === undefined ? 0 : missing).fill('0'), ...b].map((w) => Number.parseInt(w, 16));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : undefined;
}

/** What kind of address an IP is: `public`, or the category that restricts it. */
export function classifyAddress(ip: string): Category | 'public' {
  const family = isIP(ip);
  if (family === 0) return 'forbidden';
  if (family === 6) {
    const v4 = embeddedIPv4(ip);
    if (v4) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const category of ['forbidden', 'loopback', 'private'] as const) {
    if (lists[category].check(ip, type)) return category;
  }
  return 'public';
}

export interface CallbackPolicy {
  allowPrivate: boolean;
  /**
   * Hosts (lower case, as in the URL) that may resolve to loopback or private addresses and
   * be called over plain http: the provider's own core system (`PROVIDER_WEBHOOK_ALLOW_HOSTS`).
   * Only the provider events' policy has them; consumer callbacks never do.
   */
  allowHosts?: ReadonlySet<string>;
}

/** The policy for one host: an allow-listed host is treated as with `ALLOW_PRIVATE_CALLBACKS=true`. */
export function policyForHost(policy: CallbackPolicy, host: string): CallbackPolicy {
  return policy.allowHosts?.has(host.toLowerCase().replace(/^\[|\]$/g, '')) ? { allowPrivate: true } : policy;
}

/** Why an address may not be called, or undefined when it may. */
export function addressRefusal(ip: string, policy: CallbackPolicy): string | undefined {
  const category = classifyAddress(ip);
  if (category === 'public') return undefined;
  if ((category === 'loopback' || category === 'private') && policy.allowPrivate) return undefined;
  return category === 'forbidden'
    ? `${ip} is a link-local, unspecified or reserved address`
    : `${ip} is a ${category} address (allowed only with ALLOW_PRIVATE_CALLBACKS=true)`;
}

const refuse = (detail: string) =>
  new ProblemError('callback-url-refused', `callbackUrl refused: ${detail}.`, {
    errors: [{ field: 'callbackUrl', message: detail }],
  });

export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Checks a callback URL when a consumer gives it: scheme, no credentials, and every
 * address its host resolves to. The WHATWG URL parser has already turned encoded forms
 * (`http://2130706433`, `http://0x7f.1`, `http://[::ffff:127.0.0.1]`) into plain addresses.
 */
export async function checkCallbackUrl(text: string, policy: CallbackPolicy, resolve: Resolver = systemResolver) {
  const checked = staticCheck(text, policy);
  if (typeof checked === 'string') throw refuse(checked);
  const { url, host, literal } = checked;
  if (literal) return url;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    throw refuse(`the host ${host} does not resolve`);
  }
  if (addresses.length === 0) throw refuse(`the host ${host} does not resolve`);
  for (const address of addresses) {
    const why = addressRefusal(address, policy);
    if (why) throw refuse(`${host} resolves to ${why}`);
  }
  return url;
}

/** The checks that need no DNS: an absolute URL, no credentials, a literal address, the scheme. */
function staticCheck(text: string, basePolicy: CallbackPolicy): { url: URL; host: string; literal: boolean } | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (url.username || url.password) return 'credentials in the URL are not allowed';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const policy = policyForHost(basePolicy, host);
  const literal = isIP(host) !== 0;
  // An address is the graver problem: name it before the scheme.
  const literalRefusal = literal ? addressRefusal(host, policy) : undefined;
  if (literalRefusal) return literalRefusal;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowPrivate)) {
    return policy.allowPrivate ? 'use https or http' : 'use https';
  }
  return { url, host, literal };
}

/**
 * What is wrong with a provider webhook URL, checked at start (no DNS: the core system's name
 * may not resolve yet; every connection checks its addresses), or undefined when it may be used.
 * @example
 * providerWebhookUrlProblem('http://10.0.0.7/events', { allowPrivate: false }); // '10.0.0.7 is a private address …'
 */
export function providerWebhookUrlProblem(text: string, policy: CallbackPolicy): string | undefined {
  const checked = staticCheck(text, policy);
  return typeof checked === 'string' ? `${text}: ${checked}` : undefined;
}
