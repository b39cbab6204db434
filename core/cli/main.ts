#!/usr/bin/env node
// rbmkit: run agents from a config file, chat with an agent locally, replay a push, start a project.
// Each command is a module of ./commands; the table there drives both help and dispatch.
import { COMMANDS } from './commands/index.js';
import { runCli } from './commands/run-cli.js';

runCli(process.argv.slice(2), COMMANDS).then(
  (code) => {
    if (code !== 'running') process.exit(code);
  },
  (error: unknown) => {
    console.error(`rbmkit: ${(error as Error).message}`);
    process.exit(2);
  },
);
