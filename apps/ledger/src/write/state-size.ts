import type { RunEvent, RunState, TaskState } from '@ledger/domain';

/**
 * Approximate bytes a run's state holds in memory, so that the run-state cache is bounded by memory as well as by
 * count: a run of thousands of tasks weighs what it holds, not one unit. An estimate, not a measure: strings count
 * two bytes a character, each object a fixed overhead; it is kept up to date event by event (`eventBytes`) so that
 * a command costs no more with a long run, and counted whole only when a state is (re)loaded.
 */

const STATE_OVERHEAD = 1_024;
const TASK_OVERHEAD = 400;
/** A chunk digest (16 characters) in its array slot. */
const DIGEST_BYTES = 56;
/** A remembered command (commandId, name, digest, ack). */
const COMMAND_BYTES = 240;
const SHARE_BYTES = 120;

/** JSON sizes of request payloads, which the state holds by reference and never changes (counted once each). */
const jsonSizes = new WeakMap<object, number>();
function jsonBytes(value: Record<string, unknown>): number {
  let size = jsonSizes.get(value);
  if (size === undefined) {
    size = 2 * JSON.stringify(value).length;
    jsonSizes.set(value, size);
  }
  return size;
}

function taskBytes(task: TaskState): number {
  return (
    TASK_OVERHEAD +
    jsonBytes(task.requestData) +
    2 * task.responseText.length +
    DIGEST_BYTES * task.chunkDigests.length
  );
}

export function stateBytes(state: RunState): number {
  let bytes = STATE_OVERHEAD + COMMAND_BYTES * state.commands.size + SHARE_BYTES * state.shares.size;
  for (const task of state.tasks.values()) bytes += taskBytes(task);
  return bytes;
}

/** What folding one event adds to a state (at most: a repeated command replaces its record). */
export function eventBytes(event: RunEvent): number {
  switch (event.type) {
    case 'ChunkReceived':
      return DIGEST_BYTES + (event.data.kind === 'text' ? 2 * (event.data.text?.length ?? 0) : 0);
    case 'TaskCreated':
      return TASK_OVERHEAD + jsonBytes(event.data.requestData) + COMMAND_BYTES;
    case 'ShareCreated':
      return SHARE_BYTES + COMMAND_BYTES;
    default:
      return COMMAND_BYTES;
  }
}
