import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ADMIN_COMMANDS,
  LedgerError,
  WRITE_COMMANDS,
  type Ack,
  type AckError,
  type CommandName,
  type CommandPayload,
  type WriteCommandName,
} from '@ledger/contract';
import { digest, runIdFor } from '@ledger/domain';
import { StoreUnavailable, isConnectionError } from '@ledger/event-store';
import { InvalidCursor } from '@ledger/projections';
import type { LedgerConfig } from '@ledger/config';
import { CONFIG, LOGGER } from '../infra/tokens';
import { LedgerMetrics } from '../infra/metrics';
import type { Caller } from '../infra/auth';
import { RecordCommand } from '../write/record.command';
import { ReadService, type ReplaySink } from '../read/read.service';
import { AdminService } from '../read/admin.service';
import { parsePayload } from './payload';
import { BudgetGate } from '../budget/budget-gate';
import { CLOCK, type Clock } from '../infra/clock';

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
  constructor(
    private readonly commandBus: CommandBus,
    private readonly reads: ReadService,
    private readonly admin: AdminService,
    private readonly metrics: LedgerMetrics,
    private readonly budgets: BudgetGate,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: LedgerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async dispatch(session: Session, name: CommandName, raw: unknown): Promise<Ack<unknown>> {
    const timer = this.metrics.ackLatency.startTimer({ command: name });
    try {
      const payload = parsePayload(name, raw, this.config.LEDGER_MAX_PAYLOAD_BYTES);
      if (ADMIN_COMMANDS.includes(name) && !session.caller.admin)
        throw new LedgerError('FORBIDDEN', `${name} needs the admin role`);
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
      const ackError = this.toAckError(error, name);
      this.metrics.commands.inc({ command: name, result: ackError.code });
      return { ok: false, error: ackError };
    } finally {
      timer();
    }
  }

  private async write(
    caller: Caller,
    name: WriteCommandName,
    payload: CommandPayload<WriteCommandName>,
  ): Promise<unknown> {
    if (name === 'task.create')
      await this.budgets.beforeTaskCreate(caller.userId, payload as CommandPayload<'task.create'>);
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
      now: this.clock().toISOString(),
    });
    // Measured before the deletion: the run's cost this period, kept for its owner's budget once it is erased.
    const carry = name === 'run.delete' ? await this.budgets.carryBeforeDelete(caller.userId, runId) : null;
    const written = withTimeout(this.commandBus.execute(command), WRITE_TIMEOUT_MS);
    if (name === 'run.delete')
      return written.then(async (ack) => {
        this.reads.ownership.forget(runId);
        await carry?.();
        return ack;
      });
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
      case 'budget.set':
      case 'budget.clear':
      case 'budget.get':
        return this.budgets.command(session.caller, name, payload);
      default:
        throw new LedgerError('VALIDATION', `unknown command ${name}`);
    }
  }

  private toAckError(error: unknown, name: string): AckError {
    if (error instanceof LedgerError)
      return {
        code: error.code,
        message: error.message,
        ...(error.details !== undefined && { details: error.details }),
      };
    if (error instanceof InvalidCursor) return { code: 'VALIDATION', message: 'cursor: invalid cursor' };
    if (error instanceof StoreUnavailable)
      return { code: 'UNAVAILABLE', message: 'the store is unavailable; retry with the same commandId' };
    // PostgreSQL's data exceptions (class 22: a date out of its range, …) are about a value the client sent.
    if (
      typeof (error as { code?: unknown })?.code === 'string' &&
      (error as { code: string }).code.startsWith('22')
    )
      return {
        code: 'VALIDATION',
        message: `a value of the payload was refused: ${(error as Error).message}`,
      };
    // A read whose connection was killed or timed out: the database is away, not a bug of ours.
    if (isConnectionError(error))
      return { code: 'UNAVAILABLE', message: 'the database is unavailable; retry' };
    this.logger.error({ err: error, command: name }, 'command failed');
    return { code: 'INTERNAL', message: 'internal error' };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LedgerError(
            'UNAVAILABLE',
            `no answer from the store within ${ms} ms; retry with the same commandId`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
