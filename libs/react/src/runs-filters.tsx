import { useEffect, useId, useState } from 'react';
import type { RunsFilter } from './use-runs';

/** The runs list's controls: search, source type, starred, archived, model, date range. */
export function RunsFilters({ filter, onChange }: { filter: RunsFilter; onChange(next: RunsFilter): void }) {
  const id = useId();
  const [q, setQ] = useState(filter.q ?? '');
  useEffect(() => setQ(filter.q ?? ''), [filter.q]);
  const set = (patch: Partial<RunsFilter>) => {
    const next: RunsFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as Array<keyof RunsFilter>)
      if (next[k] === '' || next[k] === undefined) delete next[k];
    onChange(next);
  };
  return (
    <form
      className="rl-toolbar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        set({ q: q.trim() || undefined });
      }}
    >
      <label htmlFor={`${id}-q`} className="rl-sr">
        Search runs
      </label>
      <input
        id={`${id}-q`}
        className="rl-input"
        type="search"
        placeholder="Search names and messages"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <button className="rl-btn" type="submit">
        Search
      </button>
      <label>
        Source{' '}
        <input
          className="rl-input"
          size={8}
          defaultValue={filter.sourceType ?? ''}
          onBlur={(e) => set({ sourceType: e.target.value.trim() || undefined })}
        />
      </label>
      <label>
        Model{' '}
        <input
          className="rl-input"
          size={10}
          defaultValue={filter.model ?? ''}
          onBlur={(e) => set({ model: e.target.value.trim() || undefined })}
        />
      </label>
      <label>
        <input
          type="checkbox"
          checked={filter.starred === true}
          onChange={(e) => set({ starred: e.target.checked || undefined })}
        />{' '}
        Starred only
      </label>
      <label>
        <input
          type="checkbox"
          checked={filter.archived === true}
          onChange={(e) => set({ archived: e.target.checked || undefined })}
        />{' '}
        Archived
      </label>
      <label>
        From{' '}
        <input
          className="rl-input"
          type="date"
          value={filter.from ?? ''}
          onChange={(e) => set({ from: e.target.value || undefined })}
        />
      </label>
      <label>
        To{' '}
        <input
          className="rl-input"
          type="date"
          value={filter.to ?? ''}
          onChange={(e) => set({ to: e.target.value || undefined })}
        />
      </label>
    </form>
  );
}
