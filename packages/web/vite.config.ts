import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Where `vite` (dev) and `vite preview` send API calls; the server's default address.
const api = process.env.SWITCHBOARD_API_URL ?? 'http://127.0.0.1:8080';
const proxy = { '/api': { target: api }, '/readyz': { target: api } };

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    proxy,
  },
  preview: { port: 4173, proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
