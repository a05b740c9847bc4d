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

/**
 * A run of fewer events than this has its events fetched as soon as the player shows (its waterfall is drawn at
 * once); a longer one only when first replayed or scrubbed, so opening a long run's page costs no replay.
 */
export const EAGER_REPLAY_EVENTS = 2_000;

/** Replay speeds offered: 1 = original timing, 0 = instant. */
export const REPLAY_SPEEDS = [1, 2, 10, 0] as const;

export interface ReplayState {
  /** Every frame of the run (fetched once, with `run.replay` at speed 0, then the newer ones). */
  frames: ReplayFrame[];
  /** Frames are being fetched. */
  loading: boolean;
  /** Replay was asked for and starts once the frames are in. */
  starting: boolean;
  /** The frames are not fetched yet (a long run: they come with the first Replay or scrub). */
  deferred: boolean;
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
 * A run's replay, paced here from its frames (docs/protocol.md §4 rule: a chunk at its task's createdAt + offsetMs, other
 * events at recordedAt, gaps divided by the speed), so it can pause, change speed and seek; `seek` also asks the
 * server for the run as it was at that version (`run.at`).
 */
export function useReplay(runId: string, options: { latestVersion?: number } = {}): ReplayState {
  const ledger = useLedger();
  const wanted = Math.max(0, options.latestVersion ?? 0);
  const [frames, setFrames] = useState<ReplayFrame[]>([]);
  const [armed, setArmed] = useState(() => wanted < EAGER_REPLAY_EVENTS);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<LedgerClientError | null>(null);
  const [, setTick] = useState(0);
  // The `latestVersion` the last completed fetch was made for: one fetch per version the run is known to have.
  const [fetchedFor, setFetchedFor] = useState(-1);
  const [starting, setStarting] = useState(false);
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
  useEffect(() => {
    if (!armed || fetching.current || fetchedFor >= wanted) return;
    fetching.current = true;
    setLoading(true);
    const askedFor = wanted;
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
        setFetchedFor(askedFor);
      });
  }, [ledger, runId, armed, lastVersion, wanted, fetchedFor]);
  const ready = fetchedFor >= wanted && !loading;

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

  useEffect(() => {
    if (!starting || !ready) return;
    setStarting(false);
    applyUntil(0);
    start(speed);
  }, [starting, ready, applyUntil, start, speed]);

  return {
    frames,
    loading,
    starting,
    deferred: !armed,
    error,
    fold: fold.current,
    position: position.current,
    playing,
    speed,
    scrubbed,
    lanes,
    due,
    replay: () => {
      stop();
      setArmed(true);
      setStarting(true);
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
      setArmed(true);
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
