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
import { ShareService } from '../read/shares';
import { shareUrl } from '../read/share-token';
import { toAckError } from './ack-error';
import { parsePayload } from './payload';
import { UserRateLimiter, commandCost } from './rate-limiter';
import { BudgetGate } from '../budget/budget-gate';
import { CLOCK, dateOf, type Clock } from '../infra/clock';

export interface Session {
  readonly caller: Caller;
  /** `http(s)://host` the client reached this server at (share links without LEDGER_PUBLIC_URL). */
  readonly origin?: string;
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
    private readonly shares: ShareService,
    private readonly metrics: LedgerMetrics,
    private readonly budgets: BudgetGate,
    @Inject(CLOCK) private readonly clock: Clock,
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
        ? await this.writeAs(session, name as WriteCommandName, payload as CommandPayload<WriteCommandName>)
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

  /**
   * Team rules before the run's writer (which knows owners only): `run.start`'s team must be one of the caller's;
   * on another user's run, a teammate's write is FORBIDDEN and a team admin's `run.delete` is made in the owner's
   * name (docs/security.md, Teams). A caller with no teams needs no look-up: the writer answers NOT_FOUND.
   */
  private async writeAs(
    session: Session,
    name: WriteCommandName,
    payload: CommandPayload<WriteCommandName>,
  ): Promise<unknown> {
    const caller = session.caller;
    if (name === 'run.start') {
      const p = payload as CommandPayload<'run.start'>;
      if (p.teamId === undefined) return this.write(session, caller.userId, name, payload);
      const teamId = p.teamId.toLowerCase();
      if (!caller.teams.includes(teamId))
        throw new LedgerError('FORBIDDEN', 'teamId is not one of the teams of your token');
      return this.write(session, caller.userId, name, { ...p, teamId });
    }
    if (caller.teams.length === 0 || !('runId' in payload))
      return this.write(session, caller.userId, name, payload);
    const { runId, commandId = randomUUID() } = payload as { runId: string; commandId?: string };
    const as = await this.reads.ownership.authorizeWrite(caller, name, runId, commandId);
    return this.write(session, as.userId, name, { ...payload, commandId: as.commandId });
  }

  /** `userId` is the run's owner: the caller, or the owner a team admin deletes for. */
  private async write(
    session: Session,
    userId: string,
    name: WriteCommandName,
    payload: CommandPayload<WriteCommandName>,
  ): Promise<unknown> {
    if (name === 'task.create')
      await this.budgets.beforeTaskCreate(userId, payload as CommandPayload<'task.create'>);
    const { commandId: given, ...rest } = payload;
    const commandId = given ?? randomUUID();
    const runId = 'runId' in payload && payload.runId ? payload.runId : runIdFor(userId, commandId);
    // A share link's token is made here, from the command, and only its hash goes on (docs/security.md, Sharing).
    const share = name === 'run.share' ? this.shares.tokenFor(userId, runId, commandId) : null;
    if (share) {
      const origin = this.shares.originFor(session.origin);
      const { shareId } = (await this.record(userId, name, runId, commandId, rest, {
        ...payload,
        shareId: share.shareId,
        tokenHash: share.tokenHash,
      })) as { shareId: string };
      return { shareId, url: shareUrl(origin, share.token) };
    }
    return this.record(userId, name, runId, commandId, rest, payload);
  }

  private async record(
    userId: string,
    name: WriteCommandName,
    runId: string,
    commandId: string,
    rest: object,
    payload: object,
  ): Promise<unknown> {
    const command = new RecordCommand({
      name,
      runId,
      payload: { ...payload, runId } as never,
      userId,
      commandId,
      payloadHash: digest({ name, payload: rest }),
      now: dateOf(this.clock).toISOString(),
    });
    // Measured before the deletion: the run's cost this period, kept for its owner's budget once it is erased.
    const carry = name === 'run.delete' ? await this.budgets.carryBeforeDelete(userId, runId) : null;
    const written = withTimeout(
      this.commandBus.execute(command),
      WRITE_TIMEOUT_MS,
      () =>
        new LedgerError(
          'UNAVAILABLE',
          `no answer from the store within ${WRITE_TIMEOUT_MS} ms; retry with the same commandId`,
        ),
    );
    if (name === 'run.delete')
      return written.then(async (ack) => {
        this.reads.ownership.forget(runId);
        await carry?.();
        return ack;
      });
    return written;
  }

  private read(session: Session, name: CommandName, payload: unknown): Promise<unknown> {
    const { caller } = session;
    const userId = caller.userId;
    switch (name) {
      case 'run.get':
        return this.reads.getRun(caller, payload as CommandPayload<'run.get'>);
      case 'runs.list':
        return this.reads.listRuns(caller, payload as CommandPayload<'runs.list'>);
      case 'run.subscribe':
        return this.reads.subscribe(caller, payload as CommandPayload<'run.subscribe'>, session);
      case 'run.unsubscribe':
        return this.reads.unsubscribe(payload as CommandPayload<'run.unsubscribe'>, session);
      case 'run.replay':
        return this.reads.replay(caller, payload as CommandPayload<'run.replay'>, session.sink);
      case 'run.at':
        return this.reads.runAt(caller, payload as CommandPayload<'run.at'>);
      case 'run.shares':
        return this.shares.list(userId, payload as CommandPayload<'run.shares'>);
      case 'usage.summary':
        return this.reads.usageSummary(caller, payload as CommandPayload<'usage.summary'>);
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
      case 'budget.set':
      case 'budget.clear':
      case 'budget.get':
        return this.budgets.command(session.caller, name, payload);
      default:
        throw new LedgerError('VALIDATION', `unknown command ${name}`);
    }
  }
}
