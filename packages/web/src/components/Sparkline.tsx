/**
 * A tiny line of values for a table cell, drawn as SVG (no chart library in the list pages'
 * chunks). The last point is marked; an all-zero series is a flat line on the baseline.
 */
export function Sparkline({
  values,
  label,
  width = 96,
  height = 24,
}: {
  values: number[];
  /** What the line shows, for screen readers and the tooltip: "Sessions per day: 42 in all". */
  label: string;
  width?: number;
  height?: number;
}) {
  if (values.length === 0) return null;
  const max = Math.max(...values, 1);
  const pad = 2;
  const step = values.length > 1 ? (width - pad * 2) / (values.length - 1) : 0;
  const x = (i: number) => pad + i * step;
  const y = (v: number) => height - pad - (v / max) * (height - pad * 2);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const last = values.length - 1;
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      className="overflow-visible"
    >
      <title>{label}</title>
      <polygon points={`${x(0)},${height - pad} ${points} ${x(last)},${height - pad}`} className="fill-indigo-100/70" />
      <polyline
        points={points}
        fill="none"
        className="stroke-indigo-500"
        strokeWidth={1.5}
        strokeLinejoin="round"
        strokeLinecap="round"
      />
      <circle cx={x(last)} cy={y(values[last])} r={2} className="fill-indigo-600" />
    </svg>
  );
}
