import { Download, Loader2, X } from 'lucide-react';
import { useRef, useState } from 'react';
import { ApiError, type ExportProgress, exportSessions } from '../api/client';
import type { Sort } from '@switchboard/contracts';
import type { SessionFilterValues } from '../lib/filters';
import { bytes, number } from '../lib/format';
import { Button } from './ui';

type Format = 'csv' | 'json';
type State =
  | { kind: 'idle' }
  | { kind: 'running'; format: Format; progress: ExportProgress }
  | { kind: 'done'; filename: string; rows: number; size: number }
  | { kind: 'error'; message: string };

function save(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads exactly the current filter and sort, streaming so progress is visible. */
export function ExportButtons({ filters, sort }: { filters: SessionFilterValues; sort: Sort }) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);

  const run = async (format: Format) => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setState({ kind: 'running', format, progress: { bytes: 0, rows: 0 } });
    try {
      const { blob, filename, rows } = await exportSessions(
        format,
        filters,
        sort,
        (progress) => setState({ kind: 'running', format, progress }),
        ctrl.signal,
      );
      save(blob, filename);
      setState({ kind: 'done', filename, rows, size: blob.size });
    } catch (err) {
      if ((err as Error).name === 'AbortError') {
        setState({ kind: 'idle' });
        return;
      }
      setState({ kind: 'error', message: err instanceof ApiError ? err.message : 'Export failed.' });
    } finally {
      if (abort.current === ctrl) abort.current = null;
    }
  };

  const running = state.kind === 'running';
  return (
    <div className="flex flex-wrap items-center gap-2">
      {/* Empty, the status takes no room (its negative margin cancels the gap after it). */}
      <span className="text-xs text-slate-500 empty:-mr-2" role="status" aria-live="polite" data-testid="export-status">
        {state.kind === 'running' && (
          <span className="inline-flex items-center gap-1.5">
            <Loader2 className="size-3.5 animate-spin" aria-hidden="true" />
            Exporting {state.format.toUpperCase()}… {number.format(state.progress.rows)} rows ·{' '}
            {bytes(state.progress.bytes)}
            <button
              type="button"
              onClick={() => abort.current?.abort()}
              aria-label="Cancel export"
              className="ml-1 inline-flex size-5 items-center justify-center rounded hover:bg-slate-200"
            >
              <X className="size-3" aria-hidden="true" />
            </button>
          </span>
        )}
        {state.kind === 'done' && (
          <span title={state.filename}>
            Exported {number.format(state.rows)} rows ({bytes(state.size)})
          </span>
        )}
        {state.kind === 'error' && <span className="text-red-600">{state.message}</span>}
      </span>
      <Button onClick={() => run('csv')} disabled={running}>
        <Download className="size-4" aria-hidden="true" />
        <span>
          <span className="max-sm:sr-only">Export </span>CSV
        </span>
      </Button>
      <Button onClick={() => run('json')} disabled={running}>
        <Download className="size-4" aria-hidden="true" />
        <span>
          <span className="max-sm:sr-only">Export </span>JSON
        </span>
      </Button>
    </div>
  );
}
