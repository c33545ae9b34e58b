import { buildOpenApi, checkApplication, ONBOARDING_OPERATIONS, type OperationDef } from '@finum-sync/spec';
import { ADMIN_CONSOLE_OPERATIONS, buildAdminOpenApi } from '@finum-sync/spec/admin';
import { describe, expect, it } from 'vitest';

const FORM = {
  company: ' Acme Broker GmbH ',
  contactName: 'Anna Huber',
  email: 'anna@acme.example',
  phone: '+43 1 234 5678',
  intendedUse: 'Nightly sync of about 2,000 clients’ contracts.',
  keySource: 'provider',
};

describe('the onboarding form’s checks', () => {
  it('trims, and turns empty optional fields into null', () => {
    const { value, errors } = checkApplication({ ...FORM, website: '', callbackUrl: '  ' });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ company: 'Acme Broker GmbH', website: null, callbackUrl: null, publicKey: null });
  });

  it('names every bad field with a message an applicant can act on', () => {
    const { errors } = checkApplication({
      company: '',
      contactName: 42,
      email: 'anna',
      phone: 'x',
      website: 'acme',
      intendedUse: 'short',
      callbackUrl: 'ftp://x',
      keySource: 'pasted',
      homepage: 'spam',
      extra: 1,
    });
    expect(Object.fromEntries(errors.map((e) => [e.field, e.message]))).toEqual({
      homepage: 'must be left empty',
      extra: 'is not a known field',
      company: 'is required',
      contactName: 'must be a string',
      email: 'must be an email address such as name@example.com',
      phone: 'must be a phone number such as +43 1 234 5678',
      website: 'must be a web address such as https://example.com',
      intendedUse: 'must be at least 20 characters',
      callbackUrl: 'must be an https URL',
      publicKey: 'is required: paste one, generate one, or let the provider generate the pair',
    });
    expect(checkApplication({ ...FORM, publicKey: 'pem' }).errors).toEqual([
      { field: 'publicKey', message: 'must be empty when the provider generates the key pair' },
    ]);
    expect(checkApplication([]).errors).toEqual([{ field: '', message: 'the body must be a JSON object' }]);
  });
});

describe('the documents', () => {
  const documented = (doc: Record<string, unknown>, ops: readonly OperationDef[]) => {
    const paths = doc.paths as Record<string, Record<string, { security: unknown[] }>>;
    for (const op of ops) expect(paths[op.path]?.[op.method.toLowerCase()], `${op.method} ${op.path}`).toBeDefined();
  };

  it('document the onboarding endpoints in openapi.json and the console endpoints in admin-openapi.json', () => {
    documented(buildOpenApi(), ONBOARDING_OPERATIONS);
    documented(buildAdminOpenApi(), ADMIN_CONSOLE_OPERATIONS);
    const admin = buildAdminOpenApi() as { components: { securitySchemes: Record<string, { in?: string }> } };
    expect(admin.components.securitySchemes.adminSession).toMatchObject({ type: 'apiKey', in: 'cookie' });
  });
});
