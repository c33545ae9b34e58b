import Type, { type TSchema } from 'typebox';
import { DOC_EXAMPLES } from './examples.js';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyKey } from './headers.js';
import { tableOf } from './internal.js';
import { APPLICATION_STATUSES, KEY_SOURCES, type KeySource } from './onboarding-states.js';
import type { OperationDef } from './operations.js';
import { ref } from './operations.js';
import { Email, Id, PHONE_PATTERN } from './primitives.js';
import type { FieldError } from './problems.js';
import { compileCheck } from './validation.js';

/**
 * Onboarding (SPEC §1 "easy to onboard", §9 `/onboarding/`): the one form an applicant
 * fills in, the status of an application, and what the provider's pages need to know
 * about the provider. Public endpoints, used by the `/`, `/onboarding/` and status pages.
 */

export {
  APPLICATION_STATUSES,
  type ApplicationStatus,
  KEY_SOURCES,
  type KeySource,
} from './onboarding-states.js';

/**
 * A field people never see and bots fill in: a submission with it is refused.
 * @example
 * if (body[HONEYPOT_FIELD]) refuse();
 */
export const HONEYPOT_FIELD = 'homepage';

/**
 * Ids the back office and the applicant's status link use.
 * @example
 * new RegExp(APPLICATION_ID_PATTERN).test('app_0123456789abcdef01234567'); // true
 */
export const APPLICATION_ID_PATTERN = '^app_[a-f0-9]{24}$';
/**
 * The status token: 32 random bytes, base64url (256 bits).
 * @example
 * new RegExp(STATUS_TOKEN_PATTERN).test(location.hash.slice(1));
 */
export const STATUS_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

/** The same e-mail and phone rules as the records' `email` and `phone` fields. */
let emailCheck: ReturnType<typeof compileCheck> | undefined;
function isEmail(text: string): boolean {
  emailCheck ??= compileCheck(Email);
  return emailCheck(text).length === 0;
}
const PHONE_REGEX = new RegExp(PHONE_PATTERN);

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

interface FieldRule {
  readonly label: string;
  readonly required: boolean;
  readonly maxLength: number;
  readonly minLength?: number;
  readonly description: string;
  readonly example: string;
  /** A value that is not empty but wrong: the message, or undefined when fine. */
  readonly check?: (value: string) => string | undefined;
}

/**
 * The form's fields, the one place their rules live: the request schema, the server's
 * validation and the messages an applicant reads are made from this table.
 * @example
 * APPLICATION_FIELDS.email.label; // 'Email'
 */
export const APPLICATION_FIELDS = {
  company: {
    label: 'Company',
    required: true,
    maxLength: 200,
    description: 'The applying organisation.',
    example: 'Acme Broker GmbH',
  },
  contactName: {
    label: 'Contact person',
    required: true,
    maxLength: 200,
    description: 'Who the provider talks to about this application.',
    example: 'Anna Huber',
  },
  email: {
    label: 'Email',
    required: true,
    maxLength: 254,
    description: 'The contact person’s email address.',
    example: 'anna.huber@acme-broker.example',
    check: (v) => (isEmail(v) ? undefined : 'must be an email address such as name@example.com'),
  },
  phone: {
    label: 'Phone',
    required: true,
    maxLength: 40,
    description: 'The contact person’s phone number, with the country code.',
    example: '+43 1 234 5678',
    check: (v) => (PHONE_REGEX.test(v) ? undefined : 'must be a phone number such as +43 1 234 5678'),
  },
  website: {
    label: 'Website',
    required: false,
    maxLength: 2000,
    description: 'The company’s website.',
    example: 'https://acme-broker.example',
    check: (v) => (isWebUrl(v) ? undefined : 'must be a web address such as https://example.com'),
  },
  intendedUse: {
    label: 'Intended use',
    required: true,
    minLength: 20,
    maxLength: 4000,
    description: 'What the applicant will use the API for (which records, how often, for how many clients).',
    example: 'Our broker CRM syncs contracts of about 2,000 clients nightly and creates proposals.',
  },
  callbackUrl: {
    label: 'Standing callback URL',
    required: false,
    maxLength: 2000,
    description:
      'Called at every status change of the consumer’s contracts (SPEC §8): `https`, not a private or loopback address.',
    example: 'https://crm.acme-broker.example/finum/callbacks',
    check: (v) => (/^https?:\/\//i.test(v) ? undefined : 'must be an https URL'),
  },
  publicKey: {
    label: 'Public key',
    required: false,
    maxLength: 16_384,
    description:
      'SPKI PEM (`-----BEGIN PUBLIC KEY-----`): RSA ≥ 2048 bits, EC P-256 or Ed25519. Required unless `keySource` is `provider`.',
    example: '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…\n-----END PUBLIC KEY-----\n',
  },
} as const satisfies Record<string, FieldRule>;

/**
 * A field of the onboarding form.
 * @example
 * const field: ApplicationField = 'intendedUse';
 */
export type ApplicationField = keyof typeof APPLICATION_FIELDS;
const APPLICATION_FIELD_NAMES = Object.keys(APPLICATION_FIELDS) as ApplicationField[];

/**
 * A submitted application, trimmed and checked (empty optional fields are `null`).
 * @example
 * const { value, errors } = checkApplication(body); if (!errors.length) save(value as ApplicationInput);
 */
export type ApplicationInput = { [K in ApplicationField]: string | null } & { keySource: KeySource };

/**
 * Checks a submitted form: every field, with messages an applicant can act on. What
 * needs I/O (the callback URL's addresses, the key's parsing) the server checks after,
 * on the fields that passed (`value` holds them trimmed; empty ones are `null`).
 * @example
 * checkApplication({ company: 'Acme', keySource: 'provider' }).errors[0]; // { field: 'contactName', message: 'is required' }
 */
export function checkApplication(body: unknown): { value: ApplicationInput; errors: FieldError[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    // No field was read: every one empty, the key source as the form's default.
    const value: ApplicationInput = { ...tableOf(APPLICATION_FIELD_NAMES, () => null), keySource: KEY_SOURCES[0] };
    return {
      value,
      errors: [{ field: '', message: 'the body must be a JSON object' }],
    };
  }
  const input = body as Record<string, unknown>;
  const errors: FieldError[] = [];
  const value: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (key === HONEYPOT_FIELD) {
      if (input[key] !== '' && input[key] !== null) errors.push({ field: key, message: 'must be left empty' });
    } else if (key !== 'keySource' && !Object.hasOwn(APPLICATION_FIELDS, key)) {
      errors.push({ field: key, message: 'is not a known field' });
    }
  }
  const keySource = input.keySource;
  if (!KEY_SOURCES.includes(keySource as KeySource)) {
    errors.push({ field: 'keySource', message: `must be one of: ${KEY_SOURCES.join(', ')}` });
  }
  for (const [field, rule] of Object.entries(APPLICATION_FIELDS) as [ApplicationField, FieldRule][]) {
    const raw = input[field];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      errors.push({ field, message: 'must be a string' });
      continue;
    }
    const text = (raw ?? '').trim();
    const required = rule.required || (field === 'publicKey' && keySource !== 'provider');
    const before = errors.length;
    value[field] = text === '' ? null : text;
    if (text === '') {
      if (required) {
        const message =
          field === 'publicKey' ? 'is required: paste one, generate one, or let the provider generate the pair' : '';
        errors.push({ field, message: message || 'is required' });
      }
    } else if (field === 'publicKey' && keySource === 'provider') {
      errors.push({ field, message: 'must be empty when the provider generates the key pair' });
    } else if (text.length > rule.maxLength) {
      errors.push({ field, message: `must be at most ${rule.maxLength} characters` });
    } else if (rule.minLength !== undefined && text.length < rule.minLength) {
      errors.push({ field, message: `must be at least ${rule.minLength} characters` });
    } else {
      const why = rule.check?.(text);
      if (why) errors.push({ field, message: why });
    }
    if (errors.length > before) value[field] = null;
  }
  return { value: { ...value, keySource } as ApplicationInput, errors };
}

const json = (schema: TSchema | { $ref: string }, example?: unknown) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});

const nullable = (schema: TSchema, description: string) => Type.Union([schema, Type.Null()], { description });
const timestamp = Type.String({ format: 'date-time' });

/**
 * The onboarding's component schemas (the form, the receipt, the status, the provider's settings).
 * @example
 * Object.keys(onboardingComponentSchemas()).includes('ApplicationForm'); // true
 */
export function onboardingComponentSchemas(): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(APPLICATION_FIELDS) as [ApplicationField, FieldRule][]) {
    const text = Type.String({ maxLength: rule.maxLength, ...(rule.minLength ? { minLength: rule.minLength } : {}) });
    fields[name] = rule.required
      ? { ...text, description: rule.description, examples: [rule.example] }
      : Type.Optional(nullable(text, rule.description));
  }
  const keySource = Type.Enum([...KEY_SOURCES], {
    description:
      '`pasted`: the applicant’s own key; `browser`: generated in the applicant’s browser (the private key never left it); `provider`: the provider generates the pair at approval and the status link shows the private key once.',
  });
  return {
    ApplicationForm: Type.Object(
      {
        ...(fields as Record<string, TSchema>),
        keySource,
        [HONEYPOT_FIELD]: Type.Optional(
          Type.String({ maxLength: 0, description: 'Leave empty (spam protection): a submission with it is refused.' }),
        ),
      },
      { additionalProperties: false },
    ),
    ApplicationReceipt: Type.Object(
      {
        applicationId: Type.String({ pattern: APPLICATION_ID_PATTERN }),
        status: Type.Literal('pending'),
        statusToken: Type.String({
          pattern: STATUS_TOKEN_PATTERN,
          description: 'The secret of the status link; the provider stores only its hash.',
        }),
        statusUrl: Type.String({ description: 'The status page: `/onboarding/status#<statusToken>`.' }),
      },
      { additionalProperties: false },
    ),
    StatusRequest: Type.Object(
      { token: Type.String({ pattern: STATUS_TOKEN_PATTERN, description: 'The status token.' }) },
      { additionalProperties: false },
    ),
    ApplicationStatus: Type.Object(
      {
        applicationId: Type.String(),
        status: Type.Enum([...APPLICATION_STATUSES]),
        company: Type.String(),
        submittedAt: timestamp,
        decidedAt: nullable(timestamp, 'When an administrator approved or rejected it.'),
        rejectionReason: nullable(Type.String(), 'Why it was rejected.'),
        keySource,
        credentials: nullable(ref('ConsumerCredentials'), 'Once approved.'),
        privateKey: nullable(
          Type.String(),
          'PKCS#8 PEM, only when the provider generated the key pair, and only in the first answer after approval: it is deleted from the provider’s database as it is sent.',
        ),
        privateKeyShownAt: nullable(timestamp, 'When the provider-generated private key was shown (and deleted).'),
      },
      { additionalProperties: false },
    ),
    ConsumerCredentials: Type.Object(
      {
        consumerId: Id,
        payload: Type.Object(
          { sub: Type.String(), aud: Type.String() },
          { description: 'The JWT payload to sign (add `iat` and `exp`).' },
        ),
        callbackSecret: Type.String({ description: 'Standard Webhooks secret (`whsec_…`) for callbacks.' }),
      },
      { additionalProperties: false },
    ),
    ProviderInfo: Type.Object(
      {
        audience: Type.String({ description: 'The JWT audience (`aud`) this provider expects.' }),
        maxTokenLifetime: Type.Integer({ description: 'Seconds a token may live at most (`exp` − now).' }),
        algorithms: Type.Array(Type.String(), { description: 'Accepted signing algorithms.' }),
        demo: Type.Boolean({ description: 'Whether `GET /demo/credentials` hands out the demo consumer’s.' }),
      },
      { additionalProperties: false },
    ),
  };
}

/** A form that is accepted as shown: the fields' examples, the provider generating the key pair. */
const APPLICATION_EXAMPLE = {
  ...Object.fromEntries(
    (['company', 'contactName', 'email', 'phone', 'website', 'intendedUse'] as const).map((field) => [
      field,
      APPLICATION_FIELDS[field].example,
    ]),
  ),
  keySource: 'provider',
};

/**
 * The public onboarding endpoints (`/onboarding/api`), part of `openapi.json`.
 * @example
 * ONBOARDING_OPERATIONS.map((op) => op.operationId); // ['providerInfo', 'submitApplication', 'applicationStatus']
 */
export const ONBOARDING_OPERATIONS: readonly OperationDef[] = [
  {
    operationId: 'providerInfo',
    method: 'GET',
    path: '/onboarding/api/provider-info',
    tag: 'onboarding',
    summary: 'What a consumer needs to know about this provider',
    description: 'The JWT audience, the longest token lifetime, the accepted algorithms and whether the demo is on.',
    security: 'public',
    responses: { 200: { description: 'The provider’s settings.', content: json(ref('ProviderInfo')) } },
    problems: [],
  },
  {
    operationId: 'submitApplication',
    method: 'POST',
    path: '/onboarding/api/applications',
    tag: 'onboarding',
    summary: 'Apply for credentials',
    description: [
      'The onboarding form (`/onboarding/`). Every field is checked; errors come as a 400 with `errors: [{ field, message }]`. The callback URL must be one the provider may call (SPEC §8); the public key must be RSA ≥ 2048 bits, P-256 or Ed25519.',
      'Answers with the **status link**: keep it, it is the only way to the credentials once approved. Submissions are limited per client address (429 with `Retry-After`). With an `Idempotency-Key`, a repeated submission of the same form within 24 h answers 200 with the first receipt and the same status link; the same key with another form is a 422.',
    ].join('\n\n'),
    security: 'public',
    parameters: [
      {
        name: IDEMPOTENCY_KEY_HEADER,
        in: 'header',
        schema: IdempotencyKey,
        description:
          'Optional: makes a repeated submission of the same form safe for 24 h (it answers with the first receipt); after 24 h the key is free again.',
      },
    ],
    requestBody: { description: 'The form.', content: json(ref('ApplicationForm'), APPLICATION_EXAMPLE) },
    responses: {
      201: { description: 'Received; pending review.', content: json(ref('ApplicationReceipt')) },
      200: {
        description:
          'The same form was submitted with this `Idempotency-Key` within 24 h: the first receipt again, with the same status link (never a new one), whatever was decided meanwhile.',
        content: json(ref('ApplicationReceipt')),
      },
    },
    problems: [
      'invalid-body',
      'malformed-json',
      'request-timeout',
      'payload-too-large',
      'unsupported-media-type',
      'idempotency-key-reused',
      'idempotency-in-progress',
      'rate-limited',
    ],
  },
  {
    operationId: 'applicationStatus',
    method: 'POST',
    path: '/onboarding/api/application-status',
    tag: 'onboarding',
    summary: 'The status of an application',
    description:
      'Pending, rejected (with the reason) or approved (with the JWT payload and the callback secret). When the provider generated the key pair, the first answer after approval carries the private key, which is deleted from the provider’s database as it is sent. A POST because of that; the token travels in the body, never in a URL.',
    security: 'public',
    requestBody: {
      description:
        'The status token of the status link. With `DEMO=on`, the example is the public demo application’s (rejected).',
      content: json(ref('StatusRequest'), { token: DOC_EXAMPLES.demoStatusToken }),
    },
    responses: { 200: { description: 'The application’s status.', content: json(ref('ApplicationStatus')) } },
    problems: ['invalid-body', 'malformed-json', 'not-found'],
  },
];
