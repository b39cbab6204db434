import { campaignCommand } from './campaign-command.js';
import { chatCommand } from './chat-command.js';
import type { Command } from './command.js';
import { devCommand } from './dev-command.js';
import { dlqCommand } from './dlq-command.js';
import { helpCommand } from './help-command.js';
import { newCommand } from './new-command.js';
import { sendCommand } from './send-command.js';
import { startCommand } from './start-command.js';
import { testersCommand } from './testers-command.js';

/** Every `rbmkit` command, in the order `rbmkit help` lists them; help and dispatch read this table. */
export const COMMANDS: readonly Command[] = [startCommand, devCommand, chatCommand, sendCommand, campaignCommand, newCommand, dlqCommand, testersCommand, helpCommand(() => COMMANDS)];
