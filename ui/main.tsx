import { createRoot } from 'react-dom/client';
import { BackendProvider } from '../src/react/hooks.js';
import { App } from './App.js';
import './styles.css';
import { createWebBridge } from './web-bridge.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
const bridge = createWebBridge(token);
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <BackendProvider bridge={bridge}>
      <App bridge={bridge} token={token} />
    </BackendProvider>,
  );
}
