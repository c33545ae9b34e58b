import type { TestProject } from 'vitest/node';
import { pgReachable, TEST_PG_URL } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dialects: ('sqlite' | 'postgres')[];
  }
}

/**
 * Decides once which storage dialects the suite runs on: `DIALECTS=sqlite,postgres`,
 * or both when PostgreSQL answers. With `CI=true`, an unreachable PostgreSQL fails the
 * run instead of quietly testing one dialect.
 */
export default async function setup(project: TestProject) {
  const requested = process.env.DIALECTS?.split(',').map((d) => d.trim()) as ('sqlite' | 'postgres')[] | undefined;
  const reachable = await pgReachable();
  let dialects: ('sqlite' | 'postgres')[];
  if (requested) {
    if (requested.includes('postgres') && !reachable)
      throw new Error(`DIALECTS asks for postgres, but ${TEST_PG_URL} does not answer`);
    dialects = requested;
  } else if (reachable) {
    dialects = ['sqlite', 'postgres'];
  } else if (process.env.CI) {
    throw new Error(`CI=true: PostgreSQL at ${TEST_PG_URL} does not answer; start it (see .ci/run)`);
  } else {
    console.warn(`PostgreSQL at ${TEST_PG_URL} does not answer: testing SQLite only`);
    dialects = ['sqlite'];
  }
  project.provide('dialects', dialects);
}
