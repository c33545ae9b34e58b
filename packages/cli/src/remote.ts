import { UsageError } from './command.js';

/**
 * The remote CLI (issue 15 item 6): the provider's commands talk to a running server's back
 * office (`/admin/api`, bearer `ADMIN_TOKEN`) instead of opening the database, when given
 * `--server <url>` (or `FINUM_SERVER_URL`) with `--admin-token` (or `FINUM_ADMIN_TOKEN`).
 */

/** The environment variables that stand in for `--server` and `--admin-token`. */
export const SERVER_URL_ENV = 'FINUM_SERVER_URL';
export const ADMIN_TOKEN_ENV = 'FINUM_ADMIN_TOKEN';

/** `--server` and `--admin-token`: every back-office command takes them. */
export const REMOTE_OPTIONS = {
  server: {
    type: 'string',
    value: '<url>',
    description: `Talk to this server's back office (/admin/api) instead of the database (or ${SERVER_URL_ENV}).`,
  },
  'admin-token': {
    type: 'string',
    value: '<token>',
    description: `The server's ADMIN_TOKEN, with --server (or ${ADMIN_TOKEN_ENV}, which keeps it out of the process list).`,
  },
} as const;

export interface RemoteValues {
  server?: string | undefined;
  'admin-token'?: string | undefined;
}

/** A refusal of the server (a problem document): exit 2 for a 4xx, 1 otherwise. */
export class RemoteProblem extends Error {
  // The name `main` knows for the core's refusals: same exit codes, same listing of field errors.
  override name = 'ProblemError';
  constructor(
    message: string,
    readonly status: number,
    readonly errors?: Array<{ line?: number; field: string; message: string }>,
  ) {
    super(message);
  }
}

export interface AdminRemote {
  readonly baseUrl: string;
  /** A request to `/admin/api<path>`; resolves to the parsed JSON answer (undefined for 204). */
  request<T = unknown>(
    method: string,
    path: string,
    init?: { json?: unknown; body?: BodyInit; contentType?: string },
  ): Promise<T>;
}

/** Query string of the defined values. */
export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * The remote back office the options or the environment name, or `undefined` to use the
 * database. A bad URL or a missing token is a {@link UsageError}.
 */
export function adminRemote(values: RemoteValues, env: NodeJS.ProcessEnv): AdminRemote | undefined {
  const server = values.server ?? (env[SERVER_URL_ENV] || undefined);
  const token = values['admin-token'] ?? (env[ADMIN_TOKEN_ENV] || undefined);
  if (server === undefined) {
    if (values['admin-token'] !== undefined) throw new UsageError('--admin-token needs --server <url>');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server: '${server}' is not an absolute URL (e.g. https://syncapi.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--server: '${server}' is not an http(s) URL`);
  }
  if (!token) throw new UsageError(`--server needs the admin token: --admin-token or ${ADMIN_TOKEN_ENV}`);
  const baseUrl = url.href.replace(/\/+$/, '');

  return {
    baseUrl,
    async request<T>(
      method: string,
      path: string,
      init: { json?: unknown; body?: BodyInit; contentType?: string } = {},
    ) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      let body = init.body;
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.contentType) {
        headers['content-type'] = init.contentType;
      }
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/admin/api${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          // A stream body (an import) is sent as it is read.
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw Object.assign(
          new UsageError(`cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`),
          // An outage rather than a mistake: `import --watch` tries again.
          { transient: true },
        );
      }
      const text = await response.text();
      if (response.status === 401 || response.status === 403) {
        throw new UsageError(`${baseUrl} refused the admin token (${response.status})`);
      }
      if (!response.ok) throw problemOf(response, text, baseUrl);
      if (!text) return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new UsageError(`${baseUrl} is not a finum-sync back office (the answer to ${path} is not JSON)`);
      }
    },
  };
}

function problemOf(response: Response, text: string, baseUrl: string): Error {
  let problem: { detail?: string; title?: string; errors?: RemoteProblem['errors'] } | undefined;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = undefined;
  }
  if (!problem || typeof problem !== 'object' || !(problem.detail || problem.title)) {
    // Not a problem document: no back office there (a 404 of another server, a proxy's page).
    return response.status === 404
      ? new UsageError(`${baseUrl} is not a finum-sync back office (404 for /admin/api)`)
      : new RemoteProblem(`${baseUrl} answered ${response.status}`, response.status);
  }
  return new RemoteProblem(problem.detail ?? problem.title!, response.status, problem.errors);
}
