import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The renderer bundle: root renderer/, output out/renderer. Relative base so the same files load
// from file:// in Electron and from the loopback server in browser mode. No inline scripts or
// CDNs (the CSP forbids them); Vite's module preload polyfill is disabled for the same reason.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 2000,
  },
  server: { host: '127.0.0.1', strictPort: false },
})
