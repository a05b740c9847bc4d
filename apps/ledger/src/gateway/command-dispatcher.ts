import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withTimeout } from '@ledger/async';
import {
  ADMIN_COMMANDS,
  LedgerError,
  isWriteCommand,
  ledgerErrors,
  type Ack,
  type CommandName,
  type ParsedCommand,
  type WriteCommand,
} from '@ledger/contract';
import { digest, runIdFor } from '@ledger/domain';
import type { LedgerConfig } from '@ledger/config';
import type { Caller } from '@ledger/runtime';
import { CLOCK, CONFIG, LOGGER } from '../infra/tokens';
import { LedgerMetrics } from '../infra/metrics';
import { dateOf, type Clock } from '../infra/clock';
import { RecordCommand } from '../write/record.command';
import type { WriteRequest } from '../write/run-writer';
import { ReadService, type ReplaySink } from '../read/read.service';
import { AdminService } from '../read/admin.service';
import { ShareService } from '../read/shares';
import { shareUrl } from '../read/share-token';
import { BudgetGate } from '../budget/budget-gate';
import { BudgetService } from '../budget/budget.service';
import { errorAck, type ErrorAck } from './error-ack';
import { parseCommand } from './payload';
import { UserRateLimiter, commandCost } from './rate-limiter';

export interface Session {
  readonly caller: Caller;
  /** `http(s)://host` the client reached this server at (share links without LEDGER_PUBLIC_URL). */
  readonly origin?: string;
  readonly sink: ReplaySink;
  join(runId: string): void;
  leave(runId: string): void;
  /** From now on, this socket gets the runs list's pushes of its user (`runs.changed`, `runs.removed`). */
  watchRunsList(): void;
}

const WRITE_TIMEOUT_MS = 15_000;
/**
 * What an event that names no command is counted and logged as: a client chooses the name, so it would make a
 * metric label of its own per name (and carry megabytes in one), and is never a label itself.
 */
export const UNKNOWN_COMMAND = 'unknown';
/** The longest part of an unknown name its ack repeats. */
const SHOWN_NAME_CHARS = 64;

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
    private readonly budgetGate: BudgetGate,
    private readonly budgets: BudgetService,
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
      const command = parseCommand(name, raw, this.config.LEDGER_MAX_PAYLOAD_BYTES);
      if (ADMIN_COMMANDS.includes(name) && !session.caller.admin) throw ledgerErrors.needsAdmin(name);
      const cost = commandCost(name, command.payload);
      if (cost > 1) await this.charge(session.caller.userId, cost - 1, cost);
      const data = isWriteCommand(command)
        ? await this.writeAs(session, command)
        : await this.read(session, command);
      this.metrics.commands.inc({ command: name, result: 'ok' });
      return { ok: true, data };
    } catch (error) {
      const ack = errorAck(error, { command: name, userId: session.caller.userId }, this.logger);
      this.metrics.commands.inc({ command: name, result: ack.error.code });
      return ack;
    } finally {
      timer();
    }
  }

  /**
   * An event whose name is no command: it costs one point of its user's budget, as every refused command does, so
   * that unknown names cannot be sent faster than commands; then VALIDATION (or RATE_LIMITED once the budget is
   * spent).
   */
  async refuseUnknown(session: Session, name: unknown): Promise<ErrorAck> {
    const userId = session.caller.userId;
    const refusal = await this.charge(userId, 1, 1).then(
      () => ledgerErrors.unknownCommand(shownName(name)),
      (error: unknown) => error,
    );
    const ack = errorAck(refusal, { command: UNKNOWN_COMMAND, userId }, this.logger);
    this.metrics.commands.inc({ command: UNKNOWN_COMMAND, result: ack.error.code });
    return ack;
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
  private async writeAs(session: Session, command: WriteCommand): Promise<unknown> {
    const caller = session.caller;
    if (command.name === 'run.start') {
      const p = command.payload;
      if (p.teamId === undefined) return this.write(session, caller.userId, command);
      const teamId = p.teamId.toLowerCase();
      if (!caller.teams.includes(teamId)) throw ledgerErrors.notYourTeam();
      return this.write(session, caller.userId, { name: command.name, payload: { ...p, teamId } });
    }
    if (caller.teams.length === 0) return this.write(session, caller.userId, command);
    const { runId, commandId = randomUUID() } = command.payload;
    const as = await this.reads.ownership.authorizeWrite(caller, command.name, runId, commandId);
    return this.write(session, as.userId, command, as.commandId);
  }

  /** `userId` is the run's owner: the caller, or the owner a team admin deletes for. */
  /** `commandId`: the one the run's writer takes the command under (a team admin's delegated id, else the client's). */
  private async write(
    session: Session,
    userId: string,
    command: WriteCommand,
    commandId = command.payload.commandId ?? randomUUID(),
  ): Promise<unknown> {
    const { name, payload } = command;
    if (command.name === 'task.create') await this.budgetGate.beforeTaskCreate(userId, command.payload);
    const { commandId: _given, ...rest } = payload;
    const runId = payload.runId ?? runIdFor(userId, commandId);
    const request = {
      name,
      runId,
      payload: { ...payload, commandId, runId },
      userId,
      commandId,
      payloadHash: digest({ name, payload: rest }),
      now: dateOf(this.clock).toISOString(),
    };
    if (name !== 'run.share') return this.record(request);
    // A share link's token is made here, from the command, and only its hash goes on (docs/security.md, Sharing).
    const share = this.shares.tokenFor(userId, runId, commandId);
    const origin = this.shares.originFor(session.origin);
    const { shareId, tokenHash } = share;
    const ack = await this.record({ ...request, payload: { ...request.payload, shareId, tokenHash } });
    return { ...ack, url: shareUrl(origin, share.token) };
  }

  private async record(request: WriteRequest): Promise<object> {
    const { name, userId, runId } = request;
    // Measured before the deletion: the run's cost this period, kept for its owner's budget once it is erased.
    const carry = name === 'run.delete' ? await this.budgetGate.carryBeforeDelete(userId, runId) : null;
    const written = withTimeout(this.commandBus.execute(new RecordCommand(request)), WRITE_TIMEOUT_MS, () =>
      ledgerErrors.writeTimedOut(WRITE_TIMEOUT_MS),
    );
    if (name === 'run.delete')
      return written.then(async (ack) => {
        this.reads.ownership.forget(runId);
        await carry?.();
        return ack;
      });
    return written;
  }

  private read(session: Session, command: Exclude<ParsedCommand, WriteCommand>): Promise<unknown> {
    const { caller } = session;
    switch (command.name) {
      case 'run.get':
        return this.reads.getRun(caller, command.payload);
      case 'runs.list':
        // Joined before the read: a change committed meanwhile is pushed (a client keeps the higher version).
        session.watchRunsList();
        return this.reads.listRuns(caller, command.payload);
      case 'run.subscribe':
        return this.reads.subscribe(caller, command.payload, session);
      case 'run.unsubscribe':
        return this.reads.unsubscribe(command.payload, session);
      case 'run.replay':
        return this.reads.replay(caller, command.payload, session.sink);
      case 'run.at':
        return this.reads.runAt(caller, command.payload);
      case 'run.shares':
        return this.shares.list(caller.userId, command.payload);
      case 'usage.summary':
        return this.reads.usageSummary(caller, command.payload);
      case 'projections.status':
        return this.reads.projectionStatus();
      case 'projections.rebuild':
        return this.admin.rebuild(caller.userId, command.payload);
      case 'prices.list':
        return Promise.resolve(this.admin.pricesList());
      case 'prices.missing':
        return this.admin.pricesMissing();
      case 'projections.retry':
        return this.reads.resolveQuarantined('retry', command.payload);
      case 'projections.skip':
        return this.reads.resolveQuarantined('skip', command.payload);
      case 'budget.set':
        return this.budgets.set(caller, command.payload);
      case 'budget.clear':
        return this.budgets.clear(caller, command.payload);
      case 'budget.get':
        return this.budgets.get(caller, command.payload);
      default:
        return unknownCommand(command);
    }
  }
}

/** Every command has a case above: a name that reaches here was added to the contract and not to the dispatcher. */
function unknownCommand(command: { readonly name: never }): never {
  throw ledgerErrors.unknownCommand(command.name);
}

/** A client's event name as an ack repeats it: cut short, since the name may be as long as a frame. */
function shownName(name: unknown): string {
  const shown = String(name);
  return shown.length > SHOWN_NAME_CHARS ? `${shown.slice(0, SHOWN_NAME_CHARS)}…` : shown;
}
