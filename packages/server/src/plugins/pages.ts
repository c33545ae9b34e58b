import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { ApplicationField } from '@finum-sync/spec';
import type { FastifyInstance } from 'fastify';
import { fieldHtml } from '../web/form-fields.js';

/** The pages and their assets (`packages/server/web`): plain HTML, CSS and ES modules. */
export const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The consumer SDK's browser bundle (`@finum-sync/client/browser`, built by `npm run build`),
 * served as `/assets/finum-sync-client.js`: "Test it" signs its JWT with the SDK's `signToken`.
 */
export const SDK_BUNDLE_PATH = '/assets/finum-sync-client.js';
const SDK_BUNDLE_FILE = createRequire(import.meta.url).resolve('@finum-sync/client/browser');

const policy = (directives: Record<string, string>) =>
  Object.entries(directives)
    .map(([name, value]) => `${name} ${value}`)
    .join('; ');

const BASE_POLICY = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'connect-src': "'self'",
  'form-action': "'self'",
  'base-uri': "'none'",
  'frame-ancestors': "'none'",
};

/** Our pages: scripts and styles from our origin only; no inline script, no framing. */
export const PAGE_CSP = policy(BASE_POLICY);

/** Swagger UI: the same, plus its fonts and images of responses (blob:). */
export const DOCS_CSP = policy({ ...BASE_POLICY, 'img-src': "'self' data: blob:", 'font-src': "'self' data:" });

/**
 * Options for `@fastify/swagger-ui`: its own CSP header on every docs response (the
 * plugin's `staticCSP`), and our header bar with the way back to the other pages.
 */
export function docsUiOptions() {
  const asset = (name: string) => readFileSync(`${WEB_ROOT}assets/${name}`, 'utf8');
  return {
    staticCSP: DOCS_CSP,
    theme: {
      title: 'FiNUM Sync API — interactive docs',
      css: [{ filename: 'docs-theme.css', content: asset('docs-theme.css') }],
      js: [{ filename: 'docs-theme.js', content: asset('docs-theme.js') }],
    },
  };
}

/** The pages: a fragment of `web/pages/` in `web/layout.html`, and its script. */
const PAGES = [
  { path: '/', file: 'index.html', title: 'FiNUM Sync API', script: 'home.js' },
  { path: '/onboarding/', file: 'onboarding.html', title: 'Onboarding — FiNUM Sync API', script: 'onboarding.js' },
  {
    path: '/onboarding/status',
    file: 'status.html',
    title: 'Application status — FiNUM Sync API',
    script: 'status.js',
  },
  { path: '/admin/', file: 'admin.html', title: 'Back office — FiNUM Sync API', script: 'admin.js' },
] as const;

type Page = (typeof PAGES)[number] | typeof ADMIN_OFF_PAGE;

/** `/admin/` without `ADMIN_TOKEN`: says the back office is off and how to turn it on, no sign-in form. */
const ADMIN_OFF_PAGE = {
  path: '/admin/',
  file: 'admin-off.html',
  title: 'Back office (off) — FiNUM Sync API',
  script: 'common.js',
} as const;

/**
 * Puts a page into the layout, once at start: `{{field:<name>}}` becomes an onboarding
 * form field; the page's own link in the navigation is marked current.
 */
export function renderPage(page: Page): string {
  const fill: Record<string, string> = {
    title: page.title,
    script: page.script,
    main: readFileSync(`${WEB_ROOT}pages/${page.file}`, 'utf8'),
  };
  const html = readFileSync(`${WEB_ROOT}layout.html`, 'utf8')
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => fill[name]!)
    .replace(/\{\{field:(\w+)\}\}/g, (_, name: string) => fieldHtml(name as ApplicationField));
  return html.replace(`<a href="${page.path}">`, `<a href="${page.path}" aria-current="page">`);
}

/**
 * Swagger UI's index page has no viewport declaration: without it a phone shows the page
 * at desktop width, zoomed out. Added to its head.
 */
export function withViewport(html: string): string {
  if (/<meta name="viewport"/.test(html)) return html;
  return html.replace(
    /<meta charset="UTF-8">/i,
    '<meta charset="UTF-8">\n      <meta name="viewport" content="width=device-width, initial-scale=1">',
  );
}

export interface PagesOptions {
  /** `ADMIN_TOKEN`: without it `/admin/` says the back office is off. */
  adminToken: string | undefined;
}

/**
 * The web pages (SPEC §9), a plugin: `/`, `/onboarding/` with its status page, `/admin/`,
 * their assets and the SDK's browser bundle, each with `Cache-Control: no-cache`. What they
 * call is in the surfaces of their own (`onboardingApi`, `backOfficeApi`); their security
 * headers (`PAGE_CSP`…) are on every answer (app.ts).
 */
export async function pages(app: FastifyInstance, options: PagesOptions): Promise<void> {
  for (const page of PAGES) {
    const html = renderPage(page.path === '/admin/' && !options.adminToken ? ADMIN_OFF_PAGE : page);
    app.get(page.path, (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(html),
    );
  }
  await app.register(fastifyStatic, {
    root: `${WEB_ROOT}assets`,
    prefix: '/assets/',
    // One route per file found at start: nothing else is served, unknown paths stay problem+json 404s.
    wildcard: false,
    index: false,
    decorateReply: false,
    cacheControl: false,
    setHeaders: (reply) => reply.header('Cache-Control', 'no-cache'),
  });

  let sdkBundle: Buffer | undefined;
  app.get(SDK_BUNDLE_PATH, (_request, reply) => {
    // Read once, on first use: a server started before `npm run build` bundled it still starts.
    sdkBundle ??= readFileSync(SDK_BUNDLE_FILE);
    return reply.type('text/javascript; charset=utf-8').header('Cache-Control', 'no-cache').send(sdkBundle);
  });
}
