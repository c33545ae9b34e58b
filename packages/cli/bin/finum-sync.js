#!/usr/bin/env node
// The `finum-sync` command. npm links bins when it installs, before anything is built,
// and only links files that exist: so the link points here, and this loads the build.
try {
  await import('../dist/bin.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/bin.js')) throw error;
  process.stderr.write('finum-sync: the CLI is not built yet; run `npm run build` in the repository first.\n');
  process.exitCode = 1;
}
