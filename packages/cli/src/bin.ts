#!/usr/bin/env node
import { main } from './main.js';

const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
};

const crash = (error: unknown) => {
  process.stderr.write(`finum-sync: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  out: write(process.stdout),
  err: write(process.stderr),
  isTTY: process.stdout.isTTY === true,
});
