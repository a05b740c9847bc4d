/** A date input with its label; an emptied field is `undefined` (no bound), as the queries take it. */
export function DateField(props: {
  label: string;
  value: string | undefined;
  onChange(value: string | undefined): void;
}) {
  return (
    <label>
      {props.label}{' '}
      <input
        className="rl-input"
        type="date"
        value={props.value ?? ''}
        onChange={(e) => props.onChange(e.target.value || undefined)}
      />
    </label>
  );
}
