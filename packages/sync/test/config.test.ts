import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, readProvidersConfig } from '../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'finum-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'acme.pem'), '-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n');

/** Writes a providers.json with one provider (`extra` merged in) and reads it. */
function readWith(extra: Record<string, unknown>) {
  const path = join(dir, 'providers.json');
  const provider = { baseUrl: 'https://syncapi.acme.example', payload: { sub: 'broker-1' }, keyFile: 'acme.pem' };
  writeFileSync(path, JSON.stringify({ providers: [{ ...provider, ...extra }] }));
  return readProvidersConfig(path).providers[0]!;
}

describe('providers.json: maxUrlBytes', () => {
  it('is read per provider, and left to the engine default when absent', () => {
    expect(readWith({ maxUrlBytes: 8192 }).maxUrlBytes).toBe(8192);
    expect(readWith({}).maxUrlBytes).toBeUndefined();
  });

  it.each([[100], [70_000], [8192.5], ['8192'], [null]])('refuses %j with a ConfigError naming the field', (value) => {
    expect(() => readWith({ maxUrlBytes: value })).toThrow(ConfigError);
    expect(() => readWith({ maxUrlBytes: value })).toThrow(
      /providers\[0\]\.maxUrlBytes must be a whole number of bytes/,
    );
  });
});

describe('the Airbyte config: max_url_bytes', () => {
  it('is checked like maxUrlBytes', async () => {
    const { readAirbyteConfig } = await import('../src/airbyte/airbyte-source.js');
    const path = join(dir, 'airbyte.json');
    const config = { base_url: 'https://syncapi.acme.example', payload: { sub: 'b' }, private_key: 'PEM' };
    writeFileSync(path, JSON.stringify({ ...config, max_url_bytes: 4096 }));
    expect(readAirbyteConfig(path).max_url_bytes).toBe(4096);
    writeFileSync(path, JSON.stringify({ ...config, max_url_bytes: 12 }));
    expect(() => readAirbyteConfig(path)).toThrow(/"max_url_bytes" must be a whole number of bytes from 1024/);
  });
});
