import { LedgerError, type ErrorCode } from '@ledger/contract';
import { evolve, initialRunState } from '../src/run.state';
import { decide, type DecideContext, type Decision, type NewEvent, type RunCommand } from '../src/run.decide';
import type { RunEvent } from '../src/events';

/** given(events).when(command).then(events) — Emmett's DeciderSpecification, for the run decider. */
export const USER = '11111111-1111-4111-8111-111111111111';
export const NOW = '2026-11-24T10:00:00.000Z';

export function context(overrides: Partial<DecideContext> = {}): DecideContext {
  return {
    userId: USER,
    commandId: 'c0000000-0000-4000-8000-000000000000',
    now: NOW,
    payloadHash: 'hash',
    price: ({ usage }) => ({
      amount: String(usage.totalTokens / 1000),
      priceId: 'test/model',
      prices: { input: '1', output: '1' },
    }),
    estimate: ({ responseText }) => ({
      inputTokens: 10,
      outputTokens: responseText.length,
      cachedInputTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 10 + responseText.length,
    }),
    ...overrides,
  };
}

/** The `RunStarted` body of a run of `USER` (started at 09:00, so auto-named), with `data` overrides. */
export function runStarted(
  runId: string,
  data: Partial<Extract<NewEvent, { type: 'RunStarted' }>['data']> = {},
) {
  return {
    type: 'RunStarted',
    data: {
      runId,
      userId: USER,
      sourceType: 'chat',
      name: 'Run 2026-11-24 09:00',
      settings: {},
      variableValues: {},
      brokerValues: {},
      startedAt: '2026-11-24T09:00:00.000Z',
      ...data,
    },
  } satisfies NewEvent;
}

let counter = 0;
/** An event body as `decide` returns it, given metadata as if a command had written it. */
export function recorded(e: NewEvent, meta: Partial<RunEvent['metadata']> = {}): RunEvent {
  counter += 1;
  return {
    ...e,
    metadata: { userId: USER, commandId: `e${counter}`, recordedAt: NOW, schemaVersion: 1, ...meta },
  } as RunEvent;
}

export function given(...events: Array<NewEvent | RunEvent>) {
  const state = initialRunState();
  for (const e of events) evolve(state, ('metadata' in e ? e : recorded(e)) as RunEvent);
  return {
    state,
    when(command: RunCommand, ctx: Partial<DecideContext> = {}) {
      const run = (): Decision => decide(command, state, context(ctx));
      return {
        then(expected: NewEvent[]) {
          expect(run().events).toEqual(expected);
        },
        thenAck(ack: unknown) {
          expect(run().ack).toEqual(ack);
        },
        decision: run,
        thenFails(code: ErrorCode, message?: RegExp) {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(LedgerError);
          expect((error as LedgerError).code).toBe(code);
          if (message) expect((error as LedgerError).message).toMatch(message);
        },
      };
    },
  };
}
