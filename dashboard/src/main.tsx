import { render } from 'preact';
import { httpApi } from './api.ts';
import { App } from './app.tsx';
import './styles.css';

const listeners: (() => void)[] = [];
const signedOut = { subscribe: (f: () => void) => void listeners.push(f) };
const api = httpApi(() => {
  for (const f of listeners) f();
});
render(<App api={api} signedOut={signedOut} />, document.getElementById('app')!);
