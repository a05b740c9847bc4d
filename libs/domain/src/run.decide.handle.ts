import { SCHEMA_VERSION, type EventMetadata, type RunEvent } from './events';
import { eventIdFor } from './ids';
import { decide } from './run.decide';
import type { DecideContext, RunCommand, RunCommandName } from './run.decide.types';
import type { RunState } from './run.state';

/** One command for one run, as every writer hands it over (the server's RunWriter, the CLI's operator commands). */
export interface RunRequest {
  readonly name: RunCommandName;
  readonly runId: string;
  readonly payload: RunCommand['data'];
  /** Who the command acts for: the run's owner (an operator command acts in the owner's name). */
  readonly userId: string;
  readonly commandId: string;
  /** A digest of the command's name and payload: a retried commandId is answered from it. */
  readonly payloadHash: string;
  /** ISO time of the command, taken once. */
  readonly now: string;
}

/** The pure pricing functions a writer hands to `decide` (the catalog it loaded). */
export type PricingFunctions = Pick<DecideContext, 'price' | 'estimate'>;

/** For commands that price nothing (erase, retention): a call is a bug, not a price of zero. */
export const NO_PRICING: PricingFunctions = {
  price: () => {
    throw new Error('this command prices nothing');
  },
  estimate: () => {
    throw new Error('this command estimates nothing');
  },
};

/** An event as it will be stored: its body, its metadata and its id (the store adds revision and position). */
export type RunEventEnvelope = RunEvent & { readonly id: string };

export interface Handled {
  readonly events: RunEventEnvelope[];
  readonly ack: unknown;
}

/**
 * The decider applied to a request: the one place that builds `DecideContext` and the events' envelope. Event ids
 * derive from the user, the commandId and the event's index, so a retried command can never be stored twice; the
 * metadata names the command and its payload digest, so a retry is answered from the log (run.state `remember`).
 */
export function handle(state: RunState, request: RunRequest, pricing: PricingFunctions): Handled {
  const { userId, commandId, now, payloadHash } = request;
  // The request carries name and payload apart (as the gateway validated them); together they are one command.
  const command = { type: request.name, data: request.payload } as RunCommand;
  const decision = decide(command, state, {
    userId,
    commandId,
    now,
    payloadHash,
    price: pricing.price,
    estimate: pricing.estimate,
  });
  const metadata: EventMetadata = {
    userId,
    commandId,
    recordedAt: now,
    schemaVersion: SCHEMA_VERSION,
    command: request.name,
    payloadHash,
  };
  return {
    events: decision.events.map((e, i): RunEventEnvelope => ({
      ...e,
      metadata,
      id: eventIdFor(userId, commandId, i),
    })),
    ack: decision.ack,
  };
}

/**
 * Whether handled events erase the run: a `RunDeleted` tombstone is not appended but written by erasing the
 * stream (the store keeps the tombstone alone), so every writer sends it down that path.
 */
export function isErasure(events: readonly RunEventEnvelope[]): events is [RunEventEnvelope] {
  return events.length === 1 && events[0].type === 'RunDeleted';
}
