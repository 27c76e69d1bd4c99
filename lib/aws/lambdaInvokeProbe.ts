import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { LambdaProbeConfig } from '../core/canary/canaryConfig.js';
import type { ProbeAttempt } from '../probes/smokeProber.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A test invoke of the deployment's new Lambda version (RequestResponse, qualifier = the target
 * version). It passes when Lambda answers 200 without FunctionError and, when configured, the
 * response payload contains the expected text. The payload is never logged whole.
 */
export function lambdaInvokeAttempt(client: LambdaClient): ProbeAttempt<LambdaProbeConfig> {
  return async (probe, signal) => {
    const started = Date.now();
    const out = await client.send(
      new InvokeCommand({
        FunctionName: probe.invoke.functionName,
        ...(probe.invoke.qualifier ? { Qualifier: probe.invoke.qualifier } : {}),
        InvocationType: 'RequestResponse',
        Payload: encoder.encode(JSON.stringify(probe.invoke.payload)),
      }),
      { abortSignal: signal },
    );
    const took = Date.now() - started;
    const version = out.ExecutedVersion ? ` (version ${out.ExecutedVersion})` : '';
    if (out.FunctionError) return { ok: false, detail: `function error ${out.FunctionError}${version}` };
    if (out.StatusCode !== 200) return { ok: false, detail: `status ${out.StatusCode ?? 'none'}${version}` };
    const expected = probe.invoke.expectPayloadContains;
    if (expected !== undefined && !decoder.decode(out.Payload ?? new Uint8Array()).includes(expected)) {
      return { ok: false, detail: `response does not contain ${JSON.stringify(expected)}${version}` };
    }
    return { ok: true, detail: `200 in ${took}ms${version}` };
  };
}
