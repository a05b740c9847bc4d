import type { RunView, TaskView } from '@ledger/contract';
import type { ProjectorChange } from '@ledger/projections';
import {
  emptyMemory,
  postChange,
  receiveChange,
  type CommitMemory,
  type PostedChange,
} from './projector-messages';

/** Commits cross the thread as the structured clone of what was posted, as `postMessage` does. */
/**
 * Posts each commit and receives the structured clone of what was posted, as the two threads do, checking that
 * each arrives as it was made; returns what was posted.
 */
function cross(commits: ProjectorChange[]): PostedChange[] {
  let sent: CommitMemory = emptyMemory();
  let kept: CommitMemory = emptyMemory();
  return commits.map((commit) => {
    const { posted, next } = postChange(commit, sent);
    sent = next;
    const received = receiveChange(structuredClone(posted), kept);
    kept = received.next;
    expect(received.change).toEqual({ runIds: commit.runIds, runs: commit.runs, tasks: commit.tasks });
    return posted;
  });
}

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
    expect(cross(commits).map((posted) => posted.sameMessages)).toEqual([[], ['a'], [], ['a']]);
  });

  const task = (id: string, responseText: string, chunkCount: number) =>
    ({ id, responseText, chunkCount }) as unknown as TaskView;
  /** A commit of tasks, each with the text its batch appended to `base` when it only streamed. */
  const commit = (tasks: Array<[TaskView, { base: string; added: string }?]>): ProjectorChange => ({
    runIds: [],
    runs: [],
    tasks: tasks.map(([t]) => t),
    textAppends: new Map(tasks.flatMap(([t, a]) => (a ? [[t.id, a] as const] : []))),
  });

  it('sends what a streaming task’s text gained when the previous commit held the text it grew from', () => {
    // Texts made by appending, as the fold makes them: the strings are new each time, not literals.
    const hel = ['H', 'el'].join('');
    const hello = hel + 'lo';
    const helloWorld = hello + ', world';
    const other = ['Bon', 'jour'].join('');
    const commits = [
      commit([[task('a', hel, 2)], [task('b', other, 1)]]), // a, b: nothing kept yet
      commit([[task('a', hello, 3), { base: hel, added: 'lo' }]]), // a: grew from the text kept
      commit([[task('b', other + '!', 2), { base: other, added: '!' }]]), // b: absent from the last commit
      commit([[task('b', other + '!?', 3), { base: 'Bonjour?', added: '?' }]]), // b: not from the text kept
      commit([
        [task('a', helloWorld, 4), { base: hello, added: ', world' }], // a: absent last time, sent whole
        [task('c', 'x', 1)],
      ]),
      commit([[task('a', helloWorld + '.', 5), { base: helloWorld, added: '.' }]]),
    ];
    const posts = cross(commits);
    for (const posted of posts)
      for (const t of posted.tasks)
        expect('responseText' in t).toBe(!posted.addedText.has((t as TaskView).id));
    expect(posts.map((posted) => [...posted.addedText].map(([id, added]) => `${id}+${added}`))).toEqual([
      [],
      ['a+lo'],
      [],
      [],
      [],
      ['a+.'],
    ]);
  });
});
