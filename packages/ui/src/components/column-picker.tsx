import { useEffect, useRef } from 'react';
import { ATTRIBUTE_COLUMNS, columnId, type Column, type RunKeys } from '../state/runs-table-state.js';

/** Checkboxes over the attributes and every param, metric and tag key seen on the loaded runs. */
export function ColumnPicker({ keys, columns, onChange, onClose }: { keys: RunKeys; columns: Column[]; onChange: (columns: Column[]) => void; onClose: () => void }) {
  const shown = new Set(columns.map(columnId));
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (event: MouseEvent) => {
      if (box.current !== null && !box.current.contains(event.target as Node)) onClose();
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [onClose]);
  const toggle = (column: Column) => {
    const id = columnId(column);
    onChange(shown.has(id) ? columns.filter((candidate) => columnId(candidate) !== id) : [...columns, column]);
  };
  const group = (title: string, list: Column[]) =>
    list.length === 0 ? null : (
      <fieldset>
        <legend>{title}</legend>
        {list.map((column) => (
          <label key={columnId(column)}>
            <input type="checkbox" checked={shown.has(columnId(column))} onChange={() => toggle(column)} /> {column.kind === 'attribute' ? ATTRIBUTE_COLUMNS.find((a) => a.key === column.key)?.label : column.key}
          </label>
        ))}
      </fieldset>
    );
  return (
    <div className="column-picker" ref={box} role="dialog" aria-label="Columns">
      {group('Attributes', ATTRIBUTE_COLUMNS.map((attribute): Column => ({ kind: 'attribute', key: attribute.key })))}
      {group('Metrics', keys.metrics.map((key): Column => ({ kind: 'metric', key })))}
      {group('Parameters', keys.params.map((key): Column => ({ kind: 'param', key })))}
      {group('Tags', keys.tags.map((key): Column => ({ kind: 'tag', key })))}
    </div>
  );
}
