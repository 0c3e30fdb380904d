import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type Api, type CallArgs, describeError } from './api.ts';
import type { OperationId, Operations } from './api-types.ts';

/** The state of one loaded resource. */
export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Call `op` on mount and whenever `key` changes; the newest answer wins. */
export function useLoad<K extends OperationId>(
  api: Api,
  op: K,
  args: CallArgs<K> | undefined,
  key: string = JSON.stringify(args ?? null),
): Loaded<Operations[K]['response']> {
  const [data, setData] = useState<Operations[K]['response'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  // `key` stands for `args` (a new object each render) in the dependencies
  useEffect(() => {
    const n = ++seq.current;
    setLoading(true);
    api.call(op, args).then(
      (d) => {
        if (n !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (n !== seq.current) return;
        setError(describeError(e));
        setLoading(false);
      },
    );
  }, [api, op, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
