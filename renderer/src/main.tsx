import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { SectionedClient } from './ipc/client'
import { createElectronTransport, findBridge } from './ipc/electron-transport'
import { createWebTransport } from './ipc/web-transport'
import { wireImagePaste } from './images/image-paste'
import { pageFocus, wireOsNotifications } from './notifications/os-notifications'
import { createAppStore } from './state/store'
import { StoreContext } from './state/use-app'
import './styles.css'
import './layout.css'

// Inside Electron the preload's bridge is used; the web host serves this same renderer to a
// browser, which talks over the WebSocket. Either way the app talks only through the client.
const bridge = findBridge(window)
const transport = bridge ? createElectronTransport(bridge) : createWebTransport(window.location)
const client = new SectionedClient(transport)
const { store } = createAppStore(client)
wireOsNotifications(store, pageFocus(window), window)
wireImagePaste(store)

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App transport={client.transportKind} />
      </StoreContext.Provider>
    </StrictMode>
  )
}
