import type { ComponentChildren } from 'preact';

/** Loading and error state of a section: a polite live region, or an alert on error. */
export function Status({ loading, error }: { loading: boolean; error: string | null }) {
  if (error !== null)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  return (
    <p class="muted" aria-live="polite">
      {loading ? 'Loading…' : ''}
    </p>
  );
}

/** A labelled count tile. */
export function Stat({
  label,
  value,
  tone,
}: {
  label: string;
  value: string;
  tone?: 'bad' | 'warn' | undefined;
}) {
  return (
    <div class={`stat${tone === undefined ? '' : ` stat-${tone}`}`}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** A page heading that takes the focus when the page opens (for keyboard and screen reader users). */
export function PageTitle({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** A severity label with its colour and its word (colour is never the only cue). */
export function SeverityBadge({ severity }: { severity: string }) {
  return <span class={`badge sev-${severity}`}>{severity}</span>;
}
