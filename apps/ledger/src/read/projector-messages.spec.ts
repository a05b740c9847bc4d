import type { RunView } from '@ledger/contract';
import type { ProjectorChange } from '@ledger/projections';
import { postChange, receiveChange, type MessageLists } from './projector-messages';

/** Commits cross the thread as the structured clone of what was posted, as `postMessage` does. */
describe('a commit across the projector thread', () => {
  const run = (id: string, messages: RunView['messages'], version: number) =>
    ({ id, version, messages }) as unknown as RunView;
  const m1 = [{ role: 'user', content: 'Hi' }] as unknown as RunView['messages'];
  const m2 = [...m1, { role: 'assistant', content: 'Hello' }] as unknown as RunView['messages'];

  it('arrives as it was made, sending a run’s messages only when the previous commit did not hold that list', () => {
    const commits: ProjectorChange[] = [
      { runIds: ['a', 'b'], runs: [run('a', m1, 1), run('b', m1, 1)], tasks: [] },
      { runIds: ['a'], runs: [run('a', m1, 2)], tasks: [] }, // a: same list
      { runIds: ['a', 'b'], runs: [run('a', m2, 3), run('b', m1, 2)], tasks: [] }, // a: new list; b: absent last time
      { runIds: ['a', 'gone'], runs: [run('a', m2, 4)], tasks: [] }, // a: same list; an erased run
    ];
    let sent: MessageLists = new Map();
    let kept: MessageLists = new Map();
    const elided: string[][] = [];
    for (const commit of commits) {
      const { posted, next } = postChange(commit, sent);
      sent = next;
      elided.push(posted.sameMessages);
      const received = receiveChange(structuredClone(posted), kept);
      kept = received.next;
      expect(received.change).toEqual(commit);
    }
    expect(elided).toEqual([[], ['a'], [], ['a']]);
  });
});
