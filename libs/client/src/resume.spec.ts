import type { MessageView } from '@ledger/contract';
import { toAnthropicMessages, toOpenAIMessages } from './resume';

const msg = (role: 'user' | 'assistant', content: string): MessageView => ({
  role,
  content,
  timestamp: '2026-01-01T00:00:00.000Z',
  metadata: { taskId: 't' },
});

describe('resume messages', () => {
  it('gives OpenAI one message per recorded message, in order, without the ledger metadata', () => {
    const messages = [msg('user', 'hi'), msg('assistant', 'hello'), msg('user', 'again')];
    expect(toOpenAIMessages(messages)).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('gives Anthropic alternating roles: a failed task (user without answer) merges into the next user turn', () => {
    const messages = [msg('user', 'first'), msg('user', 'second'), msg('assistant', 'answer')];
    expect(toAnthropicMessages(messages)).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'first' },
          { type: 'text', text: 'second' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'answer' }] },
    ]);
  });

  it('drops what the Messages API refuses: empty texts and a leading assistant message', () => {
    const messages = [msg('assistant', 'stray'), msg('user', ''), msg('user', 'q'), msg('assistant', '')];
    expect(toAnthropicMessages(messages)).toEqual([{ role: 'user', content: [{ type: 'text', text: 'q' }] }]);
  });
});
