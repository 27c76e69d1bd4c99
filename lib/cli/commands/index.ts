import type { Command } from '../context.js';
import { canaryHaltCommand } from './canaryHalt.js';
import { reportCommand } from './report.js';

/** Every CLI command, in the order `drillbook --help` lists them. */
export const commands: Command[] = [reportCommand, canaryHaltCommand];
