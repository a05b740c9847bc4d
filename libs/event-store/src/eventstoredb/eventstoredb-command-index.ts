import { NO_STREAM, WrongExpectedVersionError, jsonEvent, type Credentials } from '@eventstore/db-client';
import { v5 as uuidv5 } from 'uuid';
import { DuplicateEventId, type NewEvent } from '../event-store.port';
import { toPortError } from './eventstoredb-errors';
import { consumeRead, type EsdbClient } from './eventstoredb-reads';

/**
 * The command index: EventStoreDB dedupes an event id only within the stream written to, so a commandId reused
 * on another run would be written there (and the writer's in-memory map of commandIds is gone after a restart).
 * Before a run's append, each command in it claims a stream of its own, `ledger-command-<uuid>` named by user
 * and commandId, with expected revision NO_STREAM: only the first claim can create it, so the claim is atomic on
 * the server. A claim that finds the stream already there reads its owner: the same run means a retry (fine);
 * another run is refused with DuplicateEventId, which the writer answers as CONFLICT.
 *
 * The claim is written before the run's events (a crash in between leaves a claim without events: a retry on
 * the same run passes, another run is refused, as it should be). Claim ids are derived from run and command, so
 * a retried claim is deduped by the server itself. Index streams are not `run-` streams, so every `$all`
 * reader of the ledger skips them.
 */

export const COMMAND_INDEX_PREFIX = 'ledger-command-';
const COMMAND_INDEX_NAMESPACE = '3f0c8d52-6c1e-4d9a-9a43-2b7e5f1d0c6a';
const CLAIM_TYPE = 'CommandClaimed';

interface CommandKey {
  readonly userId: string;
  readonly commandId: string;
}

export function commandIndexStream({ userId, commandId }: CommandKey): string {
  return `${COMMAND_INDEX_PREFIX}${uuidv5(`${userId}/${commandId}`, COMMAND_INDEX_NAMESPACE)}`;
}

export function claimEvent(streamId: string, key: CommandKey) {
  return jsonEvent({
    id: uuidv5(`${streamId}/${key.userId}/${key.commandId}`, COMMAND_INDEX_NAMESPACE),
    type: CLAIM_TYPE,
    data: { streamId },
  });
}

/** The distinct commands of an append, in order (events without a commandId claim nothing). */
export function commandsOf(events: readonly NewEvent[]): CommandKey[] {
  const seen = new Map<string, CommandKey>();
  for (const e of events) {
    const m = e.metadata as { userId?: unknown; commandId?: unknown } | null;
    if (typeof m?.userId !== 'string' || typeof m.commandId !== 'string') continue;
    seen.set(`${m.userId}/${m.commandId}`, { userId: m.userId, commandId: m.commandId });
  }
  return [...seen.values()];
}

export interface CommandIndexOptions {
  readonly credentials?: Credentials;
  readonly readDeadlineMs: number;
  /** Claims this process has made, remembered to skip the round trip on a retry or a split append. */
  readonly remembered?: number;
}

export class CommandIndex {
  private readonly claimed = new Map<string, string>();

  constructor(
    private readonly client: EsdbClient,
    private readonly options: CommandIndexOptions,
  ) {}

  /** Claims every command of the events for `streamId`; DuplicateEventId when one belongs to another stream. */
  async claim(streamId: string, events: readonly NewEvent[]): Promise<void> {
    await Promise.all(commandsOf(events).map((key) => this.claimOne(streamId, key)));
  }

  private async claimOne(streamId: string, key: CommandKey): Promise<void> {
    const index = commandIndexStream(key);
    const known = this.claimed.get(index);
    if (known === streamId) return;
    if (known !== undefined) throw new DuplicateEventId(streamId);
    try {
      await this.client.appendToStream(index, claimEvent(streamId, key), {
        expectedRevision: NO_STREAM,
        requiresLeader: true,
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw toPortError(error, index, -1);
      const owner = await this.ownerOf(index);
      this.remember(index, owner);
      if (owner !== streamId) throw new DuplicateEventId(streamId);
      return;
    }
    this.remember(index, streamId);
  }

  /** The run stream that claimed a command first (null: the claim could not be read back). */
  private async ownerOf(index: string): Promise<string | null> {
    let owner: string | null = null;
    try {
      await consumeRead(
        this.client.readStream(index, { maxCount: 1, requiresLeader: true }),
        (resolved) => {
          const data = resolved.event?.data as { streamId?: unknown } | undefined;
          if (typeof data?.streamId === 'string') owner = data.streamId;
          return false;
        },
        this.options.readDeadlineMs,
        `read of ${index}`,
      );
    } catch (error) {
      throw toPortError(error, index, 'any');
    }
    return owner;
  }

  private remember(index: string, owner: string | null): void {
    if (owner === null) return;
    if (this.claimed.size >= (this.options.remembered ?? 100_000))
      this.claimed.delete(this.claimed.keys().next().value as string);
    this.claimed.set(index, owner);
  }
}
