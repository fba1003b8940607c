import { useRef, useState, type KeyboardEvent } from 'react';
import { applyCompletion, filterCompletions, type Completion } from '../state/filter-completion.js';
import type { RunKeys } from '../state/runs-table-state.js';

/** The runs filter: MLflow's search grammar, key completion, Enter applies. */
export function FilterBox({ value, keys, onApply }: { value: string; keys: RunKeys; onApply: (filter: string) => void }) {
  const [text, setText] = useState(value);
  const [completions, setCompletions] = useState<Completion[]>([]);
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const refresh = (next: string, cursor: number) => {
    setCompletions(filterCompletions(next, cursor, keys));
    setActive(0);
  };
  const accept = (completion: Completion) => {
    const applied = applyCompletion(text, completion);
    setText(applied.text);
    setCompletions([]);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(applied.cursor, applied.cursor);
      refresh(applied.text, applied.cursor);
    });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (completions.length > 0 && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
      event.preventDefault();
      setActive((index) => (index + (event.key === 'ArrowDown' ? 1 : completions.length - 1)) % completions.length);
      return;
    }
    if (completions.length > 0 && event.key === 'Tab') {
      event.preventDefault();
      accept(completions[active]!);
      return;
    }
    if (event.key === 'Escape') {
      setCompletions([]);
      return;
    }
    if (event.key === 'Enter') {
      event.preventDefault();
      // While suggestions are open, Enter takes the highlighted one; otherwise it applies the filter.
      const chosen = completions[active];
      if (chosen !== undefined) {
        accept(chosen);
        return;
      }
      setCompletions([]);
      onApply(text.trim());
    }
  };
  return (
    <div className="filter-box">
      <input
        ref={input}
        aria-label="Filter runs"
        placeholder="Filter runs: metrics.loss < 0.5 and params.lr = '0.01'"
        value={text}
        spellCheck={false}
        onChange={(event) => {
          setText(event.target.value);
          refresh(event.target.value, event.target.selectionStart ?? event.target.value.length);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setCompletions([]), 150)}
      />
      {completions.length > 0 && (
        <ul className="suggestions" role="listbox" aria-label="Filter suggestions">
          {completions.map((completion, index) => (
            <li
              key={completion.text}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : ''}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(completion);
              }}
            >
              {completion.text}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

