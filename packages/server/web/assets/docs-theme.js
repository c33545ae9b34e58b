// Swagger UI's theme script on /v1/docs/. Runs before Swagger UI starts (window.onload).

// "/v1/docs/#authorize=<JWT>" (the link the home page gives with a generated token): the docs
// open authorized. Swagger UI restores what it persisted (persistAuthorization) at start, in
// its own format; the token stays in the fragment, which is never sent to the server, and
// leaves the address bar at once.
(() => {
  const match = /^#authorize=([\w-]+\.[\w-]+\.[\w-]+)$/.exec(window.location.hash);
  if (!match) return;
  const schema = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  window.localStorage.setItem(
    'authorized',
    JSON.stringify({ bearerAuth: { name: 'bearerAuth', schema, value: match[1] } }),
  );
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
})();

// The header bar: the way back to the other pages.
(() => {
  const header = document.createElement('header');
  header.className = 'finum-docs-header';
  const brand = document.createElement('a');
  brand.href = '/';
  brand.textContent = 'FiNUM Sync API';
  brand.className = 'finum-docs-brand';
  const nav = document.createElement('nav');
  nav.setAttribute('aria-label', 'Main');
  for (const [href, text] of [
    ['/#test-it', 'Test it: generate a JWT'],
    ['/onboarding/', 'Onboarding'],
    ['/v1/openapi.json', 'openapi.json'],
  ]) {
    const link = document.createElement('a');
    link.href = href;
    link.textContent = text;
    nav.append(link);
  }
  header.append(brand, nav);
  document.body.prepend(header);
})();
