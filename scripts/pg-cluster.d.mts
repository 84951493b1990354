/** Types of scripts/pg-cluster.mjs, for the TypeScript tests that start clusters of their own. */
export interface Cluster {
  url: string;
  port: number;
  dir: string;
  stop(): void;
}
export function findPgBin(): string | null;
export function freePort(): Promise<number>;
export function startCluster(opts?: { log?: (m: string) => void; settings?: string[] }): Promise<Cluster | null>;
export function startReplica(primary: Cluster, opts?: { log?: (m: string) => void }): Promise<Cluster | null>;
