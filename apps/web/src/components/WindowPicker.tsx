'use client';

import { useViewState } from '../client/useViewState';
import { isTimeWindow, TIME_WINDOWS } from '../domain/timeWindow';

export function WindowPicker() {
  const [view, setView] = useViewState();
  return (
    <select
      aria-label="Time window"
      value={view.window}
      onChange={(e) => isTimeWindow(e.target.value) && setView({ ...view, window: e.target.value })}
    >
      {TIME_WINDOWS.map((w) => (
        <option key={w} value={w}>
          last {w}
        </option>
      ))}
    </select>
  );
}
