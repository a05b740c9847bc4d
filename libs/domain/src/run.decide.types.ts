import type { CommandPayload, WriteCommandName } from '@ledger/contract';
import type { Cost, RunEventBody, Usage } from './events';
import type { ShareSecret } from './run.share';

/**
 * The run decider's vocabulary, apart from `decide` itself so that the files deciding each kind of command
 * (run.decide.tasks, run.decide.chunks, run.reprice, run.erase) import it without importing one another.
 */

/** A write command of the protocol (docs/protocol.md §3) as the domain sees it: the validated payload and its run. */
export type ProtocolRunCommand = {
  [N in WriteCommandName]: {
    readonly type: N;
    readonly data: CommandPayload<N> & { runId: string } & (N extends 'run.share' ? ShareSecret : unknown);
  };
}[WriteCommandName];

/** `ledger prices reprice` on one run: its ended tasks priced again with the catalog in effect now. */
export interface RepriceCommandData {
  readonly runId: string;
  /** The task's `model` as recorded (exact match); every model when absent. */
  readonly model?: string;
  /** Only tasks that ended at or after this ISO time. */
  readonly since: string;
  readonly reason: string;
  /** The catalog version that prices the tasks, named in each event. */
  readonly catalogVersion?: string;
}

/** A retention pass acting on one idle run (`ledger retention apply`, the server's daily pass). */
export interface RetentionCommandData {
  readonly runId: string;
  /** ISO time: the run is acted on only if nothing happened in it after this (the plan's bound, re-checked here). */
  readonly idleSince: string;
}

/** Commands an operator (or the retention pass) runs outside the protocol, one run each. */
export type OperatorRunCommand =
  | { readonly type: 'runs.erase'; readonly data: { readonly runId: string } }
  | { readonly type: 'prices.reprice'; readonly data: RepriceCommandData }
  | { readonly type: 'retention.archive'; readonly data: RetentionCommandData }
  | { readonly type: 'retention.erase'; readonly data: RetentionCommandData };

export type RunCommand = ProtocolRunCommand | OperatorRunCommand;
export type RunCommandName = RunCommand['type'];

export interface PriceRequest {
  provider: string;
  model: string;
  usage: Usage;
  at: string;
}
export interface EstimateRequest {
  provider: string;
  model: string;
  requestData: Record<string, unknown>;
  responseText: string;
}

/** What `decide` is given besides the state: identity, the command's time, and pure pricing functions. */
export interface DecideContext {
  readonly userId: string;
  readonly commandId: string;
  /** ISO time of the command, taken once by the caller (the domain reads no clock). */
  readonly now: string;
  readonly payloadHash: string;
  price(request: PriceRequest): Cost;
  estimate(request: EstimateRequest): Usage;
}

/** New event bodies (type and data); `handle` adds metadata and ids. */
export type NewEvent = RunEventBody;

export interface Decision {
  readonly events: NewEvent[];
  readonly ack: unknown;
}
