import { Json, ReplayPlayer, RunView } from '@run-ledger/react';
import type { ResumedRun } from '@run-ledger/client';
import { useState } from 'react';
import { href, navigate } from '../router';
import { ShareLinks } from '../share-links';

/** What Resume gives a person: the conversation to continue, in both providers' formats, to copy. */
function Resumed({ resumed }: { resumed: ResumedRun }) {
  const code = (label: string, value: unknown) => <Json label={label} value={value} />;
  return (
    <section className="rl-card" aria-label="Resume this run">
      <p>
        To continue this run, record the next task on it (
        <code>ledger.resumeRun(&apos;{resumed.view.id}&apos;)</code>) with this history:
      </p>
      {code(`OpenAI messages (${resumed.messages.openai.length})`, resumed.messages.openai)}
      {code(`Anthropic messages (${resumed.messages.anthropic.length})`, resumed.messages.anthropic)}
    </section>
  );
}

/** A run: its actions and live conversation, with the replay player (Replay, Speed, Version) above the conversation. */
export default function RunPage({ runId }: { runId: string }) {
  const [resumed, setResumed] = useState<ResumedRun | null>(null);
  return (
    <>
      <p>
        <a href={href.runs}>← All runs</a>
      </p>
      <RunView
        key={runId}
        runId={runId}
        onResume={setResumed}
        onDeleted={() => navigate(href.runs)}
        replay={(run) => (
          <>
            {resumed && <Resumed resumed={resumed} />}
            <ShareLinks runId={runId} />
            <ReplayPlayer runId={runId} latestVersion={run.version} />
          </>
        )}
      />
    </>
  );
}
