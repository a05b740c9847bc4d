import { useEffect, useId, useState } from 'react';
import { DateField } from './date-field';
import type { RunsFilter } from './use-runs';

type Typed = { q: string; sourceType: string; model: string };
const typedOf = (f: RunsFilter): Typed => ({
  q: f.q ?? '',
  sourceType: f.sourceType ?? '',
  model: f.model ?? '',
});

/**
 * The runs list's controls: search, source type, model (applied on Enter, Search or leaving the field), starred,
 * archived and the date range (applied at once).
 */
export function RunsFilters({ filter, onChange }: { filter: RunsFilter; onChange(next: RunsFilter): void }) {
  const id = useId();
  const [typed, setTyped] = useState<Typed>(() => typedOf(filter));
  useEffect(() => setTyped(typedOf(filter)), [filter.q, filter.sourceType, filter.model]);
  const set = (patch: Partial<RunsFilter>) => {
    const next: RunsFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as Array<keyof RunsFilter>)
      if (next[k] === '' || next[k] === undefined) delete next[k];
    if (JSON.stringify(next) !== JSON.stringify(filter)) onChange(next);
  };
  const applyTyped = () =>
    set({
      q: typed.q.trim() || undefined,
      sourceType: typed.sourceType.trim() || undefined,
      model: typed.model.trim() || undefined,
    });
  const text = (
    key: keyof Typed,
    label: string,
    props: { size?: number; placeholder?: string; type?: string },
  ) => (
    <>
      <label htmlFor={`${id}-${key}`} className={key === 'q' ? 'rl-sr' : undefined}>
        {label}
      </label>
      <input
        id={`${id}-${key}`}
        className="rl-input"
        {...props}
        value={typed[key]}
        onChange={(e) => setTyped({ ...typed, [key]: e.target.value })}
        onBlur={applyTyped}
      />
    </>
  );
  const checkbox = (key: 'starred' | 'archived', label: string) => (
    <label>
      <input
        type="checkbox"
        checked={filter[key] === true}
        onChange={(e) => set({ [key]: e.target.checked || undefined })}
      />{' '}
      {label}
    </label>
  );
  return (
    <form
      className="rl-toolbar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        applyTyped();
      }}
    >
      {text('q', 'Search runs', { type: 'search', placeholder: 'Search names and messages' })}
      <button className="rl-btn" type="submit">
        Search
      </button>
      {text('sourceType', 'Source', { size: 8 })}
      {text('model', 'Model', { size: 10 })}
      {checkbox('starred', 'Starred only')}
      {checkbox('archived', 'Archived')}
      <DateField label="From" value={filter.from} onChange={(from) => set({ from })} />
      <DateField label="To" value={filter.to} onChange={(to) => set({ to })} />
    </form>
  );
}
