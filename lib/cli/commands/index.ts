import type { Command } from '../context.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';

/** Every CLI command, in the order `drillbook --help` lists them. */
export const commands: Command[] = [reportCommand, replayCommand];
