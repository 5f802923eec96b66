import { useEffect, useRef, type ReactNode } from 'react';
import { init, PALETTE, type ChartOption, type ECharts } from '../charts/echarts.js';

export interface ChartClick {
  name: string;
  seriesName?: string;
  data: unknown;
}

/**
 * One chart: an ECharts canvas, its title, and a text summary of what it shows for screen readers (the canvas is
 * hidden from them). Anything a click on the chart does must also be offered as a link or button next to it, for
 * keyboards.
 */
export function Chart({ title, summary, option, height = 320, onClick }: {
  title: string;
  summary: ReactNode;
  option: ChartOption;
  height?: number;
  onClick?: (click: ChartClick) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const clicked = useRef(onClick);
  useEffect(() => {
    clicked.current = onClick;
  });

  useEffect(() => {
    const el = box.current!;
    const instance = init(el, null, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (p) => clicked.current?.({ name: p.name, seriesName: p.seriesName, data: p.data }));
    // Marks the canvas as drawn once ECharts has rendered and animated all of it, so a test can wait for that.
    instance.on('finished', () => {
      el.dataset.drawn = 'true';
    });
    const resize = new ResizeObserver(() => {
      delete el.dataset.drawn;
      instance.resize();
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    delete box.current!.dataset.drawn;
    chart.current?.setOption({ color: PALETTE, animation: !still, animationDuration: 300, textStyle: { fontFamily: 'inherit' }, ...option }, true);
  }, [option]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" style={{ height }} aria-hidden="true" data-chart={title} />
      <div className="sr-only">{summary}</div>
    </figure>
  );
}
