/**
 * What the local twin's command-line tools share about its data directory: where it is, and the
 * file through which they find a running twin. Small on purpose: a tool imports this, not the
 * whole stack.
 */

/** The data directory: TALLY_DATA_DIR, else `.data`. */
export const dataDirFromEnv = (): string => process.env.TALLY_DATA_DIR || '.data';

/** Where the local endpoints are, for tools (the redrive) that talk to a running twin. */
export const ENDPOINTS_FILE = 'local-endpoints.json';
