import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { SectionedClient } from './ipc/client'
import { createWebTransport } from './ipc/web-transport'
import { createAppStore } from './state/store'
import { StoreContext } from './state/use-app'
import './styles.css'

// The web host serves this same renderer to a browser; inside Electron the preload's bridge is used
// (wired with the Electron shell). Either way the app talks only through the client.
const transport = createWebTransport(window.location)
const client = new SectionedClient(transport)
const { store } = createAppStore(client)

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
