// Small stroke icons drawn inline, so nothing depends on which symbol fonts a machine has.

const PATHS = {
  map: 'M5 6a2 2 0 1 0 0 .01M19 6a2 2 0 1 0 0 .01M12 18a2 2 0 1 0 0 .01M7 6h10M6 8l5 8M18 8l-5 8',
  flows: 'M4 7h16M4 12h16M4 17h10',
  policy: 'M12 3l7 3v5c0 4.5-3 8-7 10-4-2-7-5.5-7-10V6z M9 12l2 2 4-4',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  signout: 'M10 5H5v14h5M14 8l4 4-4 4M18 12H9',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden
      style={{ verticalAlign: '-3px' }}
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
