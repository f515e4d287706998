'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo } from 'react';
import { type ViewState, viewFromParams, viewToParams } from '../domain/viewState';

/** The shared view (filters, namespaces, window) read from and written to the URL. */
export function useViewState(): [ViewState, (next: ViewState) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const view = useMemo(() => viewFromParams(new URLSearchParams(params.toString())), [params]);
  const setView = useCallback(
    (next: ViewState) => {
      const q = viewToParams(next, new URLSearchParams(params.toString())).toString();
      router.replace(q ? `${pathname}?${q}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  return [view, setView];
}
