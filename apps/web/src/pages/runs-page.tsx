import { RunsList, type RunsFilter } from '@run-ledger/react';
import { useState } from 'react';

/** The user's runs (newest activity first, live); each name links to its page. The filter is kept in this tab. */
export function RunsPage() {
  const [filter, setFilter] = useState<RunsFilter>(() => {
    try {
      return JSON.parse(sessionStorage.getItem('run-ledger.filter') ?? '{}') as RunsFilter;
    } catch {
      return {};
    }
  });
  return (
    <section aria-label="Runs">
      <h2>Runs</h2>
      <RunsList
        filter={filter}
        onFilterChange={(f) => {
          setFilter(f);
          sessionStorage.setItem('run-ledger.filter', JSON.stringify(f));
        }}
        height="calc(100vh - 260px)"
      />
    </section>
  );
}
