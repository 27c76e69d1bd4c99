import { DrillbookError } from '../errors.js';
import type { DeploymentVersions } from './deployments.js';

/** The deployment's AppSpec could not give the Lambda versions to compare. */
export class AppSpecError extends DrillbookError {}

/**
 * The Lambda function, alias and versions of a deployment, from its AppSpec content (JSON, as
 * SAM and the CodeDeploy console store it):
 * `{ "Resources": [ { "<name>": { "Type": "AWS::Lambda::Function", "Properties": { "Name", "Alias",
 * "CurrentVersion", "TargetVersion" } } } ] }`.
 */
export function lambdaVersionsFromAppSpec(content: string): DeploymentVersions {
  let spec: unknown;
  try {
    spec = JSON.parse(content);
  } catch (error) {
    throw new AppSpecError('AppSpec content is not JSON (YAML AppSpecs are not supported)', { cause: error });
  }
  const resources = (spec as { Resources?: unknown; resources?: unknown }).Resources;
  if (!Array.isArray(resources)) throw new AppSpecError('AppSpec has no Resources list');
  for (const entry of resources) {
    if (typeof entry !== 'object' || entry === null) continue;
    for (const resource of Object.values(entry as Record<string, unknown>)) {
      const r = resource as { Type?: unknown; Properties?: Record<string, unknown> };
      if (r?.Type !== 'AWS::Lambda::Function' || !r.Properties) continue;
      const { Name, Alias, CurrentVersion, TargetVersion } = r.Properties;
      if (
        [Name, Alias, CurrentVersion, TargetVersion].every(
          (v) => typeof v === 'string' || typeof v === 'number',
        )
      ) {
        return {
          functionName: String(Name),
          alias: String(Alias),
          currentVersion: String(CurrentVersion),
          targetVersion: String(TargetVersion),
        };
      }
      throw new AppSpecError('AppSpec Lambda resource lacks Name, Alias, CurrentVersion or TargetVersion');
    }
  }
  throw new AppSpecError('AppSpec has no AWS::Lambda::Function resource');
}
