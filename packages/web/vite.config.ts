import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Most visits land on the sessions list. Its chunk and the chunks it imports are named in the
 * page's head, so the browser fetches them while the main bundle is still being fetched and run,
 * not after (the list's first rows no longer wait for a second wave of requests). Their CSS is a
 * stylesheet of the head like the main one: Vite's loader for a lazy chunk skips a stylesheet
 * already in the document, but for anything else (a `preload` link, which the browser would not
 * even reuse, its credentials mode differing) inserts one of its own and holds the chunk back
 * until that has been fetched again and has loaded.
 */
function preloadLanding(page = 'src/pages/SessionsPage.tsx'): Plugin {
  return {
    name: 'switchboard:preload-landing',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return;
        const chunks = Object.values(bundle).filter((c) => c.type === 'chunk');
        const landing = chunks.find((c) => c.facadeModuleId?.replaceAll('\\', '/').endsWith(page));
        if (!landing) throw new Error(`preload-landing: no chunk for ${page}`);
        const byName = new Map(chunks.map((c) => [c.fileName, c]));
        const files = new Set<string>();
        const css = new Set<string>();
        const visit = (name: string) => {
          const c = byName.get(name);
          if (!c || c.isEntry || files.has(name) || html.includes(`/${name}`)) return;
          files.add(name);
          for (const f of c.viteMetadata?.importedCss ?? []) css.add(f);
          for (const i of c.imports) visit(i);
        };
        visit(landing.fileName);
        return [
          ...[...files].map((f) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` },
            injectTo: 'head' as const,
          })),
          ...[...css].map((f) => ({
            tag: 'link',
            attrs: { rel: 'stylesheet', crossorigin: true, href: `/${f}` },
            injectTo: 'head' as const,
          })),
        ];
      },
    },
  };
}

// Where `vite` (dev) and `vite preview` send API calls; the server's default address.
const api = process.env.SWITCHBOARD_API_URL ?? 'http://127.0.0.1:8080';
const proxy = { '/api': { target: api }, '/readyz': { target: api } };

export default defineConfig({
  plugins: [react(), tailwindcss(), preloadLanding()],
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
