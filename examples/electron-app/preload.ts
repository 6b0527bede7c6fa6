// Exposes window.backend: one method per message, never the raw ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { exposeBackendBridge } from 'backend-lifecycle/electron/preload';

exposeBackendBridge({ contextBridge, ipcRenderer });
