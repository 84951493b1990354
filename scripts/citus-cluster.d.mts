/** Types of scripts/citus-cluster.mjs, for the TypeScript tests that use a Citus cluster. */
import type { Cluster } from './pg-cluster.mjs';
export interface CitusCluster extends Cluster {
  coordinator: Cluster;
  workers: Cluster[];
}
export function createCitusDatabase(
  coordinator: { url: string; port: number },
  workers: Array<{ url: string; port: number }>,
  name: string,
  opts?: { create?: boolean },
): Promise<string>;
export function dropCitusDatabase(
  coordinator: { url: string; port: number },
  workers: Array<{ url: string; port: number }>,
  name: string,
): Promise<void>;
export function startCitusNode(opts?: { log?: (m: string) => void; settings?: string[] }): Promise<Cluster | null>;
export function startCitusCluster(opts?: {
  log?: (m: string) => void;
  workers?: number;
  settings?: string[];
}): Promise<CitusCluster | null>;
export function addCitusWorker(
  coordinator: { url: string; port: number },
  name: string,
  opts?: { log?: (m: string) => void; settings?: string[] },
): Promise<Cluster>;
