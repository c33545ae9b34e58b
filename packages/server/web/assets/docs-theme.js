// The header bar of /v1/docs/ (Swagger UI's theme script): the way back to the other pages.
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
