import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';

import { ErrorBoundary } from '@/components/error-boundary';
import { meQueryKey } from '@/features/auth';
import { queryConfig, isUnauthenticated } from '@/lib/react-query';

export function createQueryClient(): QueryClient {
  // A 401 anywhere means the session ended: forget the user so the guard sends them to /login.
  const onError = (error: unknown) => {
    if (isUnauthenticated(error)) queryClient.setQueryData(meQueryKey, null);
  };
  const queryClient: QueryClient = new QueryClient({
    defaultOptions: queryConfig,
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        // A failed login is also a 401, but there was no session to lose.
        if (mutation.options.mutationKey?.[0] !== 'login') onError(error);
      },
    }),
  });
  return queryClient;
}

export function AppProvider({ children, queryClient }: { children: ReactNode; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <ErrorBoundary>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </ErrorBoundary>
  );
}
