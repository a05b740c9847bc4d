import { randomUUID } from 'node:crypto';
import type { WriteCommandName } from '@ledger/contract';
import { digest, type RunCommand, type RunRequest } from '@ledger/domain';

/** A valid `task.create` payload for a run; `extra` overrides or adds fields. */
export function taskPayload(runId: string, extra: Record<string, unknown> = {}) {
  return {
    runId,
    taskId: randomUUID(),
    service: 'chat',
    taskName: 'answer',
    provider: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'gpt-4o',
    requestData: { messages: [{ role: 'user', content: 'hi' }] },
    ...extra,
  };
}

/** A protocol command as the gateway hands it to the run writer (digest and time taken as it takes them). */
export function writeRequest(
  userId: string,
  name: WriteCommandName,
  payload: Record<string, unknown>,
  commandId = randomUUID(),
): RunRequest & { name: WriteCommandName } {
  return {
    name,
    runId: payload.runId as string,
    payload: payload as unknown as RunCommand['data'],
    userId,
    commandId,
    payloadHash: digest({ name, payload }),
    now: new Date().toISOString(),
  };
}
