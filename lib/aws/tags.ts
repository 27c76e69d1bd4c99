/** Tags drillbook puts on what it creates; IAM conditions in serverless.yml check the same keys. */
export const TAG = {
  /** "true" on every snapshot drillbook manages (retention deletes only these). */
  managed: 'drillbook:managed',
  system: 'drillbook:system',
  /** The deployment stage (DRILLBOOK_STAGE) whose backups these are: a staging stack never reuses or prunes production's. */
  stage: 'drillbook:stage',
  backupId: 'drillbook:backup-id',
  /** When the backup's verification manifest was captured (its point in time). */
  manifestPoint: 'drillbook:manifest-point',
  /** "true" on every instance/cluster a drill restores (teardown deletes only these). */
  drill: 'drillbook:drill',
  environment: 'drillbook:environment',
  drillId: 'drillbook:drill-id',
} as const;

export interface Tag {
  Key?: string | undefined;
  Value?: string | undefined;
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
