// Sets the colour theme before the first paint, so a dark page never flashes white: loaded by a
// blocking <script> in <head> (the page's Content-Security-Policy allows no inline script). The
// stored choice wins; without one (or with "system") the operating system's setting decides.
// The dashboard keeps the class up to date afterwards (src/lib/theme.ts, same storage key).
(() => {
  let choice = null;
  try {
    choice = localStorage.getItem('switchboard.theme');
  } catch {
    /* storage blocked: follow the system */
  }
  const dark = choice === 'dark' || (choice !== 'light' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.classList.toggle('dark', dark);
})();
