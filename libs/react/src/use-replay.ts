import type { LedgerClientError, ReplayFrame, RunAtResult } from '@run-ledger/client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLedger } from './context';
import {
  applyFrame,
  dueTimes,
  emptyFold,
  waterfall,
  type ReplayFold,
  type WaterfallLane,
} from './replay-fold';

/** Replay speeds offered: 1 = original timing, 0 = instant. */
export const REPLAY_SPEEDS = [1, 2, 10, 0] as const;

export interface ReplayState {
  /** Every frame of the run (fetched once, with `run.replay` at speed 0). */
  frames: ReplayFrame[];
  loading: boolean;
  error: LedgerClientError | null;
  /** The run as the frames played so far show it. */
  fold: ReplayFold;
  /** Frames applied so far. */
  position: number;
  playing: boolean;
  speed: number;
  /** The version scrubbed to, and the run as `run.at` says it was then (null until scrubbed). */
  scrubbed: { version: number; at: RunAtResult | null } | null;
  lanes: WaterfallLane[];
  /** Ms on the replay's timeline of each frame. */
  due: number[];
  /** Plays from the start. */
  replay(): void;
  /** Plays on from where it stands (after a pause). */
  play(): void;
  pause(): void;
  setSpeed(speed: number): void;
  seek(version: number): void;
}

/**
 * A run's replay, paced here from its frames (PROTOCOL.md §3 rule: a chunk at its task's createdAt + offsetMs, other
 * events at recordedAt, gaps divided by the speed), so it can pause, change speed and seek; `seek` also asks the
 * server for the run as it was at that version (`run.at`).
 */
export function useReplay(runId: string, options: { latestVersion?: number } = {}): ReplayState {
  const ledger = useLedger();
  const [frames, setFrames] = useState<ReplayFrame[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<LedgerClientError | null>(null);
  const [, setTick] = useState(0);
  const [fetches, setFetches] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeedState] = useState(1);
  const [scrubbed, setScrubbed] = useState<ReplayState['scrubbed']>(null);
  const fold = useRef<ReplayFold>(emptyFold());
  const position = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The wall clock and timeline position at which the current stretch of playing began.
  const anchor = useRef({ wall: 0, timeline: 0 });
  const fetching = useRef(false);

  // Frames are fetched once, then only the new ones (fromVersion) as the run grows (`latestVersion`).
  const lastVersion = frames.length ? frames[frames.length - 1].version : -1;
  const wanted = Math.max(0, options.latestVersion ?? 0);
  useEffect(() => {
    if (fetching.current || lastVersion >= wanted) return;
    fetching.current = true;
    const from = lastVersion + 1;
    const more: ReplayFrame[] = [];
    (async () => {
      for await (const frame of ledger.replay(
        runId,
        from > 0 ? { speed: 0, fromVersion: from } : { speed: 0 },
      ))
        more.push(frame);
      setFrames((prev) => {
        const last = prev.length ? prev[prev.length - 1].version : -1;
        return [...prev, ...more.filter((f) => f.version > last)];
      });
    })()
      .catch((e: LedgerClientError) => setError(e))
      .finally(() => {
        fetching.current = false;
        setLoading(false);
        setFetches((n) => n + 1);
      });
  }, [ledger, runId, lastVersion, wanted, fetches]);

  const due = useMemo(() => dueTimes(frames), [frames]);
  const lanes = useMemo(() => waterfall(frames, due), [frames, due]);

  const applyUntil = useCallback(
    (count: number) => {
      if (count < position.current) {
        fold.current = emptyFold();
        position.current = 0;
      }
      while (position.current < count) applyFrame(fold.current, frames[position.current++]);
      setTick((t) => t + 1);
    },
    [frames],
  );

  const stop = () => {
    clearTimeout(timer.current);
    timer.current = undefined;
  };

  const step = useCallback(
    (currentSpeed: number) => {
      stop();
      if (currentSpeed === 0) {
        applyUntil(frames.length);
        setPlaying(false);
        return;
      }
      const now = performance.now();
      const timeline = anchor.current.timeline + (now - anchor.current.wall) * currentSpeed;
      let next = position.current;
      while (next < frames.length && due[next] <= timeline) next++;
      if (next !== position.current) applyUntil(next);
      if (next >= frames.length) {
        setPlaying(false);
        return;
      }
      const wait = Math.max(0, (due[next] - timeline) / currentSpeed);
      timer.current = setTimeout(() => step(currentSpeed), Math.max(wait, 8));
    },
    [applyUntil, due, frames.length],
  );

  const start = useCallback(
    (fromSpeed: number) => {
      if (position.current >= frames.length) applyUntil(0);
      const at = position.current === 0 ? 0 : due[position.current - 1];
      anchor.current = { wall: performance.now(), timeline: at };
      setScrubbed(null);
      setPlaying(true);
      step(fromSpeed);
    },
    [applyUntil, due, frames.length, step],
  );

  useEffect(() => stop, []);

  return {
    frames,
    loading,
    error,
    fold: fold.current,
    position: position.current,
    playing,
    speed,
    scrubbed,
    lanes,
    due,
    replay: () => {
      applyUntil(0);
      start(speed);
    },
    play: () => start(speed),
    pause: () => {
      stop();
      setPlaying(false);
    },
    setSpeed: (next: number) => {
      setSpeedState(next);
      if (playing) start(next);
    },
    seek: (version: number) => {
      stop();
      setPlaying(false);
      let count = 0;
      while (count < frames.length && frames[count].version <= version) count++;
      applyUntil(count);
      setScrubbed({ version, at: null });
      ledger.runAt(runId, { version }).then(
        (at) => setScrubbed((s) => (s && s.version === version ? { version, at } : s)),
        (e: LedgerClientError) => setError(e),
      );
    },
  };
}
