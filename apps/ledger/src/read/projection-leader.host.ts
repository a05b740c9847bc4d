import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { LedgerConfig } from '@ledger/config';
import type { ProjectionStatus } from '@ledger/contract';
import type { HostedProjector } from './projector-thread';
import { currentLeader, defaultInstanceId, ProjectionLeader } from './projection-leader';

export { ProjectionLeader } from './projection-leader';

/** The election of the projector's lead, wired to start and stop it. */
export function projectionLeader(
  projector: Pick<HostedProjector, 'name' | 'start' | 'stop'>,
  pool: Pool,
  config: LedgerConfig,
  logger: Logger,
): ProjectionLeader {
  return new ProjectionLeader({
    connection: pool.options,
    projection: projector.name,
    instanceId: config.LEDGER_INSTANCE_ID ?? defaultInstanceId(),
    retryMs: config.LEDGER_LEADER_RETRY_MS,
    timeoutMs: config.LEDGER_LEADER_TIMEOUT_MS,
    logger,
    onLead: () => projector.start(),
    onStandDown: () => projector.stop(),
  });
}

/**
 * Each projection's status with its `leader`. A standby's own projector is stopped; while another instance
 * leads, the projection itself runs, so its state is told from the lag instead.
 */
export async function leaderStatus(
  statuses: readonly ProjectionStatus[],
  pool: Pool,
  batchSize = 5000,
): Promise<ProjectionStatus[]> {
  return Promise.all(
    statuses.map(async (s) => {
      const leader = await currentLeader(pool, s.name);
      const state =
        s.state === 'stopped' && leader !== null ? (s.lag > batchSize ? 'catching-up' : 'running') : s.state;
      return { ...s, state, leader };
    }),
  );
}
