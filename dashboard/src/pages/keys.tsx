import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { type Api, describeError } from '../api.ts';
import type { Block, IssuedKey, Key } from '../api-types.ts';
import { PageTitle, Status } from '../components/status.tsx';
import { fmtTime, splitList } from '../format.ts';
import { useLoad } from '../hooks.ts';

const DURATIONS = [
  { s: 3600, label: '1 hour' },
  { s: 86_400, label: '1 day' },
  { s: 7 * 86_400, label: '7 days' },
  { s: 30 * 86_400, label: '30 days' },
];

function keyState(k: Key, now: number): string {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && Date.parse(k.expiresAt) <= now) return 'expired';
  return 'active';
}

/** The key of a create or rotate answer, shown once, with a way to copy it. */
function ShownOnce({ issued, onDone }: { issued: IssuedKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="card shown-once" role="status" aria-labelledby="h-new-key">
      <h2 id="h-new-key">New key for {issued.consumer}</h2>
      <p>
        Copy it now: it is shown <strong>once</strong> and cannot be shown again.
      </p>
      <p>
        <label>
          API key{' '}
          <input
            class="secret"
            readOnly
            value={issued.key}
            size={50}
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>{' '}
        <button
          type="button"
          onClick={() => {
            navigator.clipboard?.writeText(issued.key).then(
              () => setCopied(true),
              () => setCopied(false),
            );
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>{' '}
        <button type="button" class="secondary" onClick={onDone}>
          Done
        </button>
      </p>
      <p class="muted small">
        {issued.id}
        {issued.rotatedFrom !== null && ` replaces ${issued.rotatedFrom}`}
      </p>
    </section>
  );
}

function CreateKey({ api, onIssued }: { api: Api; onIssued: (k: IssuedKey) => void }) {
  const [consumer, setConsumer] = useState('');
  const [name, setName] = useState('');
  const [env, setEnv] = useState<'live' | 'test'>('live');
  const [roles, setRoles] = useState('');
  const [scopes, setScopes] = useState('');
  const [days, setDays] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card form-grid"
      aria-labelledby="h-create"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        try {
          const issued = await api.call('createKey', {
            body: {
              consumer: consumer.trim(),
              env,
              ...(name.trim() === '' ? {} : { name: name.trim() }),
              ...(roles.trim() === '' ? {} : { roles: splitList(roles) }),
              ...(scopes.trim() === '' ? {} : { scopes: splitList(scopes) }),
              ...(days.trim() === '' ? {} : { expiresInSeconds: Math.round(Number(days) * 86_400) }),
            },
          });
          setError(null);
          setName('');
          onIssued(issued);
        } catch (err) {
          setError(describeError(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="h-create">Create a key</h2>
      <label>
        Consumer{' '}
        <input
          name="consumer"
          required
          maxLength={256}
          value={consumer}
          onInput={(e) => setConsumer(e.currentTarget.value)}
        />
      </label>
      <label>
        Name{' '}
        <input name="name" maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <div class="field">
        <label for="f-env">Environment</label>
        <select
          id="f-env"
          name="env"
          value={env}
          onChange={(e) => setEnv(e.currentTarget.value as 'live' | 'test')}
        >
          <option value="live">live</option>
          <option value="test">test</option>
        </select>
      </div>
      <label>
        Roles{' '}
        <input
          name="roles"
          value={roles}
          placeholder="reader, admin"
          onInput={(e) => setRoles(e.currentTarget.value)}
        />
      </label>
      <label>
        Scopes{' '}
        <input
          name="scopes"
          value={scopes}
          placeholder="read:users"
          onInput={(e) => setScopes(e.currentTarget.value)}
        />
      </label>
      <label>
        Expires in (days){' '}
        <input
          name="days"
          type="number"
          min="0"
          max="1825"
          step="any"
          value={days}
          onInput={(e) => setDays(e.currentTarget.value)}
        />
      </label>
      <div>
        <button type="submit" disabled={busy}>
          Create key
        </button>
      </div>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** A row action that asks once more before acting; Escape or Cancel puts the focus back on it. */
function Confirm({ label, ask, onConfirm }: { label: string; ask: string; onConfirm: () => Promise<void> }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const start = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  // a layout effect moves the focus in the same task as the render: with a passive effect, an
  // Escape pressed as soon as the question shows could land before the focus, outside the fieldset
  useLayoutEffect(() => {
    if (asking) yes.current?.focus();
    else if (asked.current) start.current?.focus();
    asked.current = asking;
  }, [asking]);
  if (!asking)
    return (
      <button type="button" class="secondary" ref={start} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <fieldset
      class="confirm"
      onKeyDown={(e) => {
        if (e.key === 'Escape') setAsking(false);
      }}
    >
      <legend>{ask}</legend>
      <button
        type="button"
        class="danger"
        ref={yes}
        onClick={() => onConfirm().finally(() => setAsking(false))}
      >
        Yes, {label.toLowerCase()}
      </button>{' '}
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </fieldset>
  );
}

function BlockForm({ api, onDone }: { api: Api; onDone: () => void }) {
  const [kind, setKind] = useState<Block['kind']>('ip');
  const [value, setValue] = useState('');
  const [ttl, setTtl] = useState(86_400);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      class="inline-form"
      aria-labelledby="h-blocks"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          await api.call('addBlock', { body: { kind, value: value.trim(), ttlSeconds: ttl } });
          setValue('');
          setError(null);
          onDone();
        } catch (err) {
          setError(describeError(err));
        }
      }}
    >
      <div class="field">
        <label for="f-block-kind">Block</label>
        <select
          id="f-block-kind"
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.currentTarget.value as Block['kind'])}
        >
          <option value="ip">IP address</option>
          <option value="consumer">Consumer</option>
        </select>
      </div>
      <label>
        Value{' '}
        <input
          name="value"
          required
          maxLength={256}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      <div class="field">
        <label for="f-block-ttl">For</label>
        <select
          id="f-block-ttl"
          name="ttl"
          value={ttl}
          onChange={(e) => setTtl(Number(e.currentTarget.value))}
        >
          {DURATIONS.map((d) => (
            <option key={d.s} value={d.s}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Block</button>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** Consumers, their keys (create, rotate, revoke) and blocks (block and unblock consumers and IPs). */
export function KeysPage({ api, now = Date.now() }: { api: Api; now?: number }) {
  const keys = useLoad(api, 'listKeys', undefined);
  const consumers = useLoad(api, 'listConsumers', undefined);
  const blocks = useLoad(api, 'listBlocks', undefined);
  const [issued, setIssued] = useState<IssuedKey | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (f: () => Promise<string>) => {
    try {
      setMessage(await f());
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  const blocked = new Set((blocks.data?.blocks ?? []).map((b) => `${b.kind}:${b.value}`));
  const reloadAll = () => {
    keys.reload();
    consumers.reload();
    blocks.reload();
  };
  const unblock = (b: { kind: Block['kind']; value: string }) =>
    act(async () => {
      await api.call('removeBlock', { path: { kind: b.kind, value: b.value } });
      blocks.reload();
      return `Unblocked ${b.kind} ${b.value}.`;
    });
  return (
    <>
      <div class="page-head">
        <PageTitle>Consumers &amp; keys</PageTitle>
      </div>
      <p class="notice" aria-live="polite">
        {message ?? ''}
      </p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {issued !== null && <ShownOnce issued={issued} onDone={() => setIssued(null)} />}
      <CreateKey
        api={api}
        onIssued={(k) => {
          setIssued(k);
          reloadAll();
        }}
      />
      <section class="card" aria-labelledby="h-keys">
        <h2 id="h-keys">Keys</h2>
        <Status loading={keys.loading && keys.data === null} error={keys.error} />
        {keys.data !== null && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Consumer</th>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {keys.data.keys.length === 0 && (
                  <tr>
                    <td colSpan={8} class="muted">
                      No keys yet.
                    </td>
                  </tr>
                )}
                {keys.data.keys.map((k) => {
                  const state = keyState(k, now);
                  return (
                    <tr key={k.id} data-key-id={k.id}>
                      <th scope="row">
                        <code>{k.prefix}…</code>
                        <div class="muted small">{k.id}</div>
                      </th>
                      <td>{k.consumer}</td>
                      <td>{k.name ?? '—'}</td>
                      <td>
                        <span class={`badge key-${state}`}>{state}</span>
                      </td>
                      <td class="nowrap">{fmtTime(k.createdAt)}</td>
                      <td class="nowrap">{fmtTime(k.lastUsedAt)}</td>
                      <td class="nowrap">{fmtTime(k.expiresAt)}</td>
                      <td class="actions">
                        {state === 'active' && (
                          <>
                            <Confirm
                              label="Rotate"
                              ask={`Rotate ${k.prefix}…? The old key works one more day.`}
                              onConfirm={() =>
                                act(async () => {
                                  const next = await api.call('rotateKey', {
                                    path: { keyId: k.id },
                                    body: {},
                                  });
                                  setIssued(next);
                                  keys.reload();
                                  return `Rotated ${k.id}.`;
                                })
                              }
                            />{' '}
                            <Confirm
                              label="Revoke"
                              ask={`Revoke ${k.prefix}… now?`}
                              onConfirm={() =>
                                act(async () => {
                                  await api.call('revokeKey', { path: { keyId: k.id } });
                                  keys.reload();
                                  return `Revoked ${k.id}.`;
                                })
                              }
                            />
                          </>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="h-consumers">
        <h2 id="h-consumers">Consumers</h2>
        <Status loading={consumers.loading && consumers.data === null} error={consumers.error} />
        {consumers.data !== null && (
          <table>
            <thead>
              <tr>
                <th scope="col">Consumer</th>
                <th scope="col">Roles</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Access</th>
              </tr>
            </thead>
            <tbody>
              {consumers.data.consumers.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">
                    No consumers yet.
                  </td>
                </tr>
              )}
              {consumers.data.consumers.map((c) => (
                <tr key={c.id}>
                  <th scope="row">{c.id}</th>
                  <td>{c.roles.join(', ') || '—'}</td>
                  <td>{c.scopes.join(', ') || '—'}</td>
                  <td class="nowrap">{fmtTime(c.createdAt)}</td>
                  <td class="actions">
                    {blocked.has(`consumer:${c.id}`) ? (
                      <button
                        type="button"
                        class="secondary"
                        onClick={() => unblock({ kind: 'consumer', value: c.id })}
                      >
                        Unblock {c.id}
                      </button>
                    ) : (
                      <Confirm
                        label="Block"
                        ask={`Block ${c.id} for a day?`}
                        onConfirm={() =>
                          act(async () => {
                            await api.call('addBlock', {
                              body: { kind: 'consumer', value: c.id, ttlSeconds: 86_400 },
                            });
                            blocks.reload();
                            return `Blocked consumer ${c.id} for a day.`;
                          })
                        }
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card" aria-labelledby="h-blocks">
        <h2 id="h-blocks">Blocks</h2>
        <BlockForm api={api} onDone={blocks.reload} />
        <Status loading={blocks.loading && blocks.data === null} error={blocks.error} />
        {blocks.data !== null &&
          (blocks.data.blocks.length === 0 ? (
            <p class="muted">Nobody is blocked.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Kind</th>
                  <th scope="col">Value</th>
                  <th scope="col">Until</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {blocks.data.blocks.map((b) => (
                  <tr key={`${b.kind}:${b.value}`}>
                    <td>{b.kind}</td>
                    <th scope="row">
                      <code>{b.value}</code>
                    </th>
                    <td class="nowrap">{fmtTime(b.until)}</td>
                    <td>
                      <button type="button" class="secondary" onClick={() => unblock(b)}>
                        Unblock <span class="visually-hidden">{b.value}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ))}
      </section>
    </>
  );
}
