/**
 * The preload: exposes `window.sectioned` ({@link SectionedBridge}) and nothing else. It runs
 * sandboxed with context isolation, so it must stay a self-contained bundle that requires only
 * 'electron' (see channels.ts for why it does not import the zod contract).
 */
import { contextBridge, ipcRenderer } from 'electron'
import type { SectionedBridge, SectionedBridgeKey } from '../../shared/bridge'
import { createBridge } from './bridge'

const key: SectionedBridgeKey = 'sectioned'
const bridge: SectionedBridge = createBridge(ipcRenderer)
contextBridge.exposeInMainWorld(key, bridge)
