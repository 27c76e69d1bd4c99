/** CodeDeploy deployment states, as GetDeployment reports them (deploymentInfo.status). */
export const deploymentStatuses = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
  'Succeeded',
  'Failed',
  'Stopped',
] as const;
export type DeploymentStatus = (typeof deploymentStatuses)[number];

/** Statuses in which a deployment can still be stopped. */
export const inFlightStatuses: readonly DeploymentStatus[] = [
  'Created',
  'Queued',
  'InProgress',
  'Baking',
  'Ready',
];

export function isDeploymentStatus(value: unknown): value is DeploymentStatus {
  return typeof value === 'string' && (deploymentStatuses as readonly string[]).includes(value);
}

/** What drillbook needs to know about one deployment, whichever adapter read it. */
export interface DeploymentState {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  status: DeploymentStatus;
  createTime: Date | null;
  completeTime: Date | null;
  /** "user", "autoscaling", "codeDeployRollback", ... */
  creator: string | null;
  /** Set on a rollback deployment: the deployment whose stop triggered it. */
  rollbackOf: string | null;
}

/** Lambda versions a deployment shifts traffic between (from its AppSpec). */
export interface DeploymentVersions {
  functionName: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}

export type StopResult = { status: 'Pending' | 'Succeeded' | 'AlreadyCompleted'; message: string };
export type HookStatus = 'Succeeded' | 'Failed';
