import type { RunEvent } from '@ledger/domain';
import { TerminalRenderer } from './replay.command';
import { style } from './style';

const runId = '6c1f0e52-9a3d-5b7e-8f21-0d4c3b2a1e90';
const shareId = '0b8e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
const metadata = {
  userId: '7f1c6a52-4f5e-4b8e-9b7a-1c2d3e4f5a6b',
  commandId: 'c1',
  recordedAt: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
};

function printed(events: RunEvent[]): string {
  let out = '';
  const renderer = new TerminalRenderer((s) => (out += s), style(false));
  for (const e of events) renderer.render(e);
  renderer.end();
  return out;
}

describe('TerminalRenderer', () => {
  it('prints share links made and revoked as readable markers, like a rename', () => {
    const text = printed([
      { type: 'RunRenamed', data: { runId, name: 'Later' }, metadata },
      {
        type: 'ShareCreated',
        data: {
          runId,
          shareId,
          tokenHash: 'a'.repeat(64),
          expiresAt: '2026-01-08T00:00:00.000Z',
          include: ['requestData'],
        },
        metadata,
      },
      { type: 'ShareRevoked', data: { runId, shareId }, metadata },
    ]);
    expect(text).toBe(
      [
        '   · renamed: Later',
        `   · shared: link ${shareId} (with request data), expires 2026-01-08T00:00:00.000Z`,
        `   · share link ${shareId} revoked`,
        '',
      ].join('\n'),
    );
  });
});
