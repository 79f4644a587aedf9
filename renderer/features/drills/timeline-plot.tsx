import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

import type { StepRecord } from '../../../contract/drills'

import { timelineData } from './timeline-data'

const palette = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#9c755f',
]

/**
 * Live timeline of step durations (ms) per iteration, drawn by uPlot on a log₁₀ y axis, so one
 * step that ran to its 30 s timeout does not flatten the 200 ms ones (issue 21 item 6). The
 * chart is rebuilt when the set of step names changes and updated with `setData` otherwise.
 */
export function TimelinePlot({ steps }: { steps: StepRecord[] }) {
  const el = useRef<HTMLDivElement>(null)
  const box = useRef<HTMLElement>(null)
  const plot = useRef<{ chart: uPlot; names: string } | null>(null)
  const { names, data } = timelineData(steps)
  const namesKey = names.join('\u0000')

  useEffect(() => {
    const host = el.current
    const frame = box.current
    if (!host || !frame || names.length === 0) return
    // Width comes from the figure (which the grid column sizes), not from the chart's own
    // element, which grows with the canvas and would never shrink.
    const width = Math.max(240, frame.clientWidth)
    const opts: uPlot.Options = {
      width,
      height: 180,
      scales: { x: { time: false }, y: { distr: 3, log: 10 } },
      legend: { live: false },
      axes: [
        {
          label: 'iteration',
          stroke: 'currentColor',
          grid: { stroke: 'rgba(128,128,128,0.2)' },
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
        },
        {
          label: 'ms (log scale)',
          stroke: 'currentColor',
          grid: { stroke: 'rgba(128,128,128,0.2)' },
        },
      ],
      series: [
        { label: 'iteration' },
        ...names.map((n, i) => ({
          label: n,
          stroke: palette[i % palette.length],
          width: 1.5,
          points: { show: true, size: 4 },
          spanGaps: false,
        })),
      ],
    }
    const chart = new uPlot(opts, data as uPlot.AlignedData, host)
    plot.current = { chart, names: namesKey }
    const ro = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(240, frame.clientWidth), height: 180 }),
    )
    ro.observe(frame)
    return () => {
      ro.disconnect()
      chart.destroy()
      plot.current = null
    }
    // Rebuild only when the series change; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [namesKey])

  useEffect(() => {
    if (plot.current && plot.current.names === namesKey)
      plot.current.chart.setData(data as uPlot.AlignedData)
  })

  return (
    <figure ref={box} className="timeline" aria-label="Step duration timeline">
      <figcaption className="small muted">Step duration per iteration (ms, log scale)</figcaption>
      {names.length === 0 && <p className="muted small">No finished steps yet.</p>}
      <div
        ref={el}
        role="img"
        aria-label={`Timeline of ${names.length} steps over ${data[0]?.length ?? 0} iterations`}
      />
    </figure>
  )
}
