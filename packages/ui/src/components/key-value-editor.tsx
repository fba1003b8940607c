import { useState, type FormEvent } from 'react';
import { useAction } from '../api/api-context.js';
import { ErrorNote } from './error-note.js';

/** A tag list with add, edit and delete (runs, registered models and model versions). */
export function KeyValueEditor({
  label,
  items,
  onSet,
  onDelete,
  onChanged,
}: {
  label: string;
  items: ReadonlyArray<{ key: string; value: string }>;
  onSet(key: string, value: string): Promise<void>;
  onDelete(key: string): Promise<void>;
  onChanged(): void;
}) {
  const act = useAction();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const edit = async (tagKey: string, current: string) => {
    const next = window.prompt(`New value of tag ${tagKey}`, current);
    if (next === null || next === current) return;
    if (await act(() => onSet(tagKey, next), setError)) onChanged();
  };
  const add = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (await act(() => onSet(key.trim(), value), setError)) {
      setKey('');
      setValue('');
      onChanged();
    }
  };
  return (
    <div>
      <table className="grid" data-testid={`${label}-tags`}>
        <thead>
          <tr>
            <th>Tag</th>
            <th>Value</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.key}>
              <td>{item.key}</td>
              <td>{item.value}</td>
              <td className="actions">
                <button type="button" aria-label={`Edit tag ${item.key}`} onClick={() => void edit(item.key, item.value)}>
                  Edit
                </button>
                <button type="button" aria-label={`Delete tag ${item.key}`} onClick={() => void act(() => onDelete(item.key), setError).then((ok) => ok && onChanged())}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="toolbar" onSubmit={(event) => void add(event)}>
        <input aria-label="Tag key" placeholder="key" value={key} onChange={(event) => setKey(event.target.value)} />
        <input aria-label="Tag value" placeholder="value" value={value} onChange={(event) => setValue(event.target.value)} />
        <button type="submit" disabled={key.trim() === ''}>
          Add tag
        </button>
      </form>
      <ErrorNote error={error} />
    </div>
  );
}
