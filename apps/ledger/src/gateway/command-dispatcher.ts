import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withTimeout } from '@ledger/async';
import {
  ADMIN_COMMANDS,
  LedgerError,
  WRITE_COMMANDS,
  type Ack,
  type CommandName,
  type CommandPayload,
  type WriteCommandName,
} from '@ledger/contract';
import { digest, runIdFor } from '@ledger/domain';
import type { LedgerConfig } from '@ledger/config';
import { CONFIG, LOGGER } from '../infra/tokens';
import { LedgerMetrics } from '../infra/metrics';
import type { Caller } from '../infra/auth';
import { RecordCommand } from '../write/record.command';
import { ReadService, type ReplaySink } from '../read/read.service';
import { AdminService } from '../read/admin.service';
import { toAckError } from './ack-error';
import { parsePayload } from './payload';
import { UserRateLimiter, commandCost } from './rate-limiter';

export interface Session {
  readonly caller: Caller;
  readonly sink: ReplaySink;
  join(runId: string): void;
  leave(runId: string): void;
}

const WRITES = new Set<string>(WRITE_COMMANDS);
const WRITE_TIMEOUT_MS = 15_000;

/** The one place where a socket command becomes an ack: validate, authorise, dispatch, map errors. */
@Injectable()
export class CommandDispatcher {
  private readonly rateLimiter: UserRateLimiter;

  constructor(
    private readonly commandBus: CommandBus,
    private readonly reads: ReadService,
    private readonly admin: AdminService,
    private readonly metrics: LedgerMetrics,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.rateLimiter = new UserRateLimiter(config.LEDGER_RATE_LIMIT, config.LEDGER_RATE_BURST);
  }

  async dispatch(session: Session, name: CommandName, raw: unknown): Promise<Ack<unknown>> {
    const timer = this.metrics.ackLatency.startTimer({ command: name });
    try {
      // A command costs one point of its user's budget before anything is done for it, and the rest of its weight
      // once it is known to be valid and allowed: a refused command costs one point, a costly one its weight.
      await this.charge(session.caller.userId, 1, 1);
      const payload = parsePayload(name, raw, this.config.LEDGER_MAX_PAYLOAD_BYTES);
      if (ADMIN_COMMANDS.includes(name) && !session.caller.admin)
        throw new LedgerError('FORBIDDEN', `${name} needs the admin role`);
      const cost = commandCost(name, payload);
      if (cost > 1) await this.charge(session.caller.userId, cost - 1, cost);
      const data = WRITES.has(name)
        ? await this.write(
            session.caller,
            name as WriteCommandName,
            payload as CommandPayload<WriteCommandName>,
          )
        : await this.read(session, name, payload);
      this.metrics.commands.inc({ command: name, result: 'ok' });
      return { ok: true, data };
    } catch (error) {
      const ackError = toAckError(error, { command: name, userId: session.caller.userId }, this.logger);
      this.metrics.commands.inc({ command: name, result: ackError.code });
      return { ok: false, error: ackError };
    } finally {
      timer();
    }
  }

  private async charge(userId: string, points: number, cost: number): Promise<void> {
    const decision = await this.rateLimiter.take(userId, points);
    if (!decision.allowed)
      throw new LedgerError('RATE_LIMITED', 'too many commands for this user; slow down', {
        cost,
        retryAfterMs: decision.retryAfterMs,
      });
  }

  private write(
    caller: Caller,
    name: WriteCommandName,
    payload: CommandPayload<WriteCommandName>,
  ): Promise<unknown> {
    const { commandId: given, ...rest } = payload;
    const commandId = given ?? randomUUID();
    const runId = 'runId' in payload && payload.runId ? payload.runId : runIdFor(caller.userId, commandId);
    const command = new RecordCommand({
      name,
      runId,
      payload: { ...payload, runId } as never,
      userId: caller.userId,
      commandId,
      payloadHash: digest({ name, payload: rest }),
      now: new Date().toISOString(),
    });
    const written = withTimeout(
      this.commandBus.execute(command),
      WRITE_TIMEOUT_MS,
      () =>
        new LedgerError(
          'UNAVAILABLE',
          `no answer from the store within ${WRITE_TIMEOUT_MS} ms; retry with the same commandId`,
        ),
    );
    if (name === 'run.delete') return written.then((ack) => (this.reads.ownership.forget(runId), ack));
    return written;
  }

  private read(session: Session, name: CommandName, payload: unknown): Promise<unknown> {
    const userId = session.caller.userId;
    switch (name) {
      case 'run.get':
        return this.reads.getRun(userId, payload as CommandPayload<'run.get'>);
      case 'runs.list':
        return this.reads.listRuns(userId, payload as CommandPayload<'runs.list'>);
      case 'run.subscribe':
        return this.reads.subscribe(userId, payload as CommandPayload<'run.subscribe'>, session);
      case 'run.unsubscribe':
        return this.reads.unsubscribe(payload as CommandPayload<'run.unsubscribe'>, session);
      case 'run.replay':
        return this.reads.replay(userId, payload as CommandPayload<'run.replay'>, session.sink);
      case 'run.at':
        return this.reads.runAt(userId, payload as CommandPayload<'run.at'>);
      case 'usage.summary':
        return this.reads.usageSummary(userId, payload as CommandPayload<'usage.summary'>);
      case 'projections.status':
        return this.reads.projectionStatus();
      case 'projections.rebuild':
        return this.admin.rebuild(userId, payload as CommandPayload<'projections.rebuild'>);
      case 'prices.list':
        return Promise.resolve(this.admin.pricesList());
      case 'prices.missing':
        return this.admin.pricesMissing();
      case 'projections.retry':
      case 'projections.skip':
        return this.reads.resolveQuarantined(
          name === 'projections.retry' ? 'retry' : 'skip',
          payload as never,
        );
      default:
        throw new LedgerError('VALIDATION', `unknown command ${name}`);
    }
  }
}
