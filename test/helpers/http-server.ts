import type { Server } from 'node:http';

/** Closes a test's HTTP server now: open (and hanging) connections are cut, then it stops listening. */
export async function closeNow(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
