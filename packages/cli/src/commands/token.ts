import { createPrivateKey, type KeyObject } from 'node:crypto';
import { algorithmForKey, type SigningAlgorithm, signToken } from '@finum-sync/client';
import { algorithmsForKeyType, isKeyType, TOKEN_RULES } from '@finum-sync/spec/constants';
import { choiceOption, defineCommand, intOption, JSON_OPTION, SIGNING_ALGORITHMS, UsageError } from '../command.js';
import { readInput } from '../input.js';

/** The JWT payload from `--payload`: JSON text, or a file holding it (`-`: standard input). */
export function readPayload(text: string): Record<string, unknown> {
  const json = text.trim().startsWith('{') ? text : readInput(text, 'payload', 'utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--payload is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new UsageError('--payload must be a JSON object such as {"sub":"acme-broker","aud":"https://…"}');
  }
  const { sub, aud } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '') {
    throw new UsageError("--payload needs 'sub': your consumer id, a non-empty string");
  }
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (aud === undefined || audiences.length === 0 || !audiences.every((a) => typeof a === 'string' && a !== '')) {
    throw new UsageError("--payload needs 'aud': the provider's audience (its PUBLIC_URL), a string");
  }
  return payload as Record<string, unknown>;
}

/** The private key from `--key`, with the algorithm it signs with. */
export function readPrivateKey(path: string, requested?: string): { key: KeyObject; alg: SigningAlgorithm } {
  const pem = readInput(path, 'key', 'utf8');
  if (/-----BEGIN PUBLIC KEY-----/.test(pem)) {
    throw new UsageError(`--key: ${path} is a public key; tokens are signed with the private key`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new UsageError(`--key: ${path} is not a PEM private key (expected -----BEGIN PRIVATE KEY-----)`);
  }
  let natural: SigningAlgorithm;
  try {
    natural = algorithmForKey(key);
  } catch (error) {
    throw new UsageError(`--key: ${(error as Error).message}`);
  }
  if (requested === undefined) return { key, alg: natural };
  const alg = choiceOption(requested, 'alg', SIGNING_ALGORITHMS);
  const type = key.asymmetricKeyType;
  const fits: readonly SigningAlgorithm[] = isKeyType(type) ? algorithmsForKeyType(type) : [natural];
  if (!fits.includes(alg))
    throw new UsageError(`--alg ${alg} does not fit the key in ${path}; it signs ${fits.join(' or ')}`);
  return { key, alg };
}

export const token = defineCommand({
  path: ['token'],
  summary: 'Print a signed JWT (bearer token) for a consumer.',
  details: [
    'Signs the JWT payload from onboarding ({"sub": <consumer id>, "aud": <provider audience>}) with the',
    "consumer's private key, adding 'iat' (now) and 'exp' (now + --ttl). The algorithm follows from the key",
    '(RSA → RS256, P-256 → ES256, Ed25519 → EdDSA) unless --alg says PS256.',
  ].join('\n'),
  options: {
    payload: {
      type: 'string',
      value: '<json|file>',
      required: true,
      description: 'JWT payload as JSON, or a file (- for standard input).',
    },
    key: { type: 'string', value: '<pem-file>', required: true, description: 'PEM private key file (- for stdin).' },
    ttl: {
      type: 'string',
      value: '<seconds>',
      default: String(TOKEN_RULES.maxLifetimeS),
      description: 'Lifetime of the token.',
    },
    kid: { type: 'string', value: '<kid>', description: 'Key id header: picks one of several registered keys.' },
    alg: { type: 'string', value: '<alg>', description: `Algorithm (${SIGNING_ALGORITHMS.join(', ')}).` },
    json: { ...JSON_OPTION, description: 'Print { "token", "alg", "expiresAt" } as JSON instead of the bare token.' },
  },
  examples: [
    `finum-sync token --payload '{"sub":"acme-broker","aud":"https://syncapi.example.com"}' --key finum-key.private.pem`,
    'curl -H "Authorization: Bearer $(finum-sync token --payload payload.json --key finum-key.private.pem)" \\\n' +
      '    https://syncapi.example.com/v1/auth-status',
  ],
  async run(values, { out }) {
    const payload = readPayload(values.payload);
    const ttlSeconds = intOption(values.ttl, 'ttl', 1, 86_400);
    const { key, alg } = readPrivateKey(values.key, values.alg);
    const jwt = await signToken({
      payload,
      privateKey: key,
      alg,
      ttlSeconds,
      ...(values.kid ? { kid: values.kid } : {}),
    });
    if (!values.json) {
      out(jwt);
      return 0;
    }
    const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
    out(JSON.stringify({ token: jwt, alg, expiresAt: new Date(exp * 1000).toISOString() }, null, 2));
    return 0;
  },
});
