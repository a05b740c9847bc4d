import {
  retentionAction,
  retentionCutoff,
  type RetentionCandidate,
  type RetentionPolicy,
} from './retention.policy';

const now = new Date('2030-06-01T12:00:00Z');
const run = (daysIdle: number, extra: Partial<RetentionCandidate> = {}): RetentionCandidate => ({
  runId: 'r',
  userId: 'u',
  sourceType: 'chat',
  starred: false,
  archived: false,
  lastActivityAt: new Date(now.getTime() - daysIdle * 86_400_000).toISOString(),
  ...extra,
});
const policy: RetentionPolicy = {
  archiveAfterDays: 30,
  eraseAfterDays: 365,
  sourceTypes: { prompt: { archiveAfterDays: 7 } },
};

describe('retention policy', () => {
  it('erases past the erase age, archives past the archive age, leaves recent runs', () => {
    expect(retentionAction(run(365), policy, now)).toBe('erase');
    expect(retentionAction(run(364.9), policy, now)).toBe('archive');
    expect(retentionAction(run(30), policy, now)).toBe('archive');
    expect(retentionAction(run(29.9), policy, now)).toBeNull();
    expect(retentionAction(run(100, { archived: true }), policy, now)).toBeNull();
    expect(retentionAction(run(400, { archived: true }), policy, now)).toBe('erase');
  });

  it('a source type rule replaces the deployment rule (an unset field there means never)', () => {
    expect(retentionAction(run(8, { sourceType: 'prompt' }), policy, now)).toBe('archive');
    expect(retentionAction(run(4000, { sourceType: 'prompt' }), policy, now)).toBe('archive');
    expect(retentionCutoff(policy, now)?.toISOString()).toBe('2030-05-25T12:00:00.000Z');
  });

  it('starred runs are exempt unless the policy includes them; --source-type narrows', () => {
    expect(retentionAction(run(400, { starred: true }), policy, now)).toBeNull();
    expect(retentionAction(run(400, { starred: true }), { ...policy, includeStarred: true }, now)).toBe(
      'erase',
    );
    expect(retentionAction(run(400), { ...policy, onlySourceType: 'prompt' }, now)).toBeNull();
    expect(retentionCutoff({}, now)).toBeNull();
  });
});
