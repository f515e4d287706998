'use client';

import { useEffect, useState } from 'react';

type Theme = 'system' | 'light' | 'dark';
const NEXT: Record<Theme, Theme> = { system: 'dark', dark: 'light', light: 'system' };
const ICON: Record<Theme, string> = { system: '◐', dark: '☾', light: '☀' };

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>('system');
  useEffect(() => {
    const saved = localStorage.getItem('membrane.theme');
    if (saved === 'light' || saved === 'dark') setTheme(saved);
  }, []);
  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem('membrane.theme', theme);
  }, [theme]);
  return (
    <button
      type="button"
      style={{ border: 'none' }}
      title={`Theme: ${theme}`}
      aria-label={`Theme: ${theme}`}
      onClick={() => setTheme(NEXT[theme])}
    >
      {ICON[theme]}
    </button>
  );
}
