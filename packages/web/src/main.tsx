import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { isRefused, retryQuery } from './api/client';
import { prefetchLanding } from './api/queries';
import './index.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // Except what the server refused: the same request gets the same 4xx.
      refetchOnWindowFocus: (q) => !isRefused(q.state.error),
      retry: retryQuery,
    },
  },
});

prefetchLanding(queryClient, window.location);

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
