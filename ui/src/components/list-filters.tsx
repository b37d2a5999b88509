// The controls above a server-filtered list (applications, stacks): a choice among values with
// "All" first, a text filter that writes to the address bar a moment after typing stops, and the
// sort field with its direction. Each control's accessible name is its label alone.
import { useEffect, useRef, useState } from "preact/hooks";

export type Order = "asc" | "desc";

/** A filter on one field: "All" (the empty value) or one of `options`, shown by `labels` if given. */
export function Select({
  label,
  value,
  options,
  labels,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  labels?: Readonly<Record<string, string>>;
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      {/* aria-label: a select's name is its label alone, not the label followed by every option. */}
      <select
        aria-label={label}
        name={label.toLowerCase()}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        <option value="">All</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {labels?.[option] ?? option}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The field a list is sorted by, and a button that turns the direction around. */
export function SortControls<S extends string>({
  sorts,
  labels,
  sort,
  order,
  onChange,
}: {
  sorts: readonly S[];
  labels: Readonly<Record<S, string>>;
  sort: S;
  order: Order;
  onChange: (patch: { sort?: S; order?: Order }) => void;
}) {
  return (
    <>
      <label>
        Sort by
        <select
          aria-label="Sort by"
          name="sort"
          value={sort}
          onChange={(e) => onChange({ sort: e.currentTarget.value as S })}
        >
          {sorts.map((s) => (
            <option key={s} value={s}>
              {labels[s]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        class="secondary"
        aria-label={order === "asc" ? "ascending; switch to descending" : "descending; switch to ascending"}
        onClick={() => onChange({ order: order === "asc" ? "desc" : "asc" })}
      >
        {order === "asc" ? "↑ Asc" : "↓ Desc"}
      </button>
    </>
  );
}

/** A text filter that writes to the URL a moment after typing stops, not at every key. */
export function TypedFilter({
  label,
  name,
  type,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  name: string;
  type: "search" | "text";
  placeholder?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const [text, setText] = useState(value);
  // The latest callback, so re-renders (live rows arriving) do not restart the wait.
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => changed.current(text), 250);
    return () => clearTimeout(timer);
  }, [text, value]);
  const props = {
    name,
    value: text,
    ...(placeholder === undefined ? {} : { placeholder }),
    spellcheck: false,
    autocomplete: "off",
    onInput: (e: { currentTarget: HTMLInputElement }) => setText(e.currentTarget.value),
  };
  // Two branches: the input's type decides which attributes Preact's types allow.
  return type === "search" ? (
    <label>
      {label}
      <input type="search" {...props} />
    </label>
  ) : (
    <label>
      {label}
      <input type="text" {...props} />
    </label>
  );
}
