import { LedgerError, ledgerErrors } from '@ledger/contract';
import { ledgerUuid, toRunStreamId } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';

/** Who asks: the token's user and teams (`Caller` of @ledger/runtime satisfies it). */
export interface Viewer {
  readonly userId: string;
  readonly teams: readonly string[];
  readonly teamRoles: Readonly<Record<string, 'admin' | 'member'>>;
}

/** What a caller may do with a run: its owner everything, a team admin read and delete, a team member read. */
export type Access = 'owner' | 'team-admin' | 'team-member';

interface RunOwners {
  readonly userId: string;
  readonly teamId: string | null;
}

/** In whose name, and under which command id, the run's writer takes a write. */
export interface WriteAs {
  readonly userId: string;
  readonly commandId: string;
}

/** A team admin's command id as written on the owner's run (UUIDv5 of the admin and its own command id). */
export function delegatedCommandId(actorId: string, commandId: string): string {
  return ledgerUuid(`${actorId}/${commandId}/delegated`);
}

const notFound = ledgerErrors.runNotFound;

/**
 * Who owns a run and which team reads it, from the log itself (its first event, `RunStarted`, names both and
 * never changes), so that a check does not depend on projection lag. A run the caller may not read and a
 * missing run look the same: NOT_FOUND.
 */
export class Ownership {
  private readonly owners = new Map<string, RunOwners>();
  constructor(private readonly store: EventStore) {}

  /** The caller's access to a live run; NOT_FOUND when it has none (or the run does not exist). */
  async access(viewer: Viewer, runId: string): Promise<Access> {
    const run = await this.lookUp(runId);
    if (!run) throw notFound();
    if (run.userId === viewer.userId) return 'owner';
    if (run.teamId === null || !viewer.teams.includes(run.teamId)) throw notFound();
    return viewer.teamRoles[run.teamId] === 'admin' ? 'team-admin' : 'team-member';
  }

  /** The owner alone (a teammate too gets NOT_FOUND here: for commands that only concern the owner). */
  async assertOwner(userId: string, runId: string): Promise<void> {
    const run = await this.lookUp(runId);
    if (!run || run.userId !== userId) throw notFound();
  }

  /** Reading: the owner or a member of the run's team. */
  async assertReader(viewer: Viewer, runId: string): Promise<void> {
    await this.access(viewer, runId);
  }

  /**
   * A write by someone other than the owner: NOT_FOUND for a stranger (or a missing run: the writer answers),
   * FORBIDDEN for a teammate, who can read the run and so already knows it exists. A team admin's `run.delete`
   * is allowed, in the owner's name (the run's writer knows owners only) and under a command id derived from the
   * admin's, so that it stays scoped to the admin: it cannot meet the owner's own ids, and only the admin's retry
   * finds its tombstone again.
   */
  async authorizeWrite(viewer: Viewer, command: string, runId: string, commandId: string): Promise<WriteAs> {
    const own = { userId: viewer.userId, commandId };
    const run = await this.lookUp(runId);
    if (!run && command === 'run.delete') return (await this.erasedBy(viewer, runId, commandId)) ?? own;
    if (!run || run.userId === viewer.userId) return own;
    const access = await this.access(viewer, runId);
    if (command === 'run.delete' && access === 'team-admin')
      return { userId: run.userId, commandId: delegatedCommandId(viewer.userId, commandId) };
    throw new LedgerError(
      'FORBIDDEN',
      command === 'run.delete'
        ? "only the run's owner or an admin of its team deletes it"
        : "only the run's owner writes to it; team members read it",
    );
  }

  /** A retried team admin's `run.delete` of the run it erased: in the owner's name again, so it gets its ack again. */
  private async erasedBy(viewer: Viewer, runId: string, commandId: string): Promise<WriteAs | null> {
    const [first] = await this.store.readStream(toRunStreamId(runId), { maxCount: 1 });
    const delegated = delegatedCommandId(viewer.userId, commandId);
    if (first?.type !== 'RunDeleted' || first.metadata.commandId !== delegated) return null;
    return { userId: first.metadata.userId, commandId: delegated };
  }

  forget(runId: string): void {
    this.owners.delete(runId);
  }

  private async lookUp(runId: string): Promise<RunOwners | null> {
    const known = this.owners.get(runId);
    if (known) return known;
    const [first] = await this.store.readStream(toRunStreamId(runId), { maxCount: 1 });
    if (!first || first.type !== 'RunStarted') return null;
    const data = first.data;
    const run = { userId: data.userId, teamId: data.teamId ?? null };
    this.owners.set(runId, run);
    if (this.owners.size > 100_000) this.owners.delete(this.owners.keys().next().value as string);
    return run;
  }
}
