/**
 * What the functions report for operators, and the CDK alarms read (lib/operations.ts): ingest's
 * and the rollup's metrics (CloudWatch embedded metric format, namespace from POWERTOOLS_METRICS_NAMESPACE)
 * and the track function's per-request log line, counted by metric filters. One module, so a
 * renamed field cannot silently blind an alarm.
 */

/** The `service` dimension of the rollup's metrics (Powertools Metrics adds it to each). */
export const ROLLUP_SERVICE = 'rollup';

/** The rollup's metrics. */
export const ROLLUP_METRICS = {
  /** 1 per rollup job that finished (every project tried), by mode. */
  runs: 'RollupRuns',
  /** Projects whose rollup failed in a job (the job goes on with the others). */
  failedProjects: 'RollupFailedProjects',
  /** 1 per failed project, with the `project` dimension; emitted only on failure, so it costs nothing while all is well. */
  projectFailed: 'ProjectRollupFailed',
} as const;

/** The `service` dimension of ingest's metrics. */
export const INGEST_SERVICE = 'ingest';

/** Ingest's metrics. */
export const INGEST_METRICS = {
  /**
   * One value per event counted: ms from its receivedAt (track) to the commit that stored and
   * counted it. Its p50 and p99 are the ingestion lag of docs/operations.md.
   */
  lag: 'IngestLag',
} as const;

/** The dimension naming a project on per-project metrics. */
export const PROJECT_DIMENSION = 'project';

/** The track function's one line per request: how many items it accepted and rejected. */
export const TRACKED_LOG = {
  message: 'tracked',
  accepted: 'accepted',
  rejected: 'rejected',
} as const;
