import { replayRehearsalHandler } from '../lib/aws/replay/replayRehearsal.js';
import { replayEnvironmentForInvocation } from '../lib/aws/replay/replayRuntime.js';

/** Replay rehearsal state machine, ReplayRehearsal: parse the event, run the rehearsal, return the outcome. */
export const handler = replayRehearsalHandler((system) => replayEnvironmentForInvocation(system));
