import type { Command } from '../context.js';
import { backupCommand } from './backup.js';
import { canaryHaltCommand } from './canaryHalt.js';
import { cleanupCommand } from './cleanup.js';
import { demoCommand } from './demo.js';
import { heartbeatCommand } from './heartbeat.js';
import { jwksCommand } from './jwks.js';
import { preflightCommand } from './preflight.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { restoreDrillCommand } from './restoreDrill.js';
import { rotateCommand } from './rotate.js';
import { rotationAuditCommand } from './rotationAudit.js';
import { runCommand } from './run.js';
import { startCommand } from './start.js';

/** Every CLI command, in the order `drillbook --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  backupCommand,
  restoreDrillCommand,
  cleanupCommand,
  heartbeatCommand,
  replayCommand,
  rotateCommand,
  rotationAuditCommand,
  jwksCommand,
  canaryHaltCommand,
  runCommand,
  startCommand,
  preflightCommand,
  reportCommand,
];
