import type { DrillbookConfig } from '../drillbookConfig.js';
import type { Publishers } from '../jobs/publish.js';
import { lambdaPublishers } from './lambdaPublishers.js';
import { RunbookManifestStore } from './manifestStore.js';

/** How reports are published on AWS: replaceable (tests). */
export type PublishersFactory = (config: DrillbookConfig) => Publishers;

let publishersFactory: PublishersFactory = defaultPublishers;

export function setPublishersFactory(factory: PublishersFactory): void {
  publishersFactory = factory;
}

/**
 * The Lambda publishers (lambdaPublishers.ts): on AWS the S3 runbook store (runbook.s3), the webhook
 * chat and CloudWatch metrics (the backup report's restorableLagSeconds becomes the
 * RestorableLagSeconds metric there); a runbook folder when $DRILLBOOK_RUNBOOK_DIR is set (local
 * runs of the state machines: `drillbook run`, tests).
 */
function defaultPublishers(config: DrillbookConfig): Publishers {
  return lambdaPublishers(config);
}

export function publishersFor(config: DrillbookConfig): Publishers {
  return publishersFactory(config);
}

/** Publishers plus the manifest store kept in the same runbook store. */
export function publishing(config: DrillbookConfig): {
  publishers: Publishers;
  manifests: RunbookManifestStore;
} {
  const publishers = publishersFor(config);
  return { publishers, manifests: new RunbookManifestStore(publishers.runbook) };
}
