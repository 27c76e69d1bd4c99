import type { Command } from '../context.js';
import { reportCommand } from './report.js';
import { rotateCommand } from './rotate.js';
import { rotationAuditCommand } from './rotationAudit.js';

/** Every CLI command, in the order `drillbook --help` lists them. */
export const commands: Command[] = [reportCommand, rotateCommand, rotationAuditCommand];
