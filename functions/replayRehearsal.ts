import { createReplayHandler } from '../lib/aws/replayHandler.js';
import { replayEnvironmentForInvocation } from '../lib/aws/replayRuntime.js';

/** The replay rehearsal Lambda: parse the event, run the rehearsal, return the outcome for the state machine. */
export const handler = createReplayHandler((system) => replayEnvironmentForInvocation(system));
