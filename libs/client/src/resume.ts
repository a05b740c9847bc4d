import type { MessageView, RunView, TaskView } from '@ledger/contract';
import type { LedgerRun } from './run';

/** A message in OpenAI's Chat Completions format (the subset a resumed conversation needs). */
export interface OpenAIChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** A message in Anthropic's Messages format: roles alternate, starting with the user. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Array<{ type: 'text'; text: string }>;
}

/** A run's conversation, ready to send as the history of its next task. */
export interface ResumeMessages {
  openai: OpenAIChatMessage[];
  anthropic: AnthropicMessage[];
}

/** The run's messages (`ai_runs.messages`, in event order) in OpenAI's format: one message per entry, as recorded. */
export function toOpenAIMessages(messages: readonly MessageView[]): OpenAIChatMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content }));
}

/**
 * The run's messages in Anthropic's format. The Messages API refuses empty text blocks, two messages of one role in a
 * row (a failed task leaves a user message with no answer) and a conversation that starts with the assistant, so
 * empty texts are dropped, neighbours of one role are merged into one message of several blocks, and a leading
 * assistant message is dropped.
 */
export function toAnthropicMessages(messages: readonly MessageView[]): AnthropicMessage[] {
  const out: AnthropicMessage[] = [];
  for (const m of messages) {
    if (m.content === '') continue;
    const last = out[out.length - 1];
    if (last && last.role === m.role) last.content.push({ type: 'text', text: m.content });
    else if (last || m.role === 'user')
      out.push({ role: m.role, content: [{ type: 'text', text: m.content }] });
  }
  return out;
}

export function toResumeMessages(messages: readonly MessageView[]): ResumeMessages {
  return { openai: toOpenAIMessages(messages), anthropic: toAnthropicMessages(messages) };
}

/** What `ledger.resumeRun(runId)` gives: the handle to add tasks with, the run as it is, and its conversation. */
export interface ResumedRun {
  run: LedgerRun;
  view: RunView;
  tasks: TaskView[];
  messages: ResumeMessages;
}
