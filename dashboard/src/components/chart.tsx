import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One plotted series. */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

interface ChartProps {
  /** What the chart shows, read by screen readers in place of the canvas. */
  label: string;
  kind: 'line' | 'bar';
  /** x values: seconds since the epoch for a line chart, 0..n-1 for a bar chart. */
  x: number[];
  series: ChartSeries[];
  /** Category names of a bar chart's x positions. */
  categories?: string[];
  height?: number;
}

const AXIS = {
  stroke: '#1f2933',
  grid: { stroke: '#d9dee5', width: 1 },
  ticks: { stroke: '#9aa5b1', width: 1 },
};

/** A uPlot line or bar chart that follows its container's width. */
export function Chart({ label, kind, x, series, categories, height = 220 }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const width = Math.max(240, el.clientWidth);
    const bars = kind === 'bar' ? uPlot.paths.bars?.({ size: [0.6, 64] }) : undefined;
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: kind === 'line' },
      cursor: { show: kind === 'line', drag: { x: false, y: false } },
      scales: kind === 'bar' ? { x: { time: false, range: [-0.5, Math.max(0.5, x.length - 0.5)] } } : {},
      axes: [
        kind === 'bar'
          ? {
              ...AXIS,
              splits: () => x,
              values: (_u, splits) => splits.map((i) => categories?.[i] ?? ''),
              gap: 6,
            }
          : AXIS,
        {
          ...AXIS,
          size: 56,
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: kind === 'bar' ? s.color : `${s.color}22`,
          points: { show: kind === 'line' && x.length < 3 },
          ...(bars === undefined ? {} : { paths: bars }),
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(240, el.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [kind, x, series, categories, height]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}
