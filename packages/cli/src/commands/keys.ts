import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPair, keyThumbprint, type SigningAlgorithm } from '@finum-sync/client/node';
import { choiceOption, defineCommand, JSON_OPTION, SIGNING_ALGORITHMS, UsageError } from '../command.js';

export interface WrittenKeyPair {
  alg: SigningAlgorithm;
  kid: string;
  privateKeyPath: string;
  publicKeyPath: string;
  privateKey: string;
  publicKey: string;
}

/**
 * Generates a key pair and writes `<prefix>.private.pem` (mode 0600) and
 * `<prefix>.public.pem`; never overwrites a file.
 */
export async function writeKeyPair(prefix: string, alg: SigningAlgorithm): Promise<WrittenKeyPair> {
  const privateKeyPath = `${prefix}.private.pem`;
  const publicKeyPath = `${prefix}.public.pem`;
  for (const path of [privateKeyPath, publicKeyPath]) {
    if (existsSync(path)) throw new UsageError(`${path} exists already; refusing to overwrite it`);
  }
  if (!existsSync(dirname(privateKeyPath))) throw new UsageError(`directory ${dirname(privateKeyPath)} does not exist`);
  const pair = generateKeyPair(alg);
  // The kid the provider gives the key when it is registered without one.
  const kid = await keyThumbprint(pair.publicKey);
  // 'wx' fails rather than overwrite a file created since the check above.
  writeFileSync(privateKeyPath, pair.privateKey, { flag: 'wx', mode: 0o600 });
  try {
    writeFileSync(publicKeyPath, pair.publicKey, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    unlinkSync(privateKeyPath);
    throw error;
  }
  return { kid, privateKeyPath, publicKeyPath, ...pair };
}

export const keysGenerate = defineCommand({
  path: ['keys', 'generate'],
  summary: 'Generate a consumer key pair as PEM files.',
  details: [
    'Writes <prefix>.private.pem (PKCS#8, mode 0600: keep it, sign tokens with it) and <prefix>.public.pem',
    '(SPKI: register it with the provider). Existing files are never overwritten.',
    `Algorithms: ${SIGNING_ALGORITHMS.join(', ')} (RSA keys have 3072 bits).`,
  ].join('\n'),
  options: {
    alg: { type: 'string', value: '<alg>', default: 'ES256', description: 'Signing algorithm.' },
    out: { type: 'string', value: '<path-prefix>', default: './finum-key', description: 'Where to write the files.' },
    json: { ...JSON_OPTION, description: 'Print { "alg", "kid", "privateKeyPath", "publicKeyPath" } as JSON.' },
  },
  examples: ['finum-sync keys generate', 'finum-sync keys generate --alg EdDSA --out ./keys/acme-broker'],
  async run(values, { out }) {
    const alg = choiceOption(values.alg, 'alg', SIGNING_ALGORITHMS);
    const written = await writeKeyPair(values.out, alg);
    if (values.json) {
      const { kid, privateKeyPath, publicKeyPath } = written;
      out(JSON.stringify({ alg, kid, privateKeyPath, publicKeyPath }, null, 2));
      return 0;
    }
    const width = Math.max(written.privateKeyPath.length, written.publicKeyPath.length) + 2;
    out(
      [
        `Generated a key pair (${alg}, kid ${written.kid}):`,
        `  ${written.privateKeyPath.padEnd(width)}private key: keep it secret; sign tokens with it (token --key)`,
        `  ${written.publicKeyPath.padEnd(width)}public key: register it with the provider (consumer add --public-key)`,
      ].join('\n'),
    );
    return 0;
  },
});
