import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import type { Agent, AgentDetail, AgentDetailOptions, AgentListOptions } from '../types.js';

/**
 * `sb.agents`: every agent and how it performs over the sessions the filters select. Calling it
 * (`sb.agents()`) is the older form of `sb.agents.list()` without parameters.
 */
export class AgentsApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Agents with their figures (sessions, failure rate, response times, handoffs, errors, cost)
   * over the matching sessions, sorted (`-sessionCount` by default), at most `limit` (100).
   * Repeated calls revalidate with the last ETag.
   *
   * @example
   * const slowest = await sb.agents.list({ from: '2026-11-01', channel: 'phone', sort: '-firstResponseMs', limit: 5 });
   * for (const a of slowest) console.log(a.name, a.firstResponseMs.p95, a.costUsd);
   */
  async list(params: AgentListOptions = {}, options: RequestOptions = {}): Promise<Agent[]> {
    const { data } = await this.transport.request<{ data: Agent[] }>(
      'GET',
      '/agents',
      { query: filtersToQuery(params), cache: true },
      options,
    );
    return data;
  }

  /**
   * One agent's figures over the matching sessions, with their time series by `interval`
   * (`day` by default). An unknown id rejects with a `NotFoundError`.
   *
   * @example
   * const a = await sb.agents.get('support-bot', { from: '2026-11-01', interval: 'day' });
   * console.log(a.errorRate, a.timeseries.buckets.map((b) => b.costUsd));
   */
  get(id: string, params: AgentDetailOptions = {}, options: RequestOptions = {}): Promise<AgentDetail> {
    return this.transport.request(
      'GET',
      `/agents/${encodeURIComponent(id)}`,
      { query: filtersToQuery(params), cache: true },
      options,
    );
  }
}
